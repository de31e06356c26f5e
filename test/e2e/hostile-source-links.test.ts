/**
 * Hostile case class: symlinks in the source that lead out of the tree.
 * rsync's sender follows a symlink in the directories of a --files-from
 * path, so a path through one listed to rsync copies what it points to into
 * the destination. The daemon's own reads of the tree (partner search for
 * hard links, the look at each run's paths) never follow one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pause, withMirror } from '../helpers/mirror.js';
import { giveToDaemon } from '../helpers/clsync.js';

let lists = '';

test('a hard-link partner is never searched through a directory swapped for a symlink to outside the tree', async () => {
  await withMirror(
    async (m) => {
      // `d` and `e` are synced whole: recent recursive roots, the first places a partner is searched,
      // and `e/a` is not remembered one by one.
      mkdirSync(join(m.src, 'd'));
      writeFileSync(join(m.src, 'd', 'y'), 'inside');
      await m.converge('the first new directory');
      mkdirSync(join(m.src, 'e'));
      writeFileSync(join(m.src, 'e', 'a'), 'shared');
      await m.converge('the second new directory');
      // another name of e/a outside the tree (same file system), beside something private
      linkSync(join(m.src, 'e', 'a'), join(m.out, 'x'));
      writeFileSync(join(m.out, 'private'), 'not for the destination');
      await m.converge('a name outside the tree');
      // In one batch: `d` swapped for a symlink to the outside directory, and a new name of e/a.
      rmSync(join(m.src, 'd'), { recursive: true });
      symlinkSync(m.out, join(m.src, 'd'));
      linkSync(join(m.src, 'e', 'a'), join(m.src, 'b'));
      await pause(1500);
      await m.converge('the symlink is mirrored as a symlink, the link joins its group');
      assert.ok(lstatSync(join(m.dst, 'd')).isSymbolicLink(), 'dst/d is the symlink, not a copy of the outside directory');
      // The end state heals either way (d's own run replaces what a leak wrote): what rsync was told must
      // never have named a path through the symlink.
      const listed = readdirSync(lists).flatMap((f) => readFileSync(join(lists, f), 'latin1').split('\0'));
      assert.deepEqual(listed.filter((p) => p.startsWith('d/')), [], 'no list named a path below the symlink');
    },
    {
      extraArgs: ({ out }) => {
        lists = join(out, '..', 'lists');
        mkdirSync(lists, { mode: 0o700 });
        giveToDaemon(lists);
        return ['-t1', '-U', `-L${lists}`];
      },
    },
  );
});
