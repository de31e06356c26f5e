/** Hostile case class: deletes racing creates (the same names appearing and vanishing while syncs run). */
import { test } from 'node:test';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';

test('files created and deleted in a loop while syncs run end up exactly as the source', async () => {
  await withMirror(async (m) => {
    const until = Date.now() + 1500;
    let i = 0;
    while (Date.now() < until) {
      const name = `f${i % 7}`;
      if (i % 3 === 2) rmSync(join(m.src, name), { force: true });
      else writeFileSync(join(m.src, name), `round ${i}\n`);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      i++;
    }
    await m.converge(`after ${i} create/delete steps`);
  });
});

test('directory trees created and removed in a loop (mkdir -p + rm -rf) while syncs run', async () => {
  await withMirror(async (m) => {
    const until = Date.now() + 1500;
    let i = 0;
    while (Date.now() < until) {
      const top = join(m.src, `t${i % 3}`);
      if (i % 4 === 3) rmSync(top, { recursive: true, force: true });
      else {
        mkdirSync(join(top, 'a', 'b'), { recursive: true });
        writeFileSync(join(top, 'a', 'b', `f${i % 5}`), `round ${i}`);
      }
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 3));
      i++;
    }
    await m.converge(`after ${i} mkdir/rm steps`);
  });
});

test('a file deleted right after creation, and a directory deleted right after files appeared in it', async () => {
  await withMirror(async (m) => {
    for (let k = 0; k < 50; k++) {
      writeFileSync(join(m.src, `short-lived-${k}`), 'x');
      rmSync(join(m.src, `short-lived-${k}`));
      mkdirSync(join(m.src, `dir-${k}`));
      writeFileSync(join(m.src, `dir-${k}`, 'f'), 'f');
      if (k % 2) rmSync(join(m.src, `dir-${k}`), { recursive: true });
    }
    await m.converge('after the short-lived objects');
  });
});

/*
 * A deleted path whose parent became a file before rsync ran (fuzz seed 64,
 * shrunk): rsync's --delete-missing-args covers ENOENT but not ENOTDIR
 * (`link_stat "kj/x" failed: Not a directory`, exit 23).
 */
test('directories replaced by files right after their subdirectories were synced', async () => {
  await withMirror(async (m) => {
    for (let i = 0; i < 20; i++) {
      mkdirSync(join(m.src, `kj${i}`, 'x'), { recursive: true });
      await new Promise((r) => setTimeout(r, 150));
      rmSync(join(m.src, `kj${i}`), { recursive: true });
      writeFileSync(join(m.src, `kj${i}`), 'now a file');
    }
    await m.converge('after the replacements');
  });
});

/*
 * Fuzz seed 22, shrunk: a synced file replaced by a rename and deleted in
 * the same window. rename() overwrites without a DELETE event, so the queue
 * must not treat MOVED_TO + DELETE as "created and gone: nothing to do".
 */
test('a synced file replaced by a rename and then deleted is deleted at the destination', async () => {
  await withMirror(async (m) => {
    writeFileSync(join(m.src, 'v'), 'R'.repeat(41));
    mkdirSync(join(m.src, 'd'));
    mkdirSync(join(m.src, 'e'));
    await m.converge('setup');
    for (let i = 0; i < 10; i++) {
      writeFileSync(join(m.src, `t${i}`), '6'.repeat(94));
      renameSync(join(m.src, `t${i}`), join(m.src, 'v'));
      rmSync(join(m.src, 'v'));
      writeFileSync(join(m.src, 'v'), `again ${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(join(m.src, 'v'));
    writeFileSync(join(m.src, 'w'), 'w');
    renameSync(join(m.src, 'w'), join(m.src, 'v'));
    rmSync(join(m.src, 'v'));
    // the same with an empty directory renamed over an empty directory
    renameSync(join(m.src, 'd'), join(m.src, 'e'));
    rmSync(join(m.src, 'e'), { recursive: true });
    await m.converge('after replace-by-rename + delete');
  });
});
