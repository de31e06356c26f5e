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

test('an exchange: both names replaced (recursive when a directory is on either side), each naming the other', () => {
  const { q } = clockQueue();
  // as the monitor sends renameat2(RENAME_EXCHANGE) of directory xa and file f
  q.add({ path: 'xa', mask: IN.MOVED_TO, recursive: true, exchangedWith: 'f' }, 3, false);
  q.add({ path: 'f', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: 'xa' }, undefined, false);
  const out = q.take(0, true).sort((x, y) => (x.path < y.path ? -1 : 1));
  assert.deepEqual(out, [
    { path: 'f', mask: IN.MOVED_TO | IN.ISDIR, isDir: true, recursive: true, state: 'modified', maybeAtDestination: true, exchanged: true, exchangedWith: 'xa', replayOrder: 2 },
    { path: 'xa', mask: IN.MOVED_TO, isDir: false, recursive: true, state: 'modified', maybeAtDestination: true, exchanged: true, exchangedWith: 'f', replayOrder: 1 },
  ]);
});

test('an exchange is replayable only while it is the one thing that happened to the name', () => {
  const { q } = clockQueue();
  const swap = (a: string, b: string): void => {
    q.add({ path: a, mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: b }, undefined, false);
    q.add({ path: b, mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: a }, undefined, false);
  };
  swap('a', 'b');
  swap('a', 'c'); // a second exchange of a
  swap('d', 'e');
  q.add({ path: 'e', mask: IN.ATTRIB | IN.ISDIR, recursive: false }, undefined, false); // keeps it
  swap('g', 'h');
  q.add({ path: 'h', mask: IN.DELETE | IN.ISDIR, recursive: false }, undefined, false); // h is gone
  const byPath = new Map(q.take(0, true).map((c) => [c.path, c]));
  assert.equal(byPath.get('a')!.exchangedWith, undefined);
  assert.equal(byPath.get('a')!.exchanged, true);
  assert.equal(byPath.get('b')!.exchangedWith, 'a');
  assert.equal(byPath.get('c')!.exchangedWith, 'a');
  assert.equal(byPath.get('e')!.exchangedWith, 'd');
  assert.equal(byPath.get('h')!.state, 'deleted');
  assert.equal(byPath.get('h')!.exchangedWith, undefined);
});

test('a directory renamed from below an exchanged path: no rename to replay, content to verify', () => {
  const { q } = clockQueue();
  q.add({ path: 'old', mask: IN.MOVED_FROM | IN.ISDIR, recursive: false }, undefined, false);
  q.add({ path: 'kept', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, movedFrom: 'old' }, undefined, false);
  q.add({ path: 'xa', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: 'xb' }, undefined, false);
  q.add({ path: 'xb', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: 'xa' }, undefined, false);
  q.add({ path: 'xa/in', mask: IN.MOVED_FROM | IN.ISDIR, recursive: false }, undefined, false);
  q.add({ path: 'out', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, movedFrom: 'xa/in' }, undefined, false);
  const byPath = new Map(q.take(0, true).map((c) => [c.path, c]));
  assert.equal(byPath.get('kept')!.movedFrom, 'old');
  assert.equal(byPath.get('kept')!.exchanged, undefined);
  assert.equal(byPath.get('out')!.movedFrom, undefined);
  assert.equal(byPath.get('out')!.exchanged, true);
  assert.equal(byPath.get('out')!.state, 'created');
  // the window is over: the same rename later is a plain one again
  q.add({ path: 'out2', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, movedFrom: 'xa/in2' }, undefined, false);
  assert.equal(q.take(0, true)[0].movedFrom, 'xa/in2');
});

test('an exchange is not replayable after a name at or above it came or went, or while a sync ran', () => {
  const { q } = clockQueue();
  const swap = (a: string, b: string, syncRunning = false): void => {
    q.add({ path: a, mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: b }, undefined, syncRunning);
    q.add({ path: b, mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: a }, undefined, syncRunning);
  };
  // the name replaced before: the destination's copy is not the object the exchange moved
  q.add({ path: 'a', mask: IN.DELETE | IN.ISDIR, recursive: false }, undefined, false);
  q.add({ path: 'a', mask: IN.CREATE | IN.ISDIR, recursive: true }, undefined, false);
  swap('a', 'b');
  // a parent renamed in before
  q.add({ path: 'p', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, movedFrom: 'old' }, undefined, false);
  swap('p/c', 'd');
  // seen while a sync ran (it may have copied either object under either name)
  swap('e', 'f', true);
  // only written below before, and a parent renamed after: still replayable
  q.add({ path: 'g/file', mask: IN.CLOSE_WRITE, recursive: false }, undefined, false);
  q.add({ path: 'r/s', mask: IN.ATTRIB | IN.ISDIR, recursive: false }, undefined, false);
  swap('g', 'r/s');
  q.add({ path: 'r', mask: IN.MOVED_FROM | IN.ISDIR, recursive: false }, undefined, false);
  q.add({ path: 'r2', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, movedFrom: 'r' }, undefined, false);
  const byPath = new Map(q.take(0, true).map((c) => [c.path, c]));
  assert.equal(byPath.get('a')!.exchangedWith, undefined);
  assert.equal(byPath.get('b')!.exchangedWith, 'a'); // one side alone is no pair: not replayed
  assert.equal(byPath.get('p/c')!.exchangedWith, undefined);
  assert.equal(byPath.get('e')!.exchangedWith, undefined);
  assert.equal(byPath.get('f')!.exchangedWith, undefined);
  assert.equal(byPath.get('g')!.exchangedWith, 'r/s');
  assert.equal(byPath.get('r/s')!.exchangedWith, 'g');
  // the rename of r came after the exchange: replayed after it
  assert.ok(byPath.get('r2')!.replayOrder! > byPath.get('r/s')!.replayOrder!);
  assert.ok(byPath.get('p')!.replayOrder! < byPath.get('g')!.replayOrder!);
});
