/** Hostile case class: events for paths whose parent (or grandparent) was just renamed. */
import { test } from 'node:test';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';

test('writes right after the parent was renamed land at the new path only', async () => {
  await withMirror(async (m) => {
    mkdirSync(join(m.src, 'p', 'q'), { recursive: true });
    writeFileSync(join(m.src, 'p', 'q', 'file'), 'v1');
    await m.converge('setup');
    renameSync(join(m.src, 'p'), join(m.src, 'p2'));
    appendFileSync(join(m.src, 'p2', 'q', 'file'), ' v2');
    writeFileSync(join(m.src, 'p2', 'q', 'new'), 'new');
    renameSync(join(m.src, 'p2', 'q'), join(m.src, 'p2', 'q2'));
    writeFileSync(join(m.src, 'p2', 'q2', 'newer'), 'newer');
    await m.converge('after renames with writes between');
  });
});

test('a chain of renames of a grandparent while a grandchild is being written', async () => {
  await withMirror(async (m) => {
    mkdirSync(join(m.src, 'g0', 'c', 'gc'), { recursive: true });
    await m.converge('setup');
    for (let i = 0; i < 30; i++) {
      renameSync(join(m.src, `g${i}`), join(m.src, `g${i + 1}`));
      writeFileSync(join(m.src, `g${i + 1}`, 'c', 'gc', `f${i}`), `step ${i}`);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 10));
    }
    await m.converge('after 30 renames of the grandparent');
  });
});

test('a directory renamed while its new subdirectories are still being walked', async () => {
  await withMirror(async (m) => {
    for (let i = 0; i < 20; i++) {
      mkdirSync(join(m.src, `n${i}`, 'a', 'b'), { recursive: true });
      writeFileSync(join(m.src, `n${i}`, 'a', 'b', 'f'), 'f');
      renameSync(join(m.src, `n${i}`, 'a'), join(m.src, `n${i}`, 'a2'));
      writeFileSync(join(m.src, `n${i}`, 'a2', 'b', 'g'), 'g');
      renameSync(join(m.src, `n${i}`), join(m.src, `m${i}`));
      writeFileSync(join(m.src, `m${i}`, 'a2', 'h'), 'h');
    }
    await m.converge('after creating and renaming at once');
  });
});

test('an ancestor renamed while a new deep subtree is walked: the subtree stays watched', async () => {
  // The walk of a new directory follows paths; a rename of an ancestor under it makes the rest of the
  // subtree look gone. Writes made long after must still reach the destination.
  const deep = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
  await withMirror(async (m) => {
    for (let i = 0; i < 40; i++) mkdirSync(join(m.src, `${i}`, 'p', 'a'), { recursive: true });
    await m.converge('setup');
    for (let i = 0; i < 40; i++) {
      mkdirSync(join(m.src, `${i}`, 'p', ...deep), { recursive: true });
      renameSync(join(m.src, `${i}`, 'p'), join(m.src, `${i}`, 'q'));
    }
    await m.converge('after the renames');
    await new Promise((r) => setTimeout(r, 700)); // past every look-again of the monitor
    for (let i = 0; i < 40; i++) writeFileSync(join(m.src, `${i}`, 'q', ...deep, 'file'), `late ${i}`);
    await m.converge('after writes deep in the renamed subtrees');
  });
});
