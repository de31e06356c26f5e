/**
 * -b/--background (issue 9): the command returns once the daemon started,
 * the daemon leads its own session with its streams on /dev/null, writes
 * the pid file itself, keeps syncing and stops on SIGTERM; a daemon that
 * cannot start makes the command fail with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync } from '../helpers/clsync.js';
import { waitConverged } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'latin1'));

test('clsync -b1: returns at once with 0; the daemon has its own session, /dev/null streams, its pid in -z; syncs; SIGTERM stops it', { timeout: 40_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-bg-');
  const pidFile = join(base.path, 'clsync.pid');
  writeFileSync(join(src, 'before'), 'x');
  let pid = 0;
  try {
    const started = Date.now();
    const { code, output } = await runClsync(['-b1', '-Ysyslog', '-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `-z${pidFile}`], 15_000);
    assert.equal(code, 0, output);
    assert.ok(Date.now() - started < 10_000, 'the command should return once the daemon started');
    pid = Number(readFileSync(pidFile, 'latin1').trim());
    assert.ok(pid > 0 && alive(pid), `pid file names no live process: ${pid}`);
    const sid = Number(execFileSync('ps', ['-o', 'sid=', '-p', String(pid)], { encoding: 'latin1' }).trim());
    assert.equal(sid, pid, 'the daemon leads a session of its own');
    for (const fd of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null', `fd ${fd}`);
    assert.ok(!existsSync(`/proc/${pid}/fd/3`) || !readlinkSync(`/proc/${pid}/fd/3`).startsWith('pipe:'), 'the readiness pipe is closed');
    await waitConverged(src, dst, undefined, 'initial sync in the background', 15_000);
    writeFileSync(join(src, 'after'), 'y');
    await waitConverged(src, dst, undefined, 'a change synced by the background daemon');
    process.kill(pid, 'SIGTERM');
    assert.ok(await waitFor(() => !alive(pid), 10_000, 50), 'SIGTERM did not stop the daemon');
    assert.ok(!existsSync(pidFile), 'the pid file is removed at exit');
  } finally {
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    base.remove();
  }
});

test('clsync -b1 whose daemon cannot start: the command fails with the reason', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-bg-');
  try {
    const pidFile = join(base.path, 'no-such-dir', 'clsync.pid');
    const { code, output } = await runClsync(['-b', '-Ysyslog', '-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-z${pidFile}`], 15_000);
    assert.notEqual(code, 0, output);
    assert.match(output, /^clsync: --pid-file .*no-such-dir\/clsync\.pid: cannot write/m);
    // option errors are found before detaching, by the command itself
    const bad = await runClsync(['-b', '-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-tsoon'], 15_000);
    assert.equal(bad.code, 2, bad.output);
    assert.match(bad.output, /-t \(--delay-collect\): "soon" is not a number/);
  } finally {
    base.remove();
  }
});
