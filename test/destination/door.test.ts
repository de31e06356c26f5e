/**
 * The destination door (src/destination/door.ts, native/beneath.c) on real
 * directories: renames and removals act beneath the destination and never
 * through a symlink, whatever a hostile source made rsync mirror there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DestinationDoor, Errno, isOpen, RenameFlag } from '../../src/destination/index.js';
import { fullSnapshot, diffSnapshots } from '../helpers/compare.js';
import { tempDir } from '../helpers/tree.js';

/** A destination with a victim beside it, linked from inside as `L` (a directory link) and `F` (a file link). */
function withDoor(body: (d: { door: DestinationDoor; dst: string; victim: string }) => Promise<void> | void): Promise<void> {
  const base = tempDir();
  const dst = join(base.path, 'dst');
  const victim = join(base.path, 'victim');
  mkdirSync(join(victim, 'x', 'deeper'), { recursive: true });
  writeFileSync(join(victim, 'x', 'deeper', 'db'), 'victim data');
  writeFileSync(join(victim, 'file'), 'victim file');
  mkdirSync(join(dst, 'real', 'sub'), { recursive: true });
  writeFileSync(join(dst, 'real', 'sub', 'f'), 'f');
  symlinkSync(victim, join(dst, 'L'));
  symlinkSync(join(victim, 'file'), join(dst, 'F'));
  symlinkSync('../victim', join(dst, 'real', 'rel'));
  const before = fullSnapshot(victim);
  const opened = DestinationDoor.open(Buffer.from(dst));
  assert.ok(isOpen(opened), `the door did not open: ${!isOpen(opened) && opened.reason}`);
  const door = opened;
  return (async () => {
    try {
      await body({ door, dst, victim });
      assert.deepEqual(diffSnapshots(before, fullSnapshot(victim)), [], 'the victim changed');
    } finally {
      door.close();
      base.remove();
    }
  })();
}

test('door: renames never run through a symlink, never leave the destination, never replace with NOREPLACE', async () => {
  await withDoor(({ door, dst }) => {
    assert.equal(door.rename('L/x', 'moved', 0), -Errno.ELOOP, 'out of a linked directory');
    assert.equal(door.rename('real/sub', 'L/planted', 0), -Errno.ELOOP, 'into a linked directory');
    assert.equal(door.rename('real/rel/x', 'moved', 0), -Errno.ELOOP, 'through a relative link');
    assert.equal(door.rename('real/sub', '../escaped', 0), -Errno.EXDEV, 'out of the destination');
    assert.equal(door.rename('/etc', 'moved', 0), -Errno.EINVAL, 'an absolute path');
    assert.equal(door.rename('real/..', 'moved', 0), -Errno.EINVAL, 'a name that is not one');
    mkdirSync(join(dst, 'taken'));
    writeFileSync(join(dst, 'taken', 'mine'), 'mine');
    mkdirSync(join(dst, 'empty'));
    assert.equal(door.rename('real/sub', 'empty', RenameFlag.NOREPLACE), -Errno.EEXIST);
    assert.equal(door.rename('real/sub', 'taken', 0), -Errno.ENOTEMPTY);
    // the link itself is an object beneath the destination: it may be renamed, its target is untouched
    assert.equal(door.rename('L', 'L1', RenameFlag.NOREPLACE | RenameFlag.ONLY_DIRECTORY), -Errno.ENOTDIR, 'a directory rename replayed onto a symlink');
    assert.equal(door.rename('F', 'F1', RenameFlag.ONLY_DIRECTORY), -Errno.ENOTDIR, 'or onto a file');
    assert.ok(lstatSync(join(dst, 'L')).isSymbolicLink());
    assert.equal(door.rename('L', 'L2', RenameFlag.NOREPLACE), 0);
    assert.ok(lstatSync(join(dst, 'L2')).isSymbolicLink());
    assert.equal(door.rename('real/sub', 'new\nname \xff', RenameFlag.NOREPLACE | RenameFlag.ONLY_DIRECTORY), 0);
    assert.equal(readFileSync(Buffer.from(join(dst, 'new\nname \xff', 'f'), 'latin1'), 'utf8'), 'f');
  });
});

test('door: RENAME_EXCHANGE swaps two directories atomically', async () => {
  await withDoor(({ door, dst }) => {
    mkdirSync(join(dst, 'a'));
    writeFileSync(join(dst, 'a', 'was-a'), '');
    mkdirSync(join(dst, 'real', 'b'));
    writeFileSync(join(dst, 'real', 'b', 'was-b'), '');
    assert.equal(door.rename('a', 'real/b', RenameFlag.EXCHANGE), 0);
    assert.ok(existsSync(join(dst, 'a', 'was-b')));
    assert.ok(existsSync(join(dst, 'real', 'b', 'was-a')));
    assert.equal(door.rename('a', 'missing', RenameFlag.EXCHANGE), -Errno.ENOENT);
    assert.equal(door.rename('a', 'L/x', RenameFlag.EXCHANGE), -Errno.ELOOP);
  });
});

test('door: removals delete links, not their targets, and refuse paths through links', async () => {
  await withDoor(async ({ door, dst }) => {
    assert.equal(await door.remove('L/x'), -Errno.ELOOP);
    assert.equal(await door.remove('real/rel/x/deeper/db'), -Errno.ELOOP);
    assert.equal(await door.remove('../victim'), -Errno.EXDEV);
    assert.equal(await door.remove('nothing'), -Errno.ENOENT);
    assert.equal(await door.remove('F'), 0);
    assert.equal(await door.remove('L'), 0);
    // a directory holding links to the victim: removed with its links, the victim untouched
    assert.equal(await door.remove('real'), 0);
    assert.deepEqual([...fullSnapshot(dst).keys()], ['']);
  });
});

test('door: a deep tree with odd names is removed whole', async () => {
  await withDoor(async ({ door, dst }) => {
    let path = join(dst, 'deep');
    for (let i = 0; i < 300; i++) path = join(path, i % 2 ? `d${i}` : `-\n\xff${i}`);
    const bytes = Buffer.from(path, 'latin1');
    mkdirSync(bytes, { recursive: true });
    writeFileSync(Buffer.concat([bytes, Buffer.from('/leaf')]), 'leaf');
    symlinkSync('/', Buffer.concat([bytes, Buffer.from('/root-link')]));
    // many entries in one directory: removal reads it again after deleting while reading
    for (let i = 0; i < 2000; i++) writeFileSync(join(dst, 'deep', `many-${i}-${'x'.repeat(100)}`), '');
    assert.equal(await door.remove('deep'), 0);
    assert.equal(existsSync(join(dst, 'deep')), false);
  });
});
