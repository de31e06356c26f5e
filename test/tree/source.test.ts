/**
 * The daemon's own reads of the watched tree never follow a symlink a writer
 * of the tree planted (src/tree/source.ts), so no path through one is ever
 * listed to rsync, whose sender would follow it and copy what it points to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SourceTree } from '../../src/tree/source.js';
import { splitBySource } from '../../src/handlers/deletions.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-source-'));
}

test('lstat and list see a symlink as a symlink and nothing below it', () => {
  const root = tmp();
  const outside = tmp();
  const tree = new SourceTree(root);
  try {
    fs.writeFileSync(path.join(outside, 'secret'), 'outside');
    fs.mkdirSync(path.join(outside, 'sub'));
    fs.symlinkSync(outside, path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'real'));
    fs.writeFileSync(path.join(root, 'real', 'f'), 'inside');
    assert.ok(tree.lstat('a')?.isSymbolicLink(), 'the symlink itself');
    assert.equal(tree.lstat('a/secret'), undefined, 'a file behind the symlink is not in the tree');
    assert.equal(tree.list('a'), undefined, 'a symlink is not a directory of the tree');
    assert.equal(tree.list('a/sub'), undefined);
    assert.equal(tree.lstat('real/f')?.size, 6);
    assert.ok(tree.lstat('real')?.isDirectory());
    assert.ok(tree.lstat('')?.isDirectory(), 'the watch dir itself');
    assert.equal(tree.lstat('real/f/below'), undefined, 'below a file');
    assert.deepEqual(tree.list('real'), [{ name: 'f', isDirectory: false, isFile: true }]);
    const names = tree.list('')!.map((e) => e.name).sort();
    assert.deepEqual(names, ['a', 'real']);
  } finally {
    tree.close();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('a listed path below a planted symlink is replaced by the symlink itself, never listed through it', () => {
  const root = tmp();
  const outside = tmp();
  const tree = new SourceTree(root);
  try {
    fs.mkdirSync(path.join(outside, 'd'));
    fs.writeFileSync(path.join(outside, 'd', 'x'), 'outside');
    fs.symlinkSync(outside, path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'b'));
    fs.writeFileSync(path.join(root, 'b', 'y'), 'inside');
    const split = splitBySource(tree, ['a/d/x', 'a/gone', 'b/y', 'b/gone/z', 'b/gone2']);
    assert.deepEqual(split.present.sort(), ['a', 'b/y']);
    // b/gone/z: its directory is gone too, and is what to delete
    assert.deepEqual(split.missing.sort(), ['b/gone', 'b/gone2']);
  } finally {
    tree.close();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('a tree that does not hold the watch dir open reads the same, and never through a symlink', () => {
  const root = tmp();
  const outside = tmp();
  const tree = new SourceTree(root, false);
  try {
    fs.writeFileSync(path.join(outside, 'secret'), 'outside');
    fs.symlinkSync(outside, path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'real'));
    fs.writeFileSync(path.join(root, 'real', 'f'), 'inside');
    assert.ok(tree.lstat('a')?.isSymbolicLink());
    assert.equal(tree.lstat('a/secret'), undefined, 'a file behind the symlink is not in the tree');
    assert.equal(tree.list('a'), undefined);
    assert.equal(tree.lstat('real/f')?.size, 6);
    assert.deepEqual(tree.list('real'), [{ name: 'f', isDirectory: false, isFile: true }]);
    const fds = fs.readdirSync('/proc/self/fd').map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ''; // the fd that listed /proc/self/fd, closed since
      }
    });
    assert.ok(!fds.includes(root), 'the watch dir is not held open (its deletion must reach inotify)');
    fs.rmSync(root, { recursive: true });
    assert.equal(tree.lstat(''), undefined, 'the watch dir is gone');
  } finally {
    tree.close();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
