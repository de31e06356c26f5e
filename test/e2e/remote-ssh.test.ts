/**
 * Remote destinations over ssh (issue 12), against a real sshd the test
 * starts on loopback (test/helpers/sshd.ts): the churn of every name class
 * ends equal, RSYNC_RSH is honoured, and a changed host key is refused,
 * loudly, with nothing sent. The server side runs the rsync on this test's
 * PATH (run once more with PATH=/opt/rsync327/usr/bin:$PATH for 3.2.7).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, waitConverged, waitForLog } from '../helpers/faults.js';
import { withMirror } from '../helpers/mirror.js';
import { churn } from '../helpers/remote-churn.js';
import { localRsyncVersion, rsyncDirOnPath, rsyncVersion } from '../helpers/remote.js';
import { sshdAvailable, startSshd, type SshServer } from '../helpers/sshd.js';
import { waitFor } from '../helpers/tree.js';

const skip = !sshdAvailable() && 'no /usr/sbin/sshd here (setup.sh installs openssh-server)';
let server: SshServer;
/** directories that play the server's disk, removed at the end */
const remoteDirs: string[] = [];

function remoteDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clsync-ssh-dst-'));
  remoteDirs.push(dir);
  return dir;
}

before(async () => {
  if (!skip) server = await startSshd({ remotePath: [rsyncDirOnPath()] });
});

after(async () => {
  await server?.stop();
  for (const dir of remoteDirs) rmSync(dir, { recursive: true, force: true });
});

test('ssh: the server side runs the same rsync as this side', { skip }, () => {
  const [ssh, ...sshArgs] = server.rsh.split(' ');
  const remote = execFileSync(ssh!, [...sshArgs, 'root@127.0.0.1', 'rsync --version'], { encoding: 'utf8' });
  assert.equal(rsyncVersion(remote), localRsyncVersion(), 'the sshd PATH should pick the rsync of this run');
});

test(`ssh (rsync ${localRsyncVersion()}): creates, modifies, nested deletions, renames, odd names and hard links end equal`, { skip }, async () => {
  const dir = remoteDir();
  await withMirror(churn, {
    destination: { arg: server.destination(dir), dir },
    extraArgs: () => [`--rsync-rsh=${server.rsh}`],
  });
});

test('ssh: RSYNC_RSH in the environment reaches rsync when --rsync-rsh is not given', { skip }, async () => {
  const dir = remoteDir();
  await withMirror(
    async (m) => {
      mkdirSync(m.in('d', 'e'), { recursive: true });
      writeFileSync(m.in('d', 'e', 'f'), 'x');
      await m.converge('created', 20_000);
      rmSync(m.in('d', 'e', 'f'));
      await m.converge('nested delete', 20_000);
    },
    { destination: { arg: server.destination(dir), dir }, env: { RSYNC_RSH: server.rsh } },
  );
});

/** Wait until the daemon has logged nothing for `ms`. */
async function quiet(run: { output(): string }, ms: number): Promise<void> {
  let length = -1;
  let since = Date.now();
  await waitFor(() => {
    const now = run.output().length;
    if (now !== length) [length, since] = [now, Date.now()];
    return Date.now() - since >= ms;
  }, 20_000);
}

test('ssh: a changed host key is refused, the log names it, and nothing reaches the server', { skip }, async () => {
  // a server of its own: its host key changes
  const own = await startSshd({ remotePath: [rsyncDirOnPath()] });
  const base = mkdtempSync(join(tmpdir(), 'clsync-ssh-key-'));
  const src = join(base, 'src');
  const dst = join(base, 'dst');
  mkdirSync(src);
  mkdirSync(dst);
  // three tries a second apart: a sync that meets the server's restart (connection refused) is tried again
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${own.destination(dst)}`, `--rsync-rsh=${own.rsh}`, '-w1', '-t0', '-T0', '-r3']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 20_000);
    writeFileSync(join(src, 'before'), 'sent while the key was known');
    await waitConverged(src, dst, run, 'before the key changed', 20_000);
    // the daemon idle (a new file's verify run follows its copy): the restart below must not be what fails
    await quiet(run, 1_000);
    await own.changeHostKey();
    const logBefore = own.log().length;
    writeFileSync(join(src, 'after'), 'must not reach a host that is not the one we know');
    // without --ignore-failures a sync that failed every try ends the daemon, saying why
    assert.ok(await waitFor(() => run.child.exitCode !== null, 30_000), `the daemon should end:\n${run.output().slice(-3000)}`);
    assert.notEqual(run.child.exitCode, 0);
    const out = run.output();
    assert.match(out, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/, out.slice(-3000));
    assert.match(out, /ssh could not connect or log in \(a changed host key/, out.slice(-3000));
    assert.ok(!existsSync(join(dst, 'after')), 'the file reached the destination');
    assert.doesNotMatch(own.log().slice(logBefore), /Accepted publickey/, 'the client logged in to the changed host');
  } finally {
    await killHard(run);
    await own.stop();
    rmSync(base, { recursive: true, force: true });
  }
});
