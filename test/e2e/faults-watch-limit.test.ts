/**
 * The inotify watch limit reached mid-run, on directories made after the
 * daemon started (issue 3, item 4): never a silent gap. By default a loud
 * warning naming fs.inotify.max_user_watches, and the directories left
 * without a watch are polled (walked again and synced recursively every
 * 2 s) until watches are free again; with --exit-on-sync-skipping the daemon
 * exits 3 instead. The sysctl is lowered only after the initial sync and
 * restored in `finally`; it is machine-wide, so the window is kept short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { countWatchesInUse, exitedWithin, killHard, stopClean, waitConverged, waitForLog, withInotifySysctl } from '../helpers/faults.js';
import { tempSrcDst } from '../helpers/tree.js';

/** 40 new directories, 4 levels deep: far past the 5 spare watches the tests leave. */
function makeNewDirs(src: string): void {
  for (let i = 0; i < 10; i++) {
    mkdirSync(join(src, `n${i}/a/b/c`), { recursive: true });
    writeFileSync(join(src, `n${i}/a/b/c/file`), String(i));
  }
}

test('watch limit reached on new directories mid-run: a warning naming max_user_watches, then the unwatched directories are polled', { timeout: 60_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-faults-');
  mkdirSync(join(src, 'd0'));
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    await withInotifySysctl('max_user_watches', countWatchesInUse() + 5, async () => {
      makeNewDirs(src);
      await waitForLog(run, /inotify watch limit reached.*fs\.inotify\.max_user_watches.*polling/, 'the watch-limit warning');
      await waitConverged(src, dst, run, 'the new directories, watched or not');
      // later changes deep in directories that have no watch: found by the next poll
      for (let i = 0; i < 10; i++) appendFileSync(join(src, `n${i}/a/b/c/file`), ' more');
      writeFileSync(join(src, 'n9/a/b/c/late'), 'late');
      await waitConverged(src, dst, run, 'changes in unwatched directories (polling)');
    });
    // the limit is back up: the next poll gives every directory its watch, and polling stops
    await waitForLog(run, /every directory has a watch again/, 'polling to stop once watches are free');
    writeFileSync(join(src, 'n3/a/b/c/after'), 'after');
    await waitConverged(src, dst, run, 'a change after polling stopped');
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('watch limit reached on new directories mid-run (--exit-on-sync-skipping): the daemon exits 3 naming max_user_watches', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-faults-');
  mkdirSync(join(src, 'd0'));
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', '--exit-on-sync-skipping']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    const code = await withInotifySysctl('max_user_watches', countWatchesInUse() + 5, async () => {
      makeNewDirs(src);
      return exitedWithin(run, 10_000);
    });
    assert.notEqual(code, 'still running', `silent: the daemon kept running with unwatched directories:\n${run.output()}`);
    assert.equal(code, 3, run.output());
    assert.match(run.output(), /inotify watch limit reached/);
    assert.match(run.output(), /fs\.inotify\.max_user_watches/);
  } finally {
    await killHard(run);
    base.remove();
  }
});
