import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IN } from '../../src/types.js';
import { classifyMask, EventClass, EventQueue, MERGE_TABLE, StartState } from '../../src/queue/index.js';

/** A mask producing each event class, and an event that drives an entry into each start state. */
const MASK: Record<EventClass, number> = {
  create: IN.CREATE,
  delete: IN.DELETE,
  modify: IN.CLOSE_WRITE,
  overflow: IN.Q_OVERFLOW,
};
const SETUP: Record<StartState, EventClass[]> = {
  none: [],
  created: ['create'],
  modified: ['modify'],
  deleted: ['delete'],
  vanished: ['create', 'delete'],
};

/** Expected result of each cell, as seen through the queue: state ('gone' = dropped) and recursive. */
const EXPECTED: Record<StartState, Record<EventClass, [string, boolean]>> = {
  none: { create: ['created', false], delete: ['deleted', false], modify: ['modified', false], overflow: ['modified', true] },
  created: { create: ['created', false], delete: ['gone', false], modify: ['created', false], overflow: ['created', true] },
  modified: { create: ['modified', false], delete: ['deleted', false], modify: ['modified', false], overflow: ['modified', true] },
  deleted: { create: ['modified', false], delete: ['deleted', false], modify: ['modified', false], overflow: ['modified', true] },
  vanished: { create: ['created', false], delete: ['gone', false], modify: ['created', false], overflow: ['created', true] },
};

function run(events: EventClass[], extraMask = 0, syncRunningAt = -1) {
  const q = new EventQueue({ delayCollectMs: 0, delayCollectBigfileMs: 0, thresholdBigfile: 0 }, () => 0);
  events.forEach((cls, i) => q.add({ path: 'p', mask: MASK[cls] | extraMask, recursive: false }, undefined, i === syncRunningAt));
  return q.take(0, true);
}

test('every cell of the merge table (files)', () => {
  for (const from of Object.keys(MERGE_TABLE) as StartState[]) {
    for (const ev of Object.keys(MASK) as EventClass[]) {
      const out = run([...SETUP[from], ev]);
      const [state, recursive] = EXPECTED[from][ev];
      const label = `${from} × ${ev}`;
      if (state === 'gone') {
        assert.equal(out.length, 0, label);
        continue;
      }
      assert.equal(out.length, 1, label);
      assert.equal(out[0].state, state, label);
      assert.equal(out[0].recursive, recursive, label);
    }
  }
});

test('replaced directories become recursive (either side a directory)', () => {
  const dirDeleteThenFileCreate = (() => {
    const q = new EventQueue({ delayCollectMs: 0, delayCollectBigfileMs: 0, thresholdBigfile: 0 }, () => 0);
    q.add({ path: 'p', mask: IN.DELETE | IN.ISDIR, recursive: false }, undefined, false);
    q.add({ path: 'p', mask: IN.CREATE, recursive: false }, 0, false);
    return q.take(0, true);
  })();
  assert.deepEqual(dirDeleteThenFileCreate, [{ path: 'p', mask: IN.DELETE | IN.ISDIR | IN.CREATE, isDir: false, recursive: true, state: 'modified', maybeAtDestination: true }]);
  const dirs = run(['delete', 'create'], IN.ISDIR);
  assert.equal(dirs[0].recursive, true);
  assert.equal(dirs[0].isDir, true);
});

test('created then deleted stays as deleted when a sync was running at the creation', () => {
  // without a running sync: dropped
  assert.equal(run(['create', 'delete']).length, 0);
  // the create was recorded while a sync ran: it may have been copied
  const out = run(['create', 'delete'], 0, 0);
  assert.equal(out.length, 1);
  assert.equal(out[0].state, 'deleted');
  // a sync running only at the delete does not matter
  assert.equal(run(['create', 'delete'], 0, 1).length, 0);
  // and a created-modified-deleted sequence with an unsafe create
  assert.equal(run(['create', 'modify', 'delete'], 0, 0)[0].state, 'deleted');
});

test('masks are classified by kind, overflow first', () => {
  assert.equal(classifyMask(IN.MOVED_TO), 'create');
  assert.equal(classifyMask(IN.CREATE | IN.ISDIR), 'create');
  assert.equal(classifyMask(IN.MOVED_FROM), 'delete');
  assert.equal(classifyMask(IN.DELETE_SELF), 'delete');
  assert.equal(classifyMask(IN.ATTRIB), 'modify');
  assert.equal(classifyMask(IN.MODIFY), 'modify');
  assert.equal(classifyMask(IN.MOVE_SELF), 'modify');
  assert.equal(classifyMask(IN.Q_OVERFLOW), 'overflow');
});
