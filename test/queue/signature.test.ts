import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureCache, signatureMask, StatField, STAT_FIELDS_ALL, type Change, type StatFieldName } from '../../src/queue/index.js';
import { FULL_STAT_LENGTH, SourceTree } from '../../src/tree/source.js';
import type { RelPath } from '../../src/types.js';

/** FullStat slots of each field (tree/source.ts order). */
const SLOT: Record<StatFieldName, number> = {
  dev: 0, ino: 1, mode: 2, nlink: 3, uid: 4, gid: 5, rdev: 6, size: 7, blksize: 8, blocks: 9, atime: 10, mtime: 12, ctime: 14,
};

function change(path: RelPath, extra: Partial<Change> = {}): Change {
  return { path, mask: 2, isDir: false, recursive: false, state: 'modified', maybeAtDestination: true, ...extra };
}

/** A fake tree: path → FullStat, edited by the tests. */
function fakeTree() {
  const stats = new Map<RelPath, Float64Array>();
  const put = (p: RelPath) => {
    const st = new Float64Array(FULL_STAT_LENGTH).map((_, i) => 100 + i);
    stats.set(p, st);
    return st;
  };
  return { stats, put, read: (p: RelPath) => stats.get(p) };
}

const paths = (cs: readonly Change[]) => cs.map((c) => c.path);

test('signatureMask: names, *, empty items; * leaves out nlink as the C tool does', () => {
  assert.equal(signatureMask([]), 0);
  assert.equal(signatureMask(['uid', 'gid']), StatField.uid | StatField.gid);
  assert.equal(signatureMask(['', 'mtime']), StatField.mtime);
  assert.equal(signatureMask(['*']), STAT_FIELDS_ALL);
  assert.equal(STAT_FIELDS_ALL & StatField.nlink, 0);
  assert.equal(signatureMask(['*', 'nlink']), 0x1fff);
  assert.throws(() => signatureMask(['colour']));
});

test('a path seen the first time is synced; unchanged afterwards it is dropped', () => {
  const t = fakeTree();
  t.put('a');
  const cache = new SignatureCache(signatureMask(['*']), t.read);
  assert.deepEqual(paths(cache.filter([change('a')])), ['a']);
  assert.equal(cache.size, 1);
  assert.deepEqual(paths(cache.filter([change('a')])), []);
});

for (const field of Object.keys(StatField) as StatFieldName[]) {
  test(`field ${field}: a change of it alone is synced when listed, dropped when not`, () => {
    const t = fakeTree();
    const st = t.put('f');
    const listed = new SignatureCache(signatureMask([field]), t.read);
    const others = new SignatureCache(signatureMask(['*', 'nlink']) & ~StatField[field], t.read);
    listed.filter([change('f')]);
    others.filter([change('f')]);
    st[SLOT[field]] += 1;
    assert.deepEqual(paths(listed.filter([change('f')])), ['f'], `${field} listed`);
    assert.deepEqual(paths(others.filter([change('f')])), [], `${field} not listed`);
    // the cache took the new value: the same state again is dropped
    assert.deepEqual(paths(listed.filter([change('f')])), []);
  });
}

test('times compare to the nanosecond', () => {
  const t = fakeTree();
  const st = t.put('f');
  const cache = new SignatureCache(signatureMask(['mtime']), t.read);
  cache.filter([change('f')]);
  st[SLOT.mtime + 1] += 1; // same second, later nanosecond
  assert.deepEqual(paths(cache.filter([change('f')])), ['f']);
});

test('an unchanged path is dropped and keeps its cached state (the C tool: no update on skip)', () => {
  const t = fakeTree();
  const st = t.put('f');
  const cache = new SignatureCache(signatureMask(['uid']), t.read);
  cache.filter([change('f')]);
  st[SLOT.size] += 5; // not listed: dropped, cache untouched
  assert.deepEqual(paths(cache.filter([change('f')])), []);
  st[SLOT.uid] += 1;
  assert.deepEqual(paths(cache.filter([change('f')])), ['f']);
});

test('the chown fixer settles: a new file, its own chown once, then nothing', () => {
  const t = fakeTree();
  const st = t.put('www/new');
  st[SLOT.uid] = 0;
  st[SLOT.gid] = 0;
  const cache = new SignatureCache(signatureMask(['uid', 'gid']), t.read);
  assert.deepEqual(paths(cache.filter([change('www/new', { state: 'created' })])), ['www/new']);
  st[SLOT.uid] = 33; // the handler's chown → IN_ATTRIB
  st[SLOT.gid] = 33;
  st[SLOT.ctime] += 1;
  assert.deepEqual(paths(cache.filter([change('www/new')])), ['www/new']);
  // chown --from=root changes nothing now; the web server writes the file
  st[SLOT.size] += 10;
  st[SLOT.mtime] += 1;
  assert.deepEqual(paths(cache.filter([change('www/new')])), []);
});

