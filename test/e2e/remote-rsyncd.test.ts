/**
 * Remote destinations on an rsync daemon (issue 12), against a real
 * `rsync --daemon --no-detach` the test starts on loopback
 * (test/helpers/rsyncd.ts) with `auth users`: the churn of every name class
 * ends equal through --rsync-password-file, and a wrong password is refused
 * loudly with nothing written. The daemon is the rsync on this test's PATH
 * (run once more with PATH=/opt/rsync327/usr/bin:$PATH for 3.2.7).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard } from '../helpers/faults.js';
import { withMirror } from '../helpers/mirror.js';
import { churn } from '../helpers/remote-churn.js';
import { localRsyncVersion } from '../helpers/remote.js';
import { startRsyncd, type RsyncDaemon } from '../helpers/rsyncd.js';
import { tempDir, waitFor } from '../helpers/tree.js';

let daemon: RsyncDaemon;

before(async () => {
  daemon = await startRsyncd({ auth: { user: 'mirror-user', password: 'a password with spaces' } });
});

after(async () => {
  await daemon?.stop();
});

test(`rsyncd (rsync ${localRsyncVersion()}): creates, modifies, nested deletions, renames, odd names and hard links end equal`, async () => {
  await withMirror(churn, {
    destination: { arg: daemon.url('churn'), dir: join(daemon.dir, 'churn') },
    extraArgs: () => [`--rsync-password-file=${daemon.passwordFile!}`],
  });
});

test('rsyncd: a wrong password is refused, the log says what the daemon refused, nothing is written', async () => {
  const base = tempDir('clsync-rsyncd-auth-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'file'), 'x');
  const wrong = join(base.path, 'wrong');
  writeFileSync(wrong, 'not the password\n', { mode: 0o600 });
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${daemon.url('refused')}`, `--rsync-password-file=${wrong}`, '-w0', '-t0', '-T0']);
  try {
    assert.ok(await waitFor(() => run.child.exitCode !== null, 20_000), `the daemon should end:\n${run.output().slice(-3000)}`);
    assert.notEqual(run.child.exitCode, 0);
    const out = run.output();
    assert.match(out, /auth failed on module/, out.slice(-3000));
    assert.match(out, /the rsync daemon refused: an unknown module, a wrong user or password/, out.slice(-3000));
    assert.ok(!existsSync(join(daemon.dir, 'refused')), `written: ${existsSync(join(daemon.dir, 'refused')) ? readdirSync(join(daemon.dir, 'refused')).join(', ') : ''}`);
  } finally {
    await killHard(run);
    base.remove();
    rmSync(join(daemon.dir, 'refused'), { recursive: true, force: true });
  }
});
