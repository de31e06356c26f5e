/**
 * What clsync users run besides rsync mirrors, with the real daemon, real
 * handler programs and the real kernel API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { liveProcesses, type ProcInfo } from '../helpers/procs.js';
import { listFiles, tempDir, waitFor } from '../helpers/tree.js';


test('only authorized_keys files are synced, with rules and -Mdirect -Scp', async () => {
  const base = tempDir('clsync-uses-');
  const src = join(base.path, 'src');
  const dst = join(base.path, 'dst');
  const rules = join(base.path, 'rules');
  for (const user of ['alice', 'bob']) {
    mkdirSync(join(src, 'home', user, '.ssh'), { recursive: true });
    writeFileSync(join(src, 'home', user, '.ssh', 'authorized_keys'), `ssh-ed25519 AAAA ${user}\n`);
    writeFileSync(join(src, 'home', user, '.ssh', 'id_ed25519'), 'secret');
    writeFileSync(join(src, 'home', user, 'notes'), 'private');
  }
  mkdirSync(dst);
  // directories on the way are walked and watched, not synced; the key files are synced; nothing else
  writeFileSync(rules, '+W^(home(/[^/]+(/\\.ssh)?)?)?$\n+f^home/[^/]+/\\.ssh/authorized_keys$\n-*.*\n');
  const run = startClsync(['-Mdirect', '-Scp', `-W${src}`, `-D${dst}`, `-R${rules}`, '-w0', '-t0', '-T0', '--', '--parents', '%INCLUDE-LIST%', '%destination-dir%/']);
  try {
    const wanted = ['home/alice/.ssh/authorized_keys', 'home/bob/.ssh/authorized_keys'];
    assert.ok(await waitFor(() => wanted.every((f) => existsSync(join(dst, f))), 10_000), run.output());
    mkdirSync(join(src, 'home', 'carol', '.ssh'), { recursive: true });
    writeFileSync(join(src, 'home', 'carol', '.ssh', 'authorized_keys'), 'ssh-ed25519 BBBB carol\n');
    writeFileSync(join(src, 'home', 'carol', '.ssh', 'id_ed25519'), 'secret');
    writeFileSync(join(src, 'home', 'alice', '.ssh', 'authorized_keys'), 'ssh-ed25519 CCCC alice-new\n');
    wanted.push('home/carol/.ssh/authorized_keys');
    assert.ok(
      await waitFor(() => existsSync(join(dst, wanted[2])) && readFileSync(join(dst, wanted[0]), 'utf8').includes('alice-new'), 10_000),
      run.output(),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(listFiles(dst).sort(), wanted.sort());
    assert.equal(readFileSync(join(dst, wanted[2]), 'utf8'), 'ssh-ed25519 BBBB carol\n');
    assert.equal(run.child.exitCode, null, run.output());
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    base.remove();
  }
});

test('make runs when a *.c file changes (-Mshell, rules from -R), and not for other files', async () => {
  const base = tempDir('clsync-uses-');
  const src = join(base.path, 'src');
  mkdirSync(join(src, 'lib'), { recursive: true });
  writeFileSync(join(src, 'main.c'), 'int main(void) { return 0; }\n');
  writeFileSync(join(src, 'lib', 'util.c'), 'int util;\n');
  writeFileSync(join(src, 'README'), 'docs\n');
  // the build's output and its log are excluded by the rules: the handler's own writes start nothing
  writeFileSync(join(src, 'Makefile'), 'all.txt: main.c lib/util.c\n\tcat main.c lib/util.c > all.txt\n\techo built >> make.log\n');
  const rules = join(base.path, 'rules');
  writeFileSync(rules, '+W.*\n+f\\.c$\n-*.*\n');
  const handler = join(base.path, 'build.sh');
  writeFileSync(handler, '#!/bin/sh\n# synclist LABEL LISTFILE: build when the list names a C file\n[ "$1" = synclist ] && grep -q "\\.c$" "$3" && exec make -s -C "$PWD"\nexit 0\n', { mode: 0o755 });
  const run = startClsync(['-Mshell', `-S${handler}`, `-W${src}`, `-R${rules}`, '-w0', '-t0', '-T0', '--skip-initialsync']);
  const builds = (): number => (existsSync(join(src, 'make.log')) ? readFileSync(join(src, 'make.log'), 'utf8').split('\n').filter(Boolean).length : 0);
  try {
    assert.ok(await waitFor(() => /marked/.test(run.output()), 10_000), run.output());
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(join(src, 'lib', 'util.c'), 'int util = 1;\n');
    assert.ok(await waitFor(() => builds() === 1, 10_000), run.output());
    assert.equal(readFileSync(join(src, 'all.txt'), 'utf8'), 'int main(void) { return 0; }\nint util = 1;\n');
    writeFileSync(join(src, 'README'), 'more docs\n'); // not a C file: no build
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(builds(), 1, run.output());
    writeFileSync(join(src, 'main.c'), 'int main(void) { return 1; }\n');
    assert.ok(await waitFor(() => builds() === 2, 10_000), run.output());
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(builds(), 2, 'the build\'s own output started no build');
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    base.remove();
  }
});

test('the clsync manual\'s owner fixer: -Mdirect -Schown in the background, --modification-signature uid,gid, no loop', async () => {
  const base = tempDir('clsync-uses-');
  const site = join(base.path, 'site');
  const bin = join(base.path, 'bin');
  const runs = join(base.path, 'chown-runs');
  mkdirSync(site);
  mkdirSync(bin);
  writeFileSync(join(site, 'old'), 'from before');
  // `chown` on PATH counts its runs, then is the real one
  writeFileSync(join(bin, 'chown'), `#!/bin/sh\necho run >> ${runs}\nexec /usr/bin/chown "$@"\n`, { mode: 0o755 });
  const www = 33; // Debian's www-data
  const args = ['-w1', '-t1', '-T1', '-x1', `-W${site}`, '-Mdirect', '-Schown', '--uid', '0', '--gid', '0', '-Ysyslog', '-b1',
    '--modification-signature', 'uid,gid', '--', '--from=root', 'www-data:www-data', '%INCLUDE-LIST%'];
  const starter = startClsync(args, { PATH: `${bin}:${process.env.PATH}` });
  const count = (): number => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);
  const daemons = (): ProcInfo[] => liveProcesses().filter((p) => p.cmdline.includes(`-W${site}`) && p.cmdline.includes('clsync'));
  try {
    assert.equal(await starter.exited, 0, starter.output()); // -b1: the command returns once the daemon runs
    assert.equal(daemons().length, 1, 'one daemon left in the background');
    const owned = (p: string): boolean => statSync(p).uid === www && statSync(p).gid === www;
    assert.ok(await waitFor(() => owned(join(site, 'old')), 10_000), 'a file from before the start');
    writeFileSync(join(site, 'new'), 'created as root');
    mkdirSync(join(site, 'd'));
    writeFileSync(join(site, 'd', 'f'), 'also');
    assert.ok(await waitFor(() => ['new', 'd', 'd/f'].every((p) => owned(join(site, p))), 15_000), `runs: ${count()}`);
    // the handler's own chown changes uid/gid once more (one more run for those paths), then nothing repeats
    await new Promise((r) => setTimeout(r, 4000));
    const settled = count();
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(count(), settled, 'the owner fixer loops on its own changes');
    assert.ok(settled <= 8, `${settled} chown runs for 4 objects`);
    for (const p of daemons()) process.kill(p.pid, 'SIGTERM');
    assert.ok(await waitFor(() => daemons().length === 0, 10_000), 'SIGTERM stops it');
  } finally {
    for (const p of daemons()) process.kill(p.pid, 'SIGKILL');
    base.remove();
  }
});
