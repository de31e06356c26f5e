/**
 * The inotify watch limit reached mid-run, on directories made after the
 * daemon started (issue 3, item 4): never a silent gap — the daemon exits
 * non-zero with a message naming fs.inotify.max_user_watches (it does not
 * rescan the unwatched subtree). The sysctl is lowered only after the
 * initial sync and restored in `finally`; it is machine-wide, so the window
 * is kept short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { countWatchesInUse, exitedWithin, killHard, waitForLog, withInotifySysctl } from '../helpers/faults.js';
import { tempDir } from '../helpers/tree.js';

for (const extra of [[], ['--exit-on-sync-skipping']]) {
  const named = extra.length ? ` (${extra.join(' ')})` : '';
  test(`watch limit reached on new directories mid-run${named}: the daemon exits non-zero naming max_user_watches`, { timeout: 30_000 }, async () => {
    const base = tempDir('clsync-faults-');
    const src = join(base.path, 'src');
    const dst = join(base.path, 'dst');
    mkdirSync(join(src, 'd0'), { recursive: true });
    mkdirSync(dst);
    const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', ...extra]);
    try {
      await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
      const code = await withInotifySysctl('max_user_watches', countWatchesInUse() + 5, async () => {
        // 40 new directories, 4 levels deep: far past the 5 spare watches
        for (let i = 0; i < 10; i++) {
          mkdirSync(join(src, `n${i}/a/b/c`), { recursive: true });
          writeFileSync(join(src, `n${i}/a/b/c/file`), String(i));
        }
        return exitedWithin(run, 10_000);
      });
      assert.notEqual(code, 0, run.output());
      assert.notEqual(code, 'still running', `silent: the daemon kept running with unwatched directories:\n${run.output()}`);
      assert.equal(code, 3, run.output());
      assert.match(run.output(), /inotify watch limit reached/);
      assert.match(run.output(), /fs\.inotify\.max_user_watches/);
    } finally {
      await killHard(run);
      base.remove();
    }
  });
}
