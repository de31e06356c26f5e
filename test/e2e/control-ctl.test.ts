/**
 * `clsync ctl` on a running mirror (issue 11): status prints the state;
 * pause, change files, status shows them queued, resume, they arrive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLSYNC_BIN, startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst } from '../helpers/tree.js';

/** Run `clsync ctl …` to its end. */
function ctl(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLSYNC_BIN, 'ctl', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('clsync ctl: status, pause, changes queued, resume, they arrive; --json; errors', { timeout: 60_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-ctl-cli-');
  const sock = join(base.path, 'ctl.sock');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--socket=${sock}`, '-l', 'www']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    const st = await ctl(sock, 'status');
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /^clsync "www" \(pid \d+, .*mode rsyncdirect\): running\n/);
    assert.match(st.stdout, /queued: 0 normal, 0 big file/);
    assert.match(st.stdout, /last sync: .* sync #0: full sync, ok/);

    assert.equal((await ctl(sock, 'pause')).code, 0);
    for (const name of ['a', 'b', 'c']) writeFileSync(join(src, name), name);
    await new Promise((r) => setTimeout(r, 500));
    const paused = await ctl(sock, 'status');
    assert.match(paused.stdout, /: running, PAUSED\n/);
    assert.match(paused.stdout, /queued: 3 normal/);
    const json = JSON.parse((await ctl(sock, 'status', '--json')).stdout) as { paused: boolean; queue: { normal: number } };
    assert.equal(json.paused, true);
    assert.equal(json.queue.normal, 3);
    const queue = await ctl(sock, 'queue');
    assert.match(queue.stdout, /^3 queued\nnormal\tcreated\ta\nnormal\tcreated\tb\nnormal\tcreated\tc\n$/);
    assert.equal(existsSync(join(dst, 'a')), false, 'nothing synced while paused');

    assert.equal((await ctl(sock, 'resume')).code, 0);
    await waitConverged(src, dst, run, 'after resume');

    const bad = await ctl(sock, 'set', 'delay-sync', 'x');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--delay-sync: "x" is not a number/);
    assert.equal((await ctl(sock, 'frob')).code, 2);
    const none = await ctl(join(base.path, 'nothing.sock'), 'status');
    assert.equal(none.code, 3);
    assert.match(none.stderr, /is the daemon running with --socket/);
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});
