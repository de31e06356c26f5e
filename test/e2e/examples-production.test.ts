/**
 * The clsync repository's production config (examples/production/etc/clsync/,
 * vendored in test/fixtures/clsync-examples/production/): its `lxc-brother`
 * block with its handler script, paths and host replaced, the brother an
 * `rsync --daemon` on loopback started by the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClsync } from '../helpers/clsync.js';
import { liveProcesses } from '../helpers/procs.js';
import { diffTrees, tempDir, waitFor } from '../helpers/tree.js';

const PRODUCTION = fileURLToPath(new URL('../../../test/fixtures/clsync-examples/production/', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

test('the production lxc-brother block: a container tree mirrored to its brother, an rsync daemon', { timeout: 120_000 }, async () => {
  const base = tempDir('clsync-lxc-');
  const p = (rel: string): string => join(base.path, rel);
  const label = 'ct1';
  for (const d of ['srv/lxc/ct1/rootfs/etc', 'srv/lxc/ct1/rootfs/tmp', 'etc/clsync/synchandler/lxc', 'etc/clsync/hooks/lxc', 'etc/clsync/rules', 'mirror/ct1', 'var/run', 'dev/shm', 'tmp']) {
    mkdirSync(p(d), { recursive: true });
  }
  writeFileSync(p('srv/lxc/ct1/rootfs/etc/hostname'), 'ct1\n');
  writeFileSync(p('srv/lxc/ct1/rootfs/tmp/junk'), 'not mirrored (rsync.exclude), once the initial sync is done\n');
  // the brother: an rsync daemon with module "lxc" and the cluster's user
  const port = await freePort();
  writeFileSync(p('rsyncd.secrets'), 'cluster:s3cret\n', { mode: 0o600 });
  writeFileSync(p('rsyncd.pass'), 's3cret\n', { mode: 0o600 });
  writeFileSync(p('rsyncd.conf'), `pid file = ${p('rsyncd.pid')}\nuse chroot = no\n[lxc]\npath = ${p('mirror')}\nread only = no\nuid = root\ngid = root\nauth users = cluster\nsecrets file = ${p('rsyncd.secrets')}\n`);
  const daemon = spawn('rsync', ['--daemon', '--no-detach', `--port=${port}`, `--address=127.0.0.1`, `--config=${p('rsyncd.conf')}`], { stdio: 'ignore' });
  // the block and its scripts as shipped, with this test's paths, host and password file
  const conf = readFileSync(join(PRODUCTION, 'clsync.conf'), 'utf8')
    .replaceAll('/srv/lxc/', `${p('srv/lxc')}/`)
    .replaceAll('/etc/clsync/', `${p('etc/clsync')}/`)
    .replaceAll('/dev/shm/', `${p('dev/shm')}/`)
    .replaceAll('/var/run/', `${p('var/run')}/`)
    .replaceAll('/tmp/clsyncdump', `${p('tmp')}/clsyncdump`);
  writeFileSync(p('etc/clsync/clsync.conf'), conf);
  const brother = readFileSync(join(PRODUCTION, 'brother.sh'), 'utf8')
    .replace('BROTHERNAME=$(brothername)', `BROTHERNAME=127.0.0.1:${port}`)
    .replace('CLUSTERNAME=$(clustername)', 'CLUSTERNAME=cluster')
    .replace('FROM="/srv/lxc/${LABEL}"', `FROM="${p('srv/lxc')}/\${LABEL}"`)
    .replace('/etc/clsync/synchandler/lxc/rsync.exclude', p('etc/clsync/synchandler/lxc/rsync.exclude'))
    .replace('/etc/rsyncd.pass', p('rsyncd.pass'))
    .replace(/if ping [^;]*; then/, 'if true; then'); // the brother is this host
  writeFileSync(p('etc/clsync/synchandler/lxc/brother.sh'), brother, { mode: 0o755 });
  writeFileSync(p('etc/clsync/synchandler/lxc/rsync.exclude'), readFileSync(join(PRODUCTION, 'rsync.exclude')));
  writeFileSync(p('etc/clsync/hooks/lxc/exit-brother.sh'), `#!/bin/bash\necho "exit hook $1" >> ${p('hook.log')}\n`, { mode: 0o755 });
  const run = startClsync(['-H', p('etc/clsync/clsync.conf'), '-K', 'lxc-brother', '-l', label]);
  const src = p('srv/lxc/ct1');
  const dst = p('mirror/ct1');
  const pidFile = p('var/run/clsync-ct1-brother.pid');
  try {
    assert.equal(await run.exited, 0, run.output()); // background = 1
    assert.match(run.output(), /syslog/); // the block's `syslog = 1` (a key the C tool ignores): a warning, not an error
    assert.ok(await waitFor(() => existsSync(join(dst, 'rootfs/etc/hostname')), 30_000), 'the initial sync reached the brother');
    writeFileSync(join(src, 'rootfs/etc/motd'), 'hello\n');
    writeFileSync(join(src, 'rootfs/etc/hostname'), 'ct1.example\n');
    // delay-collect 15 + delay-sync 15
    assert.ok(await waitFor(() => existsSync(join(dst, 'rootfs/etc/motd')) && readFileSync(join(dst, 'rootfs/etc/hostname'), 'utf8') === 'ct1.example\n', 60_000));
    assert.deepEqual(diffTrees(join(src, 'rootfs/etc'), join(dst, 'rootfs/etc')), []);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGTERM');
    assert.ok(await waitFor(() => !existsSync(pidFile), 10_000), 'the daemon ended');
    assert.match(readFileSync(p('hook.log'), 'utf8'), /exit hook ct1/);
  } finally {
    for (const proc of liveProcesses()) if (proc.cmdline.includes(p('etc/clsync/clsync.conf'))) process.kill(proc.pid, 'SIGKILL');
    daemon.kill('SIGTERM');
    base.remove();
  }
});
