/**
 * A hung rsync (rsync 3.2.7 deadlocks now and then on a changing tree, its
 * three processes waiting in poll() for each other): `--timeout-stall`
 * kills a local run none of whose processes ran or woke for that long, and
 * runs it again. The hang is made real: the run's own process stops itself
 * (SIGSTOP) before it execs the real rsync, so it is never scheduled again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { diffTrees, tempSrcDst, waitFor } from '../helpers/tree.js';

/** A program named rsync (the watch is for rsync itself): its first --files-from run after `trigger` appears hangs. */
function hangingRsync(dir: string, trigger: string): string {
  const real = execFileSync('sh', ['-c', 'command -v rsync'], { encoding: 'utf8' }).trim();
  const path = join(dir, 'rsync');
  writeFileSync(
    path,
    `#!/bin/sh\ncase "$*" in *--files-from*) if [ -e '${trigger}' ] && rm '${trigger}' 2>/dev/null; then kill -STOP $$; fi;; esac\nexec '${real}' "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

for (const stall of [2, 0]) {
  test(`--timeout-stall=${stall}: a run that hangs ${stall ? 'is killed and run again' : 'holds the sync (the test can fail)'}`, { timeout: 60_000 }, async () => {
    const { base, src, dst } = tempSrcDst('clsync-stall-');
    const bin = join(base.path, 'bin');
    mkdirSync(bin);
    const trigger = join(base.path, 'hang-next');
    const rsync = hangingRsync(bin, trigger);
    writeFileSync(join(src, 'before'), 'x');
    const run = startClsync(['-Mrsyncdirect', `-S${rsync}`, `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--timeout-stall=${stall}`]);
    try {
      await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
      writeFileSync(trigger, '');
      // the next files-from run hangs: the one this change starts, or the one started ahead for the next change
      writeFileSync(join(src, 'after'), 'x\n');
      assert.ok(await waitFor(() => !existsSync(trigger), 10_000), `no run took the trigger:\n${run.output()}`);
      writeFileSync(join(src, 'late'), 'written while rsync hangs\n');
      if (stall) {
        await waitForLog(run, /none of its processes ran or woke for 2 s: taken as hung/, 'the stall', 10_000);
        // the log says what each process waits on: the stopped one is in state T
        assert.match(run.output(), /taken as hung .*\(processes: \d+ clsync-exec \w.*\d+ rsync T/, 'the processes and their states');
        await waitConverged(src, dst, run, 'after the hung run', 10_000);
        await stopClean(run);
      } else {
        await new Promise((r) => setTimeout(r, 6000));
        assert.notDeepEqual(diffTrees(src, dst), [], 'without the watch the hung run holds the change back');
        assert.doesNotMatch(run.output(), /taken as hung/);
      }
    } finally {
      await killHard(run);
      base.remove();
    }
  });
}
