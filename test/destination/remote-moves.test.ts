/**
 * The rename script of a remote destination (src/destination/remote-moves.ts),
 * run here as the remote side would run it (`sh -c SCRIPT clsync-mv DIR`,
 * pairs on stdin) under dash and bash: odd names arrive exactly; anything
 * that could act outside the destination, through a symlink, onto a taken
 * name or on a non-directory is refused while the other pairs are done.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeForPrintf,
  MOVES_ALL_DONE,
  MOVES_NO_DESTINATION,
  MOVES_SOME_LEFT,
  parseShellDestination,
  remoteMoveArgv,
  remoteMoveInput,
  REMOTE_MOVE_SCRIPT,
} from '../../src/destination/remote-moves.js';

const base = mkdtempSync(join(tmpdir(), 'clsync-remote-moves-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** A byte path under `dir` (names are latin1 byte strings). */
const at = (dir: string, rel: string): Buffer => Buffer.concat([Buffer.from(dir + '/'), Buffer.from(rel, 'latin1')]);

/** Run the script with `shell` on `dir` (a byte string, encoded as the daemon does) and the pairs. */
function run(shell: string, dir: string, pairs: Array<{ from: string; to: string }>): number {
  const r = spawnSync(shell, ['-c', REMOTE_MOVE_SCRIPT, 'clsync-mv', encodeForPrintf(dir)], { input: remoteMoveInput(pairs) });
  return r.status ?? -1;
}

const ODD = ['new\nline', '\xff\xfe bad utf8', '-rf', '--', ' spaced ', "quo'te\"s", 'back\\slash\\0101', '%b%s%n', '$(touch pwned)', '`touch pwned`', '*', 'x\\c'];

for (const shell of ['/bin/sh', '/bin/bash']) {
  test(`${shell}: renames odd names exactly, in order, and says all were done`, () => {
    const dir = mkdtempSync(join(base, 'odd-'));
    for (const [i, name] of ODD.entries()) {
      mkdirSync(at(dir, name));
      writeFileSync(at(dir, `${name}/${i}`), String(i));
    }
    mkdirSync(join(dir, 'into'));
    const pairs = ODD.map((name, i) => ({ from: name, to: i % 2 ? `into/${name}.moved` : `${ODD[(i + 1) % ODD.length]}.${i}` }));
    assert.equal(run(shell, dir, pairs), MOVES_ALL_DONE);
    for (const [i, p] of pairs.entries()) {
      assert.ok(existsSync(at(dir, `${p.to}/${i}`)), `${JSON.stringify(p.to)} holds its content`);
      assert.ok(!existsSync(at(dir, p.from)) || pairs.some((q) => q.to === p.from), `${JSON.stringify(p.from)} is gone`);
    }
    assert.ok(!existsSync(join(dir, 'pwned')) && !existsSync('pwned'), 'a name was run as a command');
  });

  test(`${shell}: refuses names outside the destination, symlinks on the way, taken names and non-directories; does the rest`, () => {
    const dir = mkdtempSync(join(base, 'refuse-'));
    const outside = mkdtempSync(join(base, 'outside-'));
    mkdirSync(join(outside, 'victim'));
    // a hostile source makes a symlink; rsync copies it to the destination as it is
    symlinkSync(outside, join(dir, 'link'));
    symlinkSync(join(outside, 'victim'), join(dir, 'dirlink'));
    for (const d of ['a', 'b', 'taken', 'ok', 'inner']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'file'), 'not a directory');
    const pairs = [
      { from: 'link/victim', to: 'stolen' }, // through a symlink (an ancestor)
      { from: 'a', to: 'link/planted' }, // into a symlink
      { from: 'dirlink', to: 'c' }, // a symlink itself
      { from: '../' + outside.split('/').pop() + '/victim', to: 'd' }, // up and out
      { from: outside + '/victim', to: 'e' }, // absolute
      { from: 'b', to: join(outside, 'planted') }, // absolute target
      { from: 'b', to: 'inner/../f' }, // dot-dot inside
      { from: 'b', to: 'taken' }, // NOREPLACE
      { from: 'file', to: 'g' }, // not a directory
      { from: 'missing', to: 'h' }, // not there
      { from: 'ok', to: 'inner/ok renamed' }, // the one good pair, after the bad ones
    ];
    assert.equal(run(shell, dir, pairs), MOVES_SOME_LEFT);
    assert.deepEqual(readdirSync(outside).sort(), ['victim']);
    assert.ok(lstatSync(join(outside, 'victim')).isDirectory());
    assert.deepEqual(readdirSync(dir).sort(), ['a', 'b', 'dirlink', 'file', 'inner', 'link', 'taken']);
    assert.deepEqual(readdirSync(join(dir, 'inner')), ['ok renamed']);
    assert.deepEqual(readdirSync(join(dir, 'taken')), []);
  });

  test(`${shell}: a destination that is not there ends with its own code, renaming nothing`, () => {
    assert.equal(run(shell, join(base, 'no such dir'), [{ from: 'a', to: 'b' }]), MOVES_NO_DESTINATION);
  });
}

test('the command line is fixed: the remote shell, -l USER, the host, the script on the encoded directory', () => {
  const dest = parseShellDestination('backup@[fe80::1]:/srv/my mirror')!;
  assert.deepEqual(dest, { user: 'backup', host: 'fe80::1', path: '/srv/my mirror' });
  const argv = remoteMoveArgv(dest, 'ssh -p 2222 -o "IdentityFile /k"');
  assert.deepEqual(argv.slice(0, 7), ['ssh', '-p', '2222', '-o', 'IdentityFile /k', '-l', 'backup']);
  assert.equal(argv[7], 'fe80::1');
  assert.match(argv[8]!, /^sh -c '.*' clsync-mv '\/srv\/my\\0040mirror'$/s);
  assert.deepEqual(parseShellDestination('host:rel/dir'), { user: undefined, host: 'host', path: 'rel/dir' });
  assert.equal(parseShellDestination('host::module'), undefined);
  assert.equal(parseShellDestination('/local'), undefined);
});
