/**
 * Hostile case class: symlinks that rsync mirrored to the destination, and
 * that the daemon's own work at the destination (renames of renamed
 * directories, deletions) must never follow. A writer of the source plants a
 * link to a victim directory outside both trees, then replaces it by a real
 * directory and renames through it in the same batch: at the destination
 * the link is still there when the batch is replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withMirror, pause } from '../helpers/mirror.js';
import { fullSnapshot, diffSnapshots, type FullSnapshot } from '../helpers/compare.js';

/** A victim tree beside src and dst, and a source link `L` to it. */
function plantVictim(src: string): { victim: string; before: () => FullSnapshot } {
  const victim = join(dirname(src), 'victim');
  mkdirSync(join(victim, 'important'), { recursive: true });
  writeFileSync(join(victim, 'important', 'db'), 'data\n');
  writeFileSync(join(victim, 'top'), 'top\n');
  symlinkSync(victim, join(src, 'L'));
  return { victim, before: () => fullSnapshot(victim) };
}

/** One batch: collected for 2 s, so the link's replacement and the rename through it sync together. */
const ONE_BATCH = (): string[] => ['-t2'];

test('a directory renamed out of a replaced symlink does not move the victim into the destination', async () => {
  let victim = '';
  let before: FullSnapshot | undefined;
  await withMirror(
    async (m) => {
      await m.converge('link mirrored');
      unlinkSync(join(m.src, 'L'));
      mkdirSync(join(m.src, 'L', 'important'), { recursive: true });
      await pause(500); // L is watched, so the rename below is seen as one within the tree
      renameSync(join(m.src, 'L', 'important'), join(m.src, 'z'));
      await m.converge('after the rename', 15_000);
      assert.deepEqual(diffSnapshots(before!, fullSnapshot(victim)), [], 'the victim tree changed');
    },
    {
      prepare: (src) => {
        const planted = plantVictim(src);
        victim = planted.victim;
        before = planted.before();
      },
      extraArgs: ONE_BATCH,
    },
  );
});

test('a directory renamed into a replaced symlink is not planted outside the destination', async () => {
  let victim = '';
  let before: FullSnapshot | undefined;
  await withMirror(
    async (m) => {
      await m.converge('link mirrored');
      unlinkSync(join(m.src, 'L'));
      mkdirSync(join(m.src, 'L'));
      await pause(500);
      renameSync(join(m.src, 'real', 'x'), join(m.src, 'L', 'y'));
      await m.converge('after the rename', 15_000);
      assert.deepEqual(diffSnapshots(before!, fullSnapshot(victim)), [], 'the victim tree changed');
    },
    {
      prepare: (src) => {
        const planted = plantVictim(src);
        victim = planted.victim;
        mkdirSync(join(src, 'real', 'x', 'deeper'), { recursive: true });
        writeFileSync(join(src, 'real', 'x', 'deeper', 'payload'), 'payload\n');
        before = planted.before();
      },
      extraArgs: ONE_BATCH,
    },
  );
});
