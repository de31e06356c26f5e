/**
 * Delays and timeouts longer than setTimeout's 2^31-1 ms (issue 8, item 3):
 * each works for its full length: no kill after milliseconds, no sync before
 * its time, no TimeoutOverflowWarning spam and no busy loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync, startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { handlerScript, killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';
import { cpuSeconds } from '../helpers/procs.js';

/** Seconds above 2^31-1 ms (24.8 days), and well above it (35 days). */
const JUST_OVER = '2147484';
const HUGE = '3000000';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The daemon's CPU use over `ms`: waiting uses none (measured 0 s in 2 s; the 1 ms timer loop of the overflow used 0.2 s). */
async function cpuOver(run: ClsyncRun, ms: number): Promise<number> {
  const before = cpuSeconds(run.child.pid!);
  await sleep(ms);
  return cpuSeconds(run.child.pid!) - before;
}

test(`-k ${JUST_OVER}: a handler taking a second is not killed`, { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-timers-');
  try {
    writeFileSync(join(src, 'f'), 'x');
    const slow = handlerScript(join(base.path, 'slow'), 'sleep 1\nexec rsync "$@"');
    const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-S${slow}`, '-k', JUST_OVER, '--only-initialsync']);
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /TimeoutOverflowWarning|timeout-sync/);
    assert.ok(existsSync(join(dst, 'f')), r.output);
  } finally {
    base.remove();
  }
});

/**
 * Start the daemon with `args`, wait for the initial sync, write `name`
 * (of `size` bytes), and check over 2 s: not synced, no warnings, no CPU.
 */
async function heldBack(args: string[], name: string, size: number, body?: (run: ClsyncRun, src: string, dst: string) => Promise<void>): Promise<void> {
  const { base, src, dst } = tempSrcDst('clsync-timers-');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, ...args]);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    // written beside the tree and moved in: its one event sees the whole size (a write in place may be seen empty first)
    writeFileSync(join(base.path, name), 'x'.repeat(size));
    renameSync(join(base.path, name), join(src, name));
    await sleep(200);
    const cpu = await cpuOver(run, 2000);
    assert.ok(cpu < 0.1, `the daemon used ${cpu} s of CPU in 2 s while waiting:\n${run.output().slice(-2000)}`);
    assert.ok(!existsSync(join(dst, name)), `${name} was synced before its delay:\n${run.output().slice(-2000)}`);
    assert.doesNotMatch(run.output(), /TimeoutOverflowWarning/);
    await body?.(run, src, dst);
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
}

test(`-t ${HUGE}: a change waits, without a busy loop or warnings`, { timeout: 30_000 }, async () => {
  await heldBack(['-t', HUGE, '-w0', '-T0'], 'waits', 1);
});

test(`-T ${HUGE}: a big file waits while a small one is synced`, { timeout: 30_000 }, async () => {
  await heldBack(['-T', HUGE, '-B', '100', '-t0', '-w0'], 'big', 1000, async (run, src, dst) => {
    writeFileSync(join(src, 'small'), 'x');
    assert.ok(await waitFor(() => existsSync(join(dst, 'small')), 5000), `the small file was not synced:\n${run.output().slice(-2000)}`);
    assert.ok(!existsSync(join(dst, 'big')), 'the big file was synced before its delay');
  });
});

test(`-w ${HUGE}: the sync after the initial one waits`, { timeout: 30_000 }, async () => {
  await heldBack(['-w', HUGE, '-t0', '-T0'], 'waits', 1);
});

test('-w 0 -t 0 still syncs at once (the long timer does not delay short ones)', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-timers-');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    writeFileSync(join(src, 'now'), 'x');
    await waitConverged(src, dst, run, 'immediate sync', 5000);
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('delays and timeouts above 2^32-1 s are refused with exit 2 naming the option', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-timers-');
  try {
    for (const option of ['-k', '-t', '-T', '-w']) {
      const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, option, '4294967296', '--only-initialsync']);
      assert.equal(r.code, 2, r.output);
      assert.match(r.output, new RegExp(`^clsync: ${option} \\(--[a-z-]+\\): 4294967296 is out of range \\(0\\.\\.4294967295\\)`, 'm'));
    }
  } finally {
    base.remove();
  }
});