test('a deleted path is always synced and leaves the cache, with everything below it', () => {
  const t = fakeTree();
  for (const p of ['d', 'd/x', 'd/y/z', 'dd', 'e']) t.put(p);
  const cache = new SignatureCache(signatureMask(['*']), t.read);
  cache.filter(['d', 'd/x', 'd/y/z', 'dd', 'e'].map((p) => change(p)));
  assert.equal(cache.size, 5);
  t.stats.delete('d');
  assert.deepEqual(paths(cache.filter([change('d', { state: 'deleted', isDir: true })])), ['d']);
  assert.equal(cache.size, 2); // dd and e stay
  // gone though the batch says modified: synced, forgotten
  t.stats.delete('e');
  assert.deepEqual(paths(cache.filter([change('e')])), ['e']);
  assert.equal(cache.size, 1);
  // back again: a first sighting
  t.put('e');
  assert.deepEqual(paths(cache.filter([change('e')])), ['e']);
});

test('recursive changes, renames and exchanges are never dropped and forget their subtrees', () => {
  const t = fakeTree();
  for (const p of ['', 'd', 'd/x', 'o/x', 'p', 'q']) t.put(p);
  const cache = new SignatureCache(signatureMask(['*']), t.read);
  cache.filter(['d', 'd/x', 'o/x', 'p', 'q'].map((p) => change(p)));
  assert.deepEqual(paths(cache.filter([change('d', { recursive: true, isDir: true })])), ['d']);
  assert.deepEqual(paths(cache.filter([change('d/x')])), ['d/x'], 'd/x forgotten by the recursive run');
  assert.deepEqual(paths(cache.filter([change('d', { isDir: true, state: 'created', movedFrom: 'o' })])), ['d']);
  assert.deepEqual(paths(cache.filter([change('o/x')])), ['o/x'], 'below the old name forgotten');
  assert.deepEqual(paths(cache.filter([change('p', { exchangedWith: 'q', exchanged: true }), change('q', { exchangedWith: 'p', exchanged: true })])), ['p', 'q']);
  assert.deepEqual(paths(cache.filter([change('', { recursive: true, isDir: true })])), ['']);
  assert.equal(cache.size, 1, 'the root clears all, then remembers itself');
});

test('forget: a failed sync is synced again next time', () => {
  const t = fakeTree();
  t.put('a');
  const cache = new SignatureCache(signatureMask(['*']), t.read);
  const batch = cache.filter([change('a')]);
  cache.forget(batch);
  assert.deepEqual(paths(cache.filter([change('a')])), ['a']);
});

test('the cache is bounded: the least recently synced path is forgotten first', () => {
  const t = fakeTree();
  for (const p of ['a', 'b', 'c', 'd']) t.put(p);
  const cache = new SignatureCache(signatureMask(['*']), t.read, 3);
  cache.filter([change('a'), change('b'), change('c')]);
  t.stats.get('a')![SLOT.size] += 1;
  cache.filter([change('a')]); // a synced again: most recent
  cache.filter([change('d')]); // b, the oldest, goes
  assert.equal(cache.size, 3);
  assert.deepEqual(paths(cache.filter([change('c')])), []);
  assert.deepEqual(paths(cache.filter([change('a')])), []);
  assert.deepEqual(paths(cache.filter([change('b')])), ['b'], 'b was forgotten: a first sighting again');
});

test('SourceTree.lstatFull: every field as lstat gives it, never through a symlink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clsync-sig-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'f'), 'hello');
    chmodSync(join(dir, 'sub', 'f'), 0o640);
    symlinkSync('sub', join(dir, 'link'));
    const tree = new SourceTree(dir);
    try {
      const got = tree.lstatFull('sub/f')!;
      const st = lstatSync(join(dir, 'sub', 'f'), { bigint: true });
      const ns = (t: bigint) => [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)];
      assert.deepEqual([...got], [
        st.dev, st.ino, st.mode, st.nlink, st.uid, st.gid, st.rdev, st.size, st.blksize, st.blocks,
      ].map(Number).concat(ns(st.atimeNs), ns(st.mtimeNs), ns(st.ctimeNs)));
      assert.equal(tree.lstatFull('link/f'), undefined);
      assert.equal(tree.lstatFull('nothing'), undefined);
    } finally {
      tree.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
