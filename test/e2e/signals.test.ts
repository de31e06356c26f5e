/**
 * No debugger, no stray signals (issue 8, item 2): SIGUSR1 would open Node's
 * inspector on 127.0.0.1:9229 (code execution as root for any local user);
 * signals 16 and 29 (used by the C clsync) would end the daemon silently.
 * Each must be logged and ignored while the daemon keeps syncing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';
import { catchesSignal, listeningTcpPorts } from '../helpers/procs.js';

const SIGUSR1 = 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('SIGUSR1, right after start and later: no debugger port opens, the daemon logs it and keeps syncing', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-signals-');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0']);
  const pid = run.child.pid!;
  try {
    // As soon as Node catches USR1 at all (before that, its default would end the process: no daemon
    // can help that), and during the start-up that follows.
    assert.ok(await waitFor(() => catchesSignal(pid, SIGUSR1), 5000, 1), 'node never caught SIGUSR1');
    for (let i = 0; i < 5; i++) {
      process.kill(pid, 'SIGUSR1');
      await sleep(5);
    }
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    for (let i = 0; i < 3; i++) {
      process.kill(pid, 'SIGUSR1');
      await sleep(20);
    }
    await waitForLog(run, /SIGUSR1: ignored/, 'USR1 logged');
    await sleep(200);
    assert.deepEqual(listeningTcpPorts(pid), [], `the daemon listens on TCP:\n${run.output()}`);
    writeFileSync(join(src, 'after-usr1'), 'x');
    await waitConverged(src, dst, run, 'sync after USR1');
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('signals 16 and 29 are logged and ignored; the daemon keeps syncing', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-signals-');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    process.kill(run.child.pid!, 16);
    await waitForLog(run, /signal 16 \(SIGSTKFLT\): ignored/, 'signal 16 logged');
    process.kill(run.child.pid!, 29);
    await waitForLog(run, /signal 29 \(SIGIO\): dumping the state \(--dump-dir\) is not supported yet/, 'signal 29 logged');
    writeFileSync(join(src, 'after-signals'), 'x');
    await waitConverged(src, dst, run, 'sync after signals 16 and 29');
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});
