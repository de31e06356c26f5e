/**
 * No debugger, no stray signals (issue 8, item 2): SIGUSR1 would open Node's
 * inspector on 127.0.0.1:9229 (code execution as root for any local user);
 * signals 16 and 29 (used by the C clsync) would end the daemon silently.
 * Each must be logged and ignored while the daemon keeps syncing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync, startClsync } from '../helpers/clsync.js';
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
    await waitForLog(run, /signal 29 \(SIGIO\): no --dump-dir to dump the state to; ignored/, 'signal 29 logged');
    writeFileSync(join(src, 'after-signals'), 'x');
    await waitConverged(src, dst, run, 'sync after signals 16 and 29');
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('signal 29 with --dump-dir: a new file with status, iteration, queue and watched directories; the daemon keeps syncing', { timeout: 40_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-signals-');
  const dumpDir = join(base.path, 'dumps');
  mkdirSync(join(src, 'sub', 'deeper'), { recursive: true });
  // -t60: the change made below stays queued when the dump is taken
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t60', '-T60', '--sync-on-quit', `--dump-dir=${dumpDir}`]);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    assert.equal(statSync(dumpDir).mode & 0o777, 0o700, 'the dump dir is made private');
    writeFileSync(join(src, 'sub', 'queued-file'), 'x');
    await sleep(300);
    process.kill(run.child.pid!, 29);
    await waitForLog(run, /signal 29 \(SIGIO\): state dumped to /, 'dump logged');
    const files = readdirSync(dumpDir);
    assert.equal(files.length, 1);
    const file = join(dumpDir, files[0]!);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^status: running$/m);
    assert.match(text, /^iteration: 1$/m);
    assert.match(text, /^queue: 1 entries$/m);
    assert.match(text, /^  normal created mask=0x[0-9a-f]+ "sub\/queued-file"$/m);
    assert.match(text, /^watched directories: 3$/m);
    for (const d of ['""', '"sub"', '"sub/deeper"']) assert.ok(text.includes(`\n  ${d}\n`), `${d} not listed:\n${text}`);
    process.kill(run.child.pid!, 29);
    await waitFor(() => readdirSync(dumpDir).length === 2, 5000, 20);
    assert.equal(readdirSync(dumpDir).length, 2, 'each dump is a new file');
    // still alive and syncing: QUIT with --sync-on-quit syncs what is queued, then exits 0
    process.kill(run.child.pid!, 'SIGQUIT');
    assert.equal(await run.exited, 0, run.output());
    await waitConverged(src, dst, run, 'sync after the dumps');
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('--dump-dir open to others is refused at start, like -L', { timeout: 20_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-signals-');
  const dumpDir = join(base.path, 'open');
  mkdirSync(dumpDir);
  chmodSync(dumpDir, 0o777);
  try {
    const { code, output } = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `--dump-dir=${dumpDir}`], 15_000);
    assert.equal(code, 2, output);
    assert.match(output, /--dump-dir .*open: is accessible to others \(mode 777\); chmod 700 it/);
  } finally {
    base.remove();
  }
});
