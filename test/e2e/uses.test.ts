/**
 * What clsync users run besides rsync mirrors, with the real daemon, real
 * handler programs and the real kernel API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
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
