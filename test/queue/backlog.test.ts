/** Folding a far-behind destination's backlog (src/queue/backlog.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapseBacklog } from '../../src/queue/backlog.js';

test('paths fold into their directories, deepest first, until few enough are left', () => {
  const paths = ['a/b/c/f1', 'a/b/c/f2', 'a/b/d/f3', 'a/e', 'g/h/i'];
  // each path gives way to its directory; one below another synced whole is covered by it
  assert.deepEqual(collapseBacklog(paths, 10), ['a', 'g/h']);
  assert.deepEqual(collapseBacklog(['a/b/c/f1', 'a/b/d/f3', 'g/h/i'], 2), ['a/b', 'g/h']);
  assert.deepEqual(collapseBacklog(paths, 1), ['']);
  assert.deepEqual(collapseBacklog(['top'], 5), ['']);
});

test('a backlog larger than a call takes arguments (a burst) folds without a stack overflow', () => {
  const paths: string[] = [];
  for (let d = 0; d < 200_000; d++) paths.push(`top/dir${d}/sub/f`);
  assert.deepEqual(collapseBacklog(paths, 50_000), ['top']);
});
