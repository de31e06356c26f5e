import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher, PathGuard, pathsOverlap } from '../../src/exec/threading.js';

test('pathsOverlap: same path, ancestor either way, the root; not siblings or name prefixes', () => {
  assert.ok(pathsOverlap('a', 'a'));
  assert.ok(pathsOverlap('a', 'a/b/c'));
  assert.ok(pathsOverlap('a/b/c', 'a'));
  assert.ok(pathsOverlap('', 'x/y'));
  assert.ok(pathsOverlap('x', ''));
  assert.ok(!pathsOverlap('a', 'b'));
  assert.ok(!pathsOverlap('a', 'ab'));
  assert.ok(!pathsOverlap('a/b', 'a/bc/d'));
  assert.ok(!pathsOverlap('a/b', 'a/c'));
});

test('PathGuard agrees with pathsOverlap over a set of paths, and counts holds', () => {
  const all = ['', 'a', 'ab', 'a/b', 'a/b/c', 'a/bc', 'b', 'b/a', 'c/d/e'];
  for (const held of all) {
    const g = new PathGuard();
    g.hold([held]);
    for (const p of all) assert.equal(g.free([p]), !pathsOverlap(held, p), `held ${JSON.stringify(held)}, asked ${JSON.stringify(p)}`);
    g.hold([held]);
    g.release([held]);
    for (const p of all) assert.equal(g.free([p]), !pathsOverlap(held, p), 'still held once');
    g.release([held]);
    assert.ok(g.empty);
    for (const p of all) assert.ok(g.free([p]));
  }
  const g = new PathGuard();
  g.hold(['a/b', 'c/d/e']);
  assert.ok(!g.free(['x', 'c/d']));
  assert.ok(g.free(['x', 'a/c', 'c/e']));
});

/** A job that runs until released, recording when it ran. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let started = false;
  return { run: async () => { started = true; await opened; }, open, get started() { return started; } };
}

const tick = () => new Promise((r) => setImmediate(r));

test('Dispatcher off: one at a time', async () => {
  const d = new Dispatcher('off');
  const a = gate();
  const done = d.submit(['a'], a.run);
  assert.ok(a.started);
  assert.ok(!d.accepting);
  a.open();
  await done;
  assert.ok(d.accepting);
  assert.equal(d.active, 0);
});

test('Dispatcher safe: disjoint batches run together, an overlapping one waits, and nothing is taken while it waits', async () => {
  const d = new Dispatcher('safe', 8);
  const a = gate();
  const b = gate();
  const c = gate();
  const doneA = d.submit(['x/a', 'x/b'], a.run);
  const doneB = d.submit(['y'], b.run);
  assert.ok(a.started && b.started);
  assert.equal(d.active, 2);
  const doneC = d.submit(['x'], c.run); // ancestor of a's paths
  assert.ok(!c.started);
  assert.ok(!d.accepting, 'a waiting batch stops taking');
  b.open();
  await doneB;
  await tick();
  assert.ok(!c.started, 'still overlaps a');
  a.open();
  await doneA;
  await tick();
  assert.ok(c.started);
  assert.ok(d.accepting);
  c.open();
  await doneC;
  assert.equal(d.active, 0);
});

test('Dispatcher full: no guard, but a limit', async () => {
  const d = new Dispatcher('full', 2);
  const a = gate();
  const b = gate();
  const c = gate();
  const done = [d.submit(['x'], a.run), d.submit(['x'], b.run)];
  assert.ok(a.started && b.started, 'the same path twice at once: full has no guard');
  assert.ok(!d.accepting);
  a.open();
  await done[0];
  assert.ok(d.accepting);
  done.push(d.submit([''], c.run));
  assert.ok(c.started);
  b.open();
  c.open();
  await Promise.all(done);
});

test('Dispatcher: a failed run rejects its promise and frees its paths', async () => {
  const d = new Dispatcher('safe', 4);
  const a = gate();
  const failing = d.submit(['p'], async () => { await a.run(); throw new Error('boom'); });
  const b = gate();
  const waiting = d.submit(['p/q'], b.run);
  assert.ok(!b.started);
  a.open();
  await assert.rejects(failing, /boom/);
  await tick();
  assert.ok(b.started);
  b.open();
  await waiting;
});
