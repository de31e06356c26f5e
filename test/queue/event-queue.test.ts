import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IN } from '../../src/types.js';
import { EventQueue } from '../../src/queue/index.js';

function clockQueue(opts = { delayCollectMs: 1000, delayCollectBigfileMs: 5000, thresholdBigfile: 100 }) {
  const clock = { t: 0 };
  return { q: new EventQueue(opts, () => clock.t), clock };
}

test('events about one path merge into one entry with the union of masks', () => {
  const { q } = clockQueue();
  q.add({ path: 'a', mask: IN.CREATE, recursive: false }, 1, false);
  q.add({ path: 'a', mask: IN.MODIFY, recursive: false }, 1, false);
  q.add({ path: 'a', mask: IN.CLOSE_WRITE, recursive: false }, 1, false);
  q.add({ path: 'b', mask: IN.ATTRIB | IN.ISDIR, recursive: true }, undefined, false);
  assert.equal(q.size, 2);
  const out = q.take(0, true).sort((x, y) => (x.path < y.path ? -1 : 1));
  assert.deepEqual(out, [
    { path: 'a', mask: IN.CREATE | IN.MODIFY | IN.CLOSE_WRITE, isDir: false, recursive: false, state: 'created', maybeAtDestination: false },
    { path: 'b', mask: IN.ATTRIB | IN.ISDIR, isDir: true, recursive: true, state: 'modified', maybeAtDestination: true },
  ]);
  assert.equal(q.size, 0);
  assert.equal(q.nextDue(), undefined);
});

test('a class is due its delay after the first event of its oldest entry', () => {
  const { q, clock } = clockQueue();
  assert.equal(q.nextDue(), undefined);
  clock.t = 100;
  q.add({ path: 'a', mask: IN.MODIFY, recursive: false }, 1, false);
  clock.t = 900;
  q.add({ path: 'b', mask: IN.MODIFY, recursive: false }, 1, false);
  // later events do not push the window
  q.add({ path: 'a', mask: IN.MODIFY, recursive: false }, 1, false);
  assert.equal(q.nextDue(), 1100);
  assert.deepEqual(q.take(1099), []);
  assert.equal(q.size, 2);
  assert.deepEqual(q.take(1100).map((c) => c.path).sort(), ['a', 'b']);
});

test('big files wait in their own class; directories and unknown sizes do not', () => {
  const { q, clock } = clockQueue();
  q.add({ path: 'big', mask: IN.CLOSE_WRITE, recursive: false }, 100, false);
  q.add({ path: 'dir', mask: IN.CREATE | IN.ISDIR, recursive: true }, 4096, false);
  q.add({ path: 'unknown', mask: IN.DELETE, recursive: false }, undefined, false);
  assert.equal(q.nextDue(), 1000);
  clock.t = 1000;
  assert.deepEqual(q.take(1000).map((c) => c.path).sort(), ['dir', 'unknown']);
  assert.equal(q.nextDue(), 5000);
  // the big file's delete (size unknown) stays in the big class
  q.add({ path: 'big', mask: IN.DELETE, recursive: false }, undefined, false);
  assert.deepEqual(q.take(4999), []);
  const out = q.take(5000);
  assert.equal(out.length, 1);
  assert.equal(out[0].state, 'deleted');
});

test('a file that grows past the threshold moves to the big class, keeping its window start', () => {
  const { q, clock } = clockQueue();
  q.add({ path: 'f', mask: IN.CREATE, recursive: false }, 0, false);
  clock.t = 500;
  q.add({ path: 'f', mask: IN.MODIFY, recursive: false }, 1000, false);
  assert.equal(q.size, 1);
  assert.equal(q.nextDue(), 5000); // 0 + 5000, and the normal class is empty
  assert.deepEqual(q.take(1000), []);
  const out = q.take(5000);
  assert.equal(out[0].state, 'created');
});

test('threshold 0 disables the big-file class', () => {
  const { q } = clockQueue({ delayCollectMs: 10, delayCollectBigfileMs: 5000, thresholdBigfile: 0 });
  q.add({ path: 'f', mask: IN.CLOSE_WRITE, recursive: false }, 1e12, false);
  assert.equal(q.nextDue(), 10);
});

test('take(all) releases classes that are not due yet', () => {
  const { q } = clockQueue();
  q.add({ path: 'a', mask: IN.MODIFY, recursive: false }, 1, false);
  q.add({ path: 'b', mask: IN.MODIFY, recursive: false }, 500, false);
  assert.equal(q.take(0, true).length, 2);
});

test('a file renamed over an existing name and then deleted is still a deletion (the destination has the old one)', () => {
  const q = new EventQueue({ delayCollectMs: 0, delayCollectBigfileMs: 0, thresholdBigfile: 0 }, () => 0);
  q.add({ path: 'v', mask: IN.MOVED_TO, recursive: false }, undefined, false);
  q.add({ path: 'v', mask: IN.DELETE, recursive: false }, undefined, false);
  const changes = q.take(0);
  assert.equal(changes.length, 1);
  assert.equal(changes[0].path, 'v');
  assert.equal(changes[0].state, 'deleted');
});

test('a file created (IN_CREATE) and deleted inside one window still vanishes', () => {
  const q = new EventQueue({ delayCollectMs: 0, delayCollectBigfileMs: 0, thresholdBigfile: 0 }, () => 0);
  q.add({ path: 'n', mask: IN.CREATE, recursive: false }, undefined, false);
  q.add({ path: 'n', mask: IN.DELETE, recursive: false }, undefined, false);
  assert.deepEqual(q.take(0), []);
});

test('requeue: a failed batch comes back; newer events keep their state, widened by the old one', () => {
  const q = new EventQueue({ delayCollectMs: 0, delayCollectBigfileMs: 0, thresholdBigfile: 0 }, () => 1000);
  q.add({ path: 'a', mask: IN.CLOSE_WRITE, recursive: false }, undefined, false);
  q.add({ path: 'd', mask: IN.CREATE | IN.ISDIR, recursive: true }, undefined, false);
  const failed = q.take(1000);
  q.add({ path: 'd', mask: IN.ATTRIB | IN.ISDIR, recursive: false }, undefined, false);
  q.requeue(failed);
  const again = new Map(q.take(1000).map((c) => [c.path, c]));
  assert.equal(again.size, 2);
  assert.equal(again.get('a')?.state, 'modified');
  assert.equal(again.get('d')?.recursive, true);
  assert.equal(again.get('d')!.mask & IN.CREATE, IN.CREATE);
});
