/**
 * Hostile case class: hard links. Our default rsync arguments carry -H, so a
 * hard-link group at the source must be one at the destination, and a write
 * through one name changes the content seen through all of them.
 */
import { test } from 'node:test';
import { appendFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';

/**
 * rsync -H links only names that are in the same transfer. A new name linked
 * to a file synced in an earlier batch would need the file's other names in
 * the list, and finding them means scanning the tree for the inode.
 */
/** Seen about 1 run in 10: a group whose names straddle two batches in some orders ends split. */
const INTERMITTENT = 'KNOWN INTERMITTENT: a group whose names straddle batches can end split (docs/correctness.md)';
const KNOWN = 'KNOWN LIMITATION: a new hard link to a file synced earlier arrives as a copy (docs/decisions.md)';

test('hard links made in one burst (both names new) stay one group', { todo: INTERMITTENT }, async () => {
  await withMirror(async (m) => {
    mkdirSync(join(m.src, 'd'));
    writeFileSync(join(m.src, 'd', 'a'), 'shared');
    linkSync(join(m.src, 'd', 'a'), join(m.src, 'd', 'b'));
    linkSync(join(m.src, 'd', 'a'), join(m.src, 'c'));
    await m.converge('group made at once');
  });
});

test('a hard link to a file that is already synced joins its group', { todo: KNOWN }, async () => {
  await withMirror(async (m) => {
    writeFileSync(join(m.src, 'a'), 'shared');
    await m.converge('setup');
    linkSync(join(m.src, 'a'), join(m.src, 'b'));
    await m.converge('link added later', 5000);
  });
});

test('a write through one name of a synced group reaches every name', { todo: INTERMITTENT }, async () => {
  await withMirror(async (m) => {
    mkdirSync(join(m.src, 'x'));
    writeFileSync(join(m.src, 'x', 'a'), 'shared');
    linkSync(join(m.src, 'x', 'a'), join(m.src, 'b'));
    await m.converge('setup');
    appendFileSync(join(m.src, 'b'), ' and appended through b');
    await m.converge('written through b', 5000);
  });
});
