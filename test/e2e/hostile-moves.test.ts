/** Hostile case class: directory moves within, into and out of the tree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror, pause } from '../helpers/mirror.js';

function fill(dir: Buffer | string, files = 5): void {
  mkdirSync(join(dir.toString(), 'sub/deeper'), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir.toString(), `f${i}`), `file ${i}\n`);
  writeFileSync(join(dir.toString(), 'sub/deeper/leaf'), 'leaf');
}

test('a directory renamed within the tree leaves no stale copy at the destination', async () => {
  await withMirror(async (m) => {
    fill(m.in('a'));
    await m.converge('setup');
    renameSync(m.in('a'), m.in('b'));
    await m.converge('after a → b');
    assert.equal(existsSync(join(m.dst, 'a')), false);
    // back and forth faster than a sync, then into a subdirectory of a sibling
    mkdirSync(m.in('c'));
    renameSync(m.in('b'), m.in('a'));
    renameSync(m.in('a'), m.in('b2'));
    renameSync(m.in('b2'), m.in('c', 'inside'));
    await m.converge('after b → a → b2 → c/inside');
    // swap two directories through a temporary name
    fill(m.in('x'), 2);
    fill(m.in('y'), 3);
    await m.converge('before swap');
    renameSync(m.in('x'), m.in('tmp'));
    renameSync(m.in('y'), m.in('x'));
    renameSync(m.in('tmp'), m.in('y'));
    await m.converge('after swap');
  });
});

test('a directory moved into the tree is synced with everything in it, and watched afterwards', async () => {
  await withMirror(async (m) => {
    fill(m.outside('incoming'));
    renameSync(m.outside('incoming'), m.in('incoming'));
    await m.converge('moved in');
    writeFileSync(m.in('incoming', 'sub', 'deeper', 'later'), 'later');
    mkdirSync(m.in('incoming', 'sub', 'new'));
    writeFileSync(m.in('incoming', 'sub', 'new', 'f'), 'f');
    await m.converge('written after the move in');
    // moved in and immediately written to, before any sync
    fill(m.outside('second'));
    renameSync(m.outside('second'), m.in('second'));
    writeFileSync(m.in('second', 'sub', 'x'), 'x');
    await m.converge('moved in and written at once');
  });
});

test('a directory moved out of the tree is deleted at the destination and its later activity ignored', async () => {
  await withMirror(async (m) => {
    fill(m.in('leaving'));
    await m.converge('setup');
    renameSync(m.in('leaving'), m.outside('left'));
    await m.converge('moved out');
    writeFileSync(m.outside('left', 'ghost'), 'ghost');
    mkdirSync(m.outside('left', 'ghostdir'));
    await pause(300);
    await m.converge('activity outside');
    assert.equal(existsSync(join(m.dst, 'left')), false);
    // and back in under another name, then written to
    renameSync(m.outside('left'), m.in('returned'));
    writeFileSync(m.in('returned', 'sub', 'back'), 'back');
    await m.converge('moved back in');
    // out and in again faster than a sync
    renameSync(m.in('returned'), m.outside('r2'));
    renameSync(m.outside('r2'), m.in('returned2'));
    writeFileSync(m.in('returned2', 'f0'), 'changed');
    await m.converge('out and in at once');
  });
});

/*
 * Fuzz seed 26, shrunk: a deep directory moved out, then one of its former
 * ancestors moved into it (both outside the tree now) before the first move
 * was settled. Pairing that rename as "within the tree" made a cycle in the
 * watch table (stack overflow, daemon exit).
 */
test('an ancestor moved into its own moved-out descendant: both leave the tree, no cycle', async () => {
  await withMirror(async (m) => {
    mkdirSync(join(m.src, 'a/b/c/d/e'), { recursive: true });
    await pause(50);
    renameSync(join(m.src, 'a/b/c/d'), join(m.out, 'd'));
    renameSync(join(m.src, 'a/b'), join(m.out, 'd/e/b'));
    writeFileSync(join(m.out, 'd/e/b/x'), 'outside');
    await m.converge('after both moves');
    writeFileSync(join(m.src, 'a/alive'), 'still watched');
    await m.converge('daemon still running');
  });
});
