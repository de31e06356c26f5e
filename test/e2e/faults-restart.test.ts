/**
 * The daemon killed with SIGKILL in the middle of a sync (issue 3, item 4):
 * changes made while it is dead — new, changed and deleted files — are
 * picked up by the initial sync of the next start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { killHard, rsyncWrapper, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { diffTrees, tempSrcDst, waitFor } from '../helpers/tree.js';

test('SIGKILL mid-sync, changes while dead, restart: the initial sync converges the destination', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-faults-');
  mkdirSync(join(src, 'dir'));
  for (let i = 0; i < 20; i++) writeFileSync(join(src, 'dir', `f${i}`), `first ${i}`);
  // after the initial sync, every run marks itself started and takes 1 s before rsync: time to kill the daemon
  const marker = join(base.path, 'started');
  const slow = join(base.path, 'slow');
  const wrapper = rsyncWrapper(join(base.path, 'handler.sh'), `if [ -e '${slow}' ]; then touch '${marker}'; sleep 1; fi`);
  const args = ['-Mrsyncdirect', `-S${wrapper}`, `-W${src}`, `-D${dst}`, '-t0', '-T0', '-w0'];
  let run: ClsyncRun = startClsync(args);
  try {
    await waitForLog(run, /initial sync done/, 'first start', 15_000);
    writeFileSync(slow, '');
    writeFileSync(join(src, 'dir', 'f0'), 'changed before the kill');
    assert.ok(await waitFor(() => existsSync(marker), 10_000), `no sync started:\n${run.output()}`);
    run.child.kill('SIGKILL');
    assert.equal(await run.exited, 'SIGKILL');
    // while dead: the handler the daemon left behind may still finish; change, add and delete meanwhile
    writeFileSync(join(src, 'dir', 'f1'), 'changed while dead');
    rmSync(join(src, 'dir', 'f2'));
    mkdirSync(join(src, 'new/deeper'), { recursive: true });
    writeFileSync(join(src, 'new/deeper/g'), 'new while dead');
    await new Promise((r) => setTimeout(r, 1500)); // let the orphaned handler end
    assert.notDeepEqual(diffTrees(src, dst), [], 'the destination must lag behind, or the test proves nothing');
    rmSync(slow);
    run = startClsync(args);
    await waitForLog(run, /initial sync done/, 'restart', 15_000);
    await waitConverged(src, dst, run, 'after the restart', 5000);
    writeFileSync(join(src, 'new/deeper/h'), 'after the restart');
    await waitConverged(src, dst, run, 'a change after the restart');
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});
