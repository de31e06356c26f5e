import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { WalkDecision, WATCH_MASK, type RelPath } from '../../src/types.js';
import { WatchTable, NO_NODE } from '../../src/tree/watch-table.js';
import { markSubtrees, type MarkContext } from '../../src/tree/mark.js';
import { native, decodeWalkLevel, WalkFlag, DT_DIR } from '../../src/native.js';

const ALL = WalkDecision.WALK | WalkDecision.MONITOR;

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
}

function context(dir: string, over: Partial<MarkContext> = {}): MarkContext {
  return {
    table: new WatchTable(), watchDir: dir, inotify: null, mask: WATCH_MASK, rootDev: null,
    filter: () => ALL, reportFiles: false, reportLinked: false, onWarning: () => undefined, ...over,
  };
}

test('walkLevel returns wd/status and exact entry names per directory', async () => {
  const dir = tmp();
  try {
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(Buffer.from(dir + '/f\xff\n', 'latin1'), '');
    fs.symlinkSync('/', path.join(dir, 'link'));
    const paths = Buffer.from(`${dir}\0${dir}/missing\0`);
    const raw = await native.walkLevel(null, paths, Uint8Array.of(WalkFlag.READ | WalkFlag.LIST_FILES, WalkFlag.READ), 0, 0);
    const [top, missing] = decodeWalkLevel(raw, 2);
    assert.equal(top.status, 0);
    assert.equal(top.wd, 0);
    const listed = top.names.map((n, i) => [n, top.types[i] === DT_DIR]).sort();
    assert.deepEqual(listed, [['f\xff\n', false], ['link', false], ['sub', true]]);
    assert.equal(missing.status, -os.constants.errno.ENOENT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('marking counts dirs and files, asks the filter, and skips refused subtrees', async () => {
  const dir = tmp();
  try {
    for (const d of ['a/b/c', 'a/skip/deeper', 'e']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    for (const f of ['a/1', 'a/b/2', 'a/skip/3', 'e/4', '5']) fs.writeFileSync(path.join(dir, f), '');
    const asked: [RelPath, boolean][] = [];
    const ctx = context(dir, {
      reportFiles: true,
      filter: (p, isDir) => {
        asked.push([p, isDir]);
        return p === 'a/skip' ? 0 : ALL;
      },
    });
    const counts = await markSubtrees(ctx, [{ parent: NO_NODE, name: '' }]);
    assert.deepEqual([counts.dirs, counts.files, counts.errors, counts.watches], [5, 4, 0, 0]);
    assert.ok(asked.some(([p, d]) => p === 'a/b/2' && !d));
    assert.ok(!asked.some(([p]) => p.startsWith('a/skip/')));
    const root = ctx.table.root;
    const b = ctx.table.child(ctx.table.child(root, 'a'), 'b');
    assert.equal(ctx.table.pathOf(ctx.table.child(b, 'c')), 'a/b/c');
    assert.equal(ctx.table.child(ctx.table.child(root, 'a'), 'skip'), NO_NODE);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reportLinked lists the regular files with more than one link, not the others', async () => {
  const dir = tmp();
  try {
    for (const d of ['a/b', 'c']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a/b/one'), 'x');
    fs.linkSync(path.join(dir, 'a/b/one'), path.join(dir, 'c/two'));
    fs.writeFileSync(path.join(dir, 'single'), 'y');
    fs.symlinkSync('single', path.join(dir, 'sym'));
    fs.mkdirSync(path.join(dir, 'a/b/dir-has-links-too'));
    const counts = await markSubtrees(context(dir, { reportLinked: true }), [{ parent: NO_NODE, name: '' }]);
    assert.deepEqual(counts.linked.sort(), ['a/b/one', 'c/two']);
    assert.deepEqual([counts.dirs, counts.files], [5, 4]);
    const without = await markSubtrees(context(dir), [{ parent: NO_NODE, name: '' }]);
    assert.deepEqual(without.linked, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with an inotify handle every monitored dir gets a distinct watch', async () => {
  const dir = tmp();
  const handle = native.inotifyOpen(() => undefined);
  try {
    for (let i = 0; i < 50; i++) fs.mkdirSync(path.join(dir, `d${i % 5}`, `s${i}`), { recursive: true });
    const ctx = context(dir, { inotify: handle, filter: (p) => (p.startsWith('d0') ? WalkDecision.WALK : ALL) });
    const counts = await markSubtrees(ctx, [{ parent: NO_NODE, name: '' }]);
    assert.equal(counts.dirs, 56);
    assert.equal(counts.watches, 56 - 11); // d0 and its 10 children are walked, not monitored
    assert.equal(ctx.table.watchCount, counts.watches);
  } finally {
    await native.inotifyClose(handle);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--one-file-system does not cross into a mount point', async (t) => {
  const dir = tmp();
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(path.join(mnt), { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', 'none', mnt], { stdio: 'ignore' });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    t.skip('cannot mount tmpfs here');
    return;
  }
  try {
    fs.mkdirSync(path.join(mnt, 'inside'));
    fs.mkdirSync(path.join(dir, 'plain'));
    const all = await markSubtrees(context(dir), [{ parent: NO_NODE, name: '' }]);
    assert.equal(all.dirs, 4);
    const ctx = context(dir, { rootDev: fs.statSync(dir).dev });
    const one = await markSubtrees(ctx, [{ parent: NO_NODE, name: '' }]);
    assert.equal(one.dirs, 2);
    assert.equal(ctx.table.child(ctx.table.root, 'mnt'), NO_NODE);
  } finally {
    execFileSync('umount', [mnt]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('walkLevel never follows a symlink: a directory whose ancestor became a symlink is gone, not watched', async () => {
  // A user of the tree swaps a directory for a symlink to a place outside it while a walk runs: the
  // next level would open and watch the outside directory under the tree's path.
  const dir = tmp();
  const outside = tmp();
  const handle = native.inotifyOpen(() => undefined);
  try {
    fs.mkdirSync(path.join(outside, 'b'));
    fs.writeFileSync(path.join(outside, 'b', 'secret'), 'x');
    fs.symlinkSync(outside, path.join(dir, 'a'));
    const paths = Buffer.from(`${dir}/a/b\0${dir}/a\0`);
    const flags = Uint8Array.of(WalkFlag.WATCH | WalkFlag.READ | WalkFlag.LIST_FILES, WalkFlag.WATCH | WalkFlag.READ);
    const [below, link] = decodeWalkLevel(await native.walkLevel(handle, paths, flags, WATCH_MASK, 0), 2);
    assert.equal(below.status, -os.constants.errno.ENOENT, 'a directory below a symlink is not in the tree');
    assert.equal(below.wd, 0, 'no watch on the directory outside the tree');
    assert.deepEqual(below.names, []);
    assert.ok([-os.constants.errno.ENOTDIR, -os.constants.errno.ELOOP].includes(link.status), 'the symlink itself is not a directory to walk');
    assert.equal(link.wd, 0);
  } finally {
    await native.inotifyClose(handle);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('walkLevel watches the directory it opened, with the watch dir reached through no symlink', async () => {
  const dir = tmp();
  const events: Buffer[] = [];
  const handle = native.inotifyOpen((records) => events.push(records));
  try {
    fs.mkdirSync(path.join(dir, 'd'));
    const raw = await native.walkLevel(handle, Buffer.from(`${dir}/d\0`), Uint8Array.of(WalkFlag.WATCH | WalkFlag.READ), WATCH_MASK, 0);
    const [d] = decodeWalkLevel(raw, 1);
    assert.equal(d.status, 0);
    assert.ok(d.wd > 0);
    fs.writeFileSync(path.join(dir, 'd', 'new'), 'x');
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(events.length > 0, 'an event from the watched directory arrives');
    assert.equal(events[0].readInt32LE(0), d.wd);
  } finally {
    await native.inotifyClose(handle);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
