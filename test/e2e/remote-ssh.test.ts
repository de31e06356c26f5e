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
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, waitConverged, waitForLog } from '../helpers/faults.js';
import { withMirror } from '../helpers/mirror.js';
import { churn } from '../helpers/remote-churn.js';
import { localRsyncVersion, rsyncDirOnPath, rsyncVersion } from '../helpers/remote.js';
import { sshdAvailable, startSshd, type SshServer } from '../helpers/sshd.js';
import { waitFor } from '../helpers/tree.js';

const skip = !sshdAvailable() && 'no /usr/sbin/sshd or ssh here (setup.sh installs openssh-server and openssh-client as root)';
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

/** Another rsync on this machine (Debian 12's 3.2.7 beside the one on PATH, or the other way round), for mixed pairs. */
const otherRsync = ['/opt/rsync327/usr/bin', '/usr/bin']
  .filter((dir) => existsSync(join(dir, 'rsync')))
  .map((dir) => ({ dir, version: rsyncVersion(execFileSync(join(dir, 'rsync'), ['--version'], { encoding: 'utf8' })) }))
  .find((r) => r.version !== localRsyncVersion());

test(
  `ssh: rsync ${localRsyncVersion()} here, ${otherRsync?.version ?? 'another'} on the server: the churn ends equal`,
  { skip: skip || (!otherRsync && 'only one rsync version on this machine') },
  async () => {
    const mixed = await startSshd({ remotePath: [otherRsync!.dir] });
    const dir = remoteDir();
    try {
      await withMirror(churn, { destination: { arg: mixed.destination(dir), dir }, extraArgs: () => [`--rsync-rsh=${mixed.rsh}`] });
    } finally {
      await mixed.stop();
    }
  },
);

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

test('ssh: a renamed directory is renamed at the destination (its files keep their inodes), odd names included', { skip }, async () => {
  const dir = remoteDir();
  const name = Buffer.from('dir with\nnewline \xff');
  const renamed = Buffer.from('-renamed dir');
  await withMirror(
    async (m) => {
      mkdirSync(m.in(name, 'sub'), { recursive: true });
      writeFileSync(m.in(name, 'sub', 'file'), 'content that should not travel twice');
      mkdirSync(m.in('target'));
      await m.converge('created', 20_000);
      // each rename after the daemon went idle: a run still going would delete the old name (-r --delete)
      // before the next batch could rename it
      await quiet(m.run, 1_000);
      const inode = statSync(at(dir, name, 'sub', 'file')).ino;
      renameSync(m.in(name), m.in(renamed));
      await m.converge('renamed', 20_000);
      await quiet(m.run, 1_000);
      assert.equal(statSync(at(dir, renamed, 'sub', 'file')).ino, inode, `the file was copied, not renamed:\n${m.run.output().slice(-4000)}`);
      renameSync(m.in(renamed, 'sub'), m.in('target', 'sub moved'));
      await m.converge('moved into another directory', 20_000);
      assert.equal(statSync(at(dir, 'target', 'sub moved', 'file')).ino, inode, `the file was copied, not renamed:\n${m.run.output().slice(-4000)}`);
      assert.match(m.run.output(), /ssh \(rename, 1\)/);
    },
    { destination: { arg: server.destination(dir), dir }, extraArgs: () => [`--rsync-rsh=${server.rsh}`, '-d2'] },
  );
});

test('ssh: a rename the destination refuses (the new name taken there) is copied instead', { skip }, async () => {
  const dir = remoteDir();
  await withMirror(
    async (m) => {
      mkdirSync(m.in('old'));
      writeFileSync(m.in('old', 'file'), 'x');
      await m.converge('created', 20_000);
      // something at the destination holds the new name (rsync will replace it)
      mkdirSync(join(dir, 'new'));
      writeFileSync(join(dir, 'new', 'stray'), 'not from the source');
      renameSync(m.in('old'), m.in('new'));
      await m.converge('renamed', 20_000);
    },
    { destination: { arg: server.destination(dir), dir }, extraArgs: () => [`--rsync-rsh=${server.rsh}`] },
  );
});

/** A byte path under `dir`. */
function at(dir: string, ...parts: Array<string | Buffer>): Buffer {
  return Buffer.concat([Buffer.from(dir), ...parts.flatMap((p) => [Buffer.from('/'), Buffer.from(p)])]);
}
