import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchTable, NO_NODE, NO_WD } from '../../src/tree/watch-table.js';

test('paths of nested nodes, lookup by wd and by name', () => {
  const t = new WatchTable(2); // tiny capacity: forces growth
  const root = t.setRoot(1);
  const a = t.addChild(root, 'a', 2);
  const b = t.addChild(a, 'b\xff\n', 3);
  const c = t.addChild(b, 'c', NO_WD);
  assert.equal(t.pathOf(root), '');
  assert.equal(t.pathOf(a), 'a');
  assert.equal(t.pathOf(b), 'a/b\xff\n');
  assert.equal(t.pathOf(c), 'a/b\xff\n/c');
  assert.equal(t.nodeOfWd(3), b);
  assert.equal(t.nodeOfWd(99), NO_NODE);
  assert.equal(t.child(a, 'b\xff\n'), b);
  assert.equal(t.child(a, 'x'), NO_NODE);
  assert.deepEqual([t.size, t.watchCount], [4, 3]);
});

test('rename re-parents in O(1): descendants follow, a replaced target is dropped', () => {
  const t = new WatchTable();
  const root = t.setRoot(1);
  const a = t.addChild(root, 'a', 2);
  const deep = t.addChild(t.addChild(a, 'x', 3), 'y', 4);
  const z = t.addChild(root, 'z', 5);
  const target = t.addChild(z, 'new', 6);
  assert.equal(t.pathOf(deep), 'a/x/y'); // cached now
  const dropped: number[] = [];
  t.rename(a, z, 'new', (wd) => dropped.push(wd));
  assert.deepEqual(dropped, [6]);
  assert.equal(t.isLive(target), false);
  assert.equal(t.pathOf(deep), 'z/new/x/y');
  assert.equal(t.child(root, 'a'), NO_NODE);
  assert.equal(t.child(z, 'new'), a);
});

test('removeSubtree drops every entry and reports every wd; slots are reused safely', () => {
  const t = new WatchTable();
  const root = t.setRoot(1);
  const a = t.addChild(root, 'a', 2);
  t.addChild(t.addChild(a, 'b', 3), 'c', 4);
  t.addChild(a, 'u', NO_WD);
  const keep = t.addChild(root, 'keep', 5);
  const wds: number[] = [];
  assert.equal(t.removeSubtree(a, (wd) => wds.push(wd)), 4);
  assert.deepEqual(wds.sort(), [2, 3, 4]);
  assert.deepEqual([t.size, t.watchCount], [2, 2]);
  assert.equal(t.nodeOfWd(3), NO_NODE);
  const again = t.addChild(keep, 'fresh', 7);
  assert.equal(t.pathOf(again), 'keep/fresh');
});

test('big directories get a name index; lookups and removals stay correct', () => {
  const t = new WatchTable();
  const root = t.setRoot(1);
  const ids: number[] = [];
  for (let i = 0; i < 1000; i++) ids.push(t.addChild(root, `d${i}`, 10 + i));
  assert.equal(t.child(root, 'd0'), ids[0]);
  assert.equal(t.child(root, 'd999'), ids[999]);
  t.removeSubtree(ids[500]);
  assert.equal(t.child(root, 'd500'), NO_NODE);
  t.rename(ids[7], root, 'renamed');
  assert.equal(t.child(root, 'd7'), NO_NODE);
  assert.equal(t.child(root, 'renamed'), ids[7]);
});

test('a wd owned by another node is refused (bind mounts must not loop)', () => {
  const t = new WatchTable();
  const root = t.setRoot(1);
  const a = t.addChild(root, 'a', 2);
  const b = t.addChild(root, 'b', NO_WD);
  assert.equal(t.setWd(b, 2), false);
  assert.equal(t.nodeOfWd(2), a);
  assert.equal(t.setWd(b, 3), true);
  assert.equal(t.nodeOfWd(3), b);
});
