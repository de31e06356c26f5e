/**
 * Handler faults (issue 3, item 4): a handler that fails a few times is
 * retried (-r) and the log says so; one that fails past its tries ends the
 * daemon with the reason; one that hangs is killed by -k/--timeout-sync.
 * The handler is a /bin/sh wrapper around the real rsync (-Mrsyncdirect -S).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { exitedWithin, killHard, rsyncWrapper, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';

interface Setup {
  base: string;
  src: string;
  dst: string;
  /** the file the wrapper reads: how many more runs fail (or hang) */
  faults: string;
  run: ClsyncRun;
}

/**
 * Start the daemon with `-S wrapper` whose `before` lines see $FAULTS (a file,
 * absent during the initial sync); wait for the initial sync, then `body`.
 */
async function withWrapper(before: string, args: string[], body: (s: Setup) => Promise<void>): Promise<void> {
  const { base, src, dst } = tempSrcDst('clsync-faults-');
  const faults = join(base.path, 'faults');
  const wrapper = rsyncWrapper(join(base.path, 'handler.sh'), `FAULTS='${faults}'\n${before}`);
  const run = startClsync(['-Mrsyncdirect', `-S${wrapper}`, `-W${src}`, `-D${dst}`, '-t0', '-T0', ...args]);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    await body({ base: base.path, src, dst, faults, run });
  } finally {
    await killHard(run);
    base.remove();
  }
}

/** Fail (exit 1) while $FAULTS holds a number above 0, counting it down. */
const FAIL_N_TIMES = `n=$(cat "$FAULTS" 2>/dev/null || echo 0)
if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$FAULTS"; echo "injected failure" >&2; exit 1; fi`;

test('a handler failing twice then succeeding, -r3 -w0: retried, logged, converges, daemon keeps running', { timeout: 30_000 }, async () => {
  await withWrapper(FAIL_N_TIMES, ['-r3', '-w0'], async ({ src, dst, faults, run }) => {
    writeFileSync(faults, '2');
    writeFileSync(join(src, 'a'), 'a');
    await waitConverged(src, dst, run, 'after two failed tries');
    assert.match(run.output(), /exit code 1 \(try 1 of 3\); retrying/);
    assert.match(run.output(), /exit code 1 \(try 2 of 3\); retrying/);
    assert.doesNotMatch(run.output(), /try 3 of 3/);
    // let the sync finish its bookkeeping: SIGTERM inside a sync is its own test below (a known crash)
    await new Promise((r) => setTimeout(r, 500));
    await stopClean(run);
  });
});

test('a handler failing past -r3: the daemon ends with exit 4 and a reason naming the tries', { timeout: 30_000 }, async () => {
  await withWrapper(FAIL_N_TIMES, ['-r3', '-w0'], async ({ src, faults, run }) => {
    writeFileSync(faults, '5');
    writeFileSync(join(src, 'a'), 'a');
    const code = await exitedWithin(run, 10_000);
    assert.equal(code, 4, run.output());
    assert.match(run.output(), /failed after 3 tries: exit code 1/);
  });
});

test('a hanging handler with -k1: killed, the log names --timeout-sync, the daemon ends with exit 4', { timeout: 30_000 }, async () => {
  const hang = `if [ -e "$FAULTS" ]; then echo $$ > "$FAULTS.pid"; exec sleep 60; fi`;
  await withWrapper(hang, ['-k1', '-w0'], async ({ src, faults, run }) => {
    writeFileSync(faults, 'hang');
    writeFileSync(join(src, 'a'), 'a');
    const started = Date.now();
    const code = await exitedWithin(run, 10_000);
    assert.equal(code, 4, run.output());
    assert.ok(Date.now() - started < 8000, 'killed about 1 s after it started, not at the end of its sleep');
    assert.match(run.output(), /still running after 1 s \(--timeout-sync\): killing it/);
    assert.match(run.output(), /timed out after \d+ ms/);
    // the hanging process itself is gone (not orphaned)
    const pid = Number(readFileSync(`${faults}.pid`, 'utf8'));
    assert.ok(!existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), `handler ${pid} still alive`);
  });
});

test('a hanging handler with -k1 -r0 -w0: killed and retried until it stops hanging, then converges', { timeout: 30_000 }, async () => {
  // hangs twice (killed each time), then runs rsync
  const hangTwice = `n=$(cat "$FAULTS" 2>/dev/null || echo 0)
if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$FAULTS"; exec sleep 60; fi`;
  await withWrapper(hangTwice, ['-k1', '-r0', '-w0'], async ({ src, dst, faults, run }) => {
    writeFileSync(faults, '2');
    writeFileSync(join(src, 'a'), 'a');
    await waitConverged(src, dst, run, 'after two hangs', 15_000);
    assert.equal((run.output().match(/--timeout-sync\): killing it/g) ?? []).length, 2, run.output());
    await new Promise((r) => setTimeout(r, 500));
    await stopClean(run);
  });
});

test('SIGTERM while a sync runs: the daemon ends with exit 0, not a crash', { timeout: 30_000 }, async () => {
  // the armed handler takes 1 s before rsync: SIGTERM lands in the middle of the sync
  const slow = `if [ -e "$FAULTS" ]; then touch "$FAULTS.started"; sleep 1; fi`;
  await withWrapper(slow, ['-w0'], async ({ src, faults, run }) => {
    writeFileSync(faults, 'slow');
    writeFileSync(join(src, 'a'), 'a');
    assert.ok(await waitFor(() => existsSync(`${faults}.started`), 10_000), `no sync started:\n${run.output()}`);
    run.child.kill('SIGTERM');
    assert.equal(await exitedWithin(run, 10_000), 0, run.output());
    assert.doesNotMatch(run.output(), /Error: ENOENT|HandlerError|Node\.js v/, 'no stack trace');
  });
});
