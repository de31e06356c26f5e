/**
 * Several destinations of three kinds at once (issue 12): a local
 * directory, a real sshd and a real rsync daemon started by the test on
 * loopback. The same churn ends equal at all three; a server stopped for
 * 60 s while the tree changes holds back neither of the others (their
 * latency measured meanwhile), and catches up when it returns; a frozen
 * server (SIGSTOP) is cut off at -k and catches up when it thaws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { compareTrees } from '../helpers/compare.js';
import { startRsyncd } from '../helpers/rsyncd.js';
import { sshdAvailable, startSshd } from '../helpers/sshd.js';
import { tempDir, waitFor } from '../helpers/tree.js';

const ROOT = process.getuid?.() === 0;
const skip = !ROOT ? 'needs root (the servers log in as root)' : !sshdAvailable() ? 'no sshd (setup.sh installs openssh-server as root)' : false;

const equal = (src: string, dst: string): boolean => existsSync(dst) && compareTrees(src, dst, { hardLinks: true }).length === 0;
const diff = (src: string, dst: string): string => (existsSync(dst) ? compareTrees(src, dst, { hardLinks: true }).join('\n') : `${dst} missing`);

async function stop(run: ClsyncRun): Promise<void> {
  if (run.child.exitCode === null) run.child.kill('SIGTERM');
  await run.exited;
}

/** A round of churn: files, nested directories, a nested deletion, a directory rename, a hard link. */
function churn(src: string, round: number): void {
  mkdirSync(join(src, `r${round}`, 'a', 'b'), { recursive: true });
  for (let i = 0; i < 10; i++) writeFileSync(join(src, `r${round}`, 'a', 'b', `f${i}`), `round ${round} file ${i}\n`);
  writeFileSync(join(src, `line\nbreak ${round}`), `odd ${round}\n`);
  if (round > 0) {
    rmSync(join(src, `r${round - 1}`, 'a', 'b', 'f3'));
    renameSync(join(src, `r${round - 1}`), join(src, `moved${round - 1}`));
    linkSync(join(src, `r${round}`, 'a', 'b', 'f1'), join(src, `r${round}`, 'hard'));
  }
}

/** ms until `path` holds `content`, or null after `timeoutMs`. */
async function arrival(path: string, content: string, timeoutMs: number): Promise<number | null> {
  const t0 = Date.now();
  const ok = await waitFor(() => {
    try {
      return readFileSync(path, 'utf8') === content;
    } catch {
      return false;
    }
  }, timeoutMs, 5);
  return ok ? Date.now() - t0 : null;
}

test('one tree, three destinations (local, ssh, rsync daemon): the churn ends equal at all three; ssh stopped 60 s and the daemon frozen hold back no other, and both catch up', { skip, timeout: 300_000 }, async () => {
  const sshd = await startSshd();
  const rsyncd = await startRsyncd();
  const base = tempDir('clsync-dests-remote-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  const local = join(base.path, 'local');
  const sshDir = join(base.path, 'over-ssh');
  const daemonDir = join(rsyncd.dir, 'dst');
  mkdirSync(daemonDir);
  const run = startClsync([
    '-Mrsyncdirect', `-W${src}`, `-D${local}`, `-D${sshd.destination(sshDir)}`, `-D${rsyncd.url('dst')}`,
    `--rsync-rsh=${sshd.rsh}`, '-w0', '-t0', '-T0', '-k5', '--ignore-failures',
  ]);
  const dsts = [local, sshDir, daemonDir];
  try {
    churn(src, 0);
    assert.ok(await waitFor(() => dsts.every((d) => equal(src, d)), 30_000), `${dsts.map((d) => diff(src, d)).join('\n')}\n${run.output()}`);
    let round = 1;
    for (; round < 3; round++) churn(src, round);
    assert.ok(await waitFor(() => dsts.every((d) => equal(src, d)), 30_000), `${dsts.map((d) => diff(src, d)).join('\n')}\n${run.output()}`);

    // the ssh server goes away for 60 s while the tree changes
    await sshd.halt();
    const latencies: number[] = [];
    const stoppedAt = Date.now();
    for (let i = 0; Date.now() - stoppedAt < 60_000; i++) {
      if (i % 5 === 0) churn(src, round++);
      const content = `while ssh is down ${i}\n`;
      writeFileSync(join(src, `down-${i}`), content);
      const local1 = await arrival(join(local, `down-${i}`), content, 10_000);
      const daemon1 = await arrival(join(daemonDir, `down-${i}`), content, 10_000);
      assert.ok(local1 !== null && daemon1 !== null, `a live destination waited for the stopped one\n${run.output().slice(-3000)}`);
      latencies.push(Math.max(local1, daemon1));
      await new Promise((r) => setTimeout(r, 1000));
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[latencies.length >> 1]!;
    assert.ok(median < 1000, `median latency at the live destinations while ssh was down: ${median} ms (${latencies.join(',')})`);
    assert.equal(equal(src, sshDir), false, 'the stopped server got nothing');
    await sshd.restart();
    assert.ok(await waitFor(() => dsts.every((d) => equal(src, d)), 60_000), `after ssh returned:\n${dsts.map((d) => diff(src, d)).join('\n')}\n${run.output().slice(-3000)}`);

    // the rsync daemon frozen: its runs hang until -k kills them; the others go on
    rsyncd.freeze();
    churn(src, round++);
    assert.ok(await waitFor(() => equal(src, local) && equal(src, sshDir), 20_000), `${diff(src, local)}\n${diff(src, sshDir)}\n${run.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 6000)); // past -k
    rsyncd.thaw();
    assert.ok(await waitFor(() => dsts.every((d) => equal(src, d)), 60_000), `after the daemon thawed:\n${dsts.map((d) => diff(src, d)).join('\n')}\n${run.output().slice(-3000)}`);
    assert.match(run.output(), /timed out|killed|-k/i);
    assert.equal(run.child.exitCode, null, run.output().slice(-3000));
  } finally {
    await stop(run);
    await sshd.stop();
    await rsyncd.stop();
    base.remove();
  }
});
