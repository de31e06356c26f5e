import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HardLinkPartners } from '../../src/handlers/hard-links.js';
import { SourceTree } from '../../src/tree/source.js';
import type { Change } from '../../src/queue/index.js';
import { IN } from '../../src/types.js';
import { tempDir } from '../helpers/tree.js';

/*
 * Fuzz seed 1853: two changes of a batch ended at one path (a write under a
 * renamed directory's old name and one under its new name), the in-place run
 * listed that name twice, and the partner search counted it as two of the
 * file's names: it stopped one name short. The name left out kept the old
 * data at the destination, apart from its group, for good (the short list was
 * remembered as the group's every name).
 */
test('a name listed twice in a run still gets every other name of its file', () => {
  const dir = tempDir('clsync-partners-');
  try {
    mkdirSync(join(dir.path, 'd', 'sub'), { recursive: true });
    writeFileSync(join(dir.path, 'd', 'e'), 'data');
    for (const name of ['b', 'q', 'd/sub/ve']) linkSync(join(dir.path, 'd', 'e'), join(dir.path, name));
    const tree = new SourceTree(dir.path);
    const partners = new HardLinkPartners(tree);
    const written: Change = { path: 'd/e', mask: IN.MODIFY | IN.CLOSE_WRITE, isDir: false, recursive: false, state: 'modified', maybeAtDestination: true };
    const run = { kind: 'inplace' as const, paths: ['d/e', 'd/e'] };
    partners.addPartners([run], [written], (path) => tree.lstat(path));
    assert.deepEqual([...new Set(run.paths)].sort(), ['b', 'd/e', 'd/sub/ve', 'q']);
    // and what was found is not remembered short: the next run of the name alone gets them all too
    const next = { kind: 'inplace' as const, paths: ['d/e'] };
    partners.addPartners([next], [written], (path) => tree.lstat(path));
    assert.deepEqual(next.paths.sort(), ['b', 'd/e', 'd/sub/ve', 'q']);
    tree.close();
  } finally {
    dir.remove();
  }
});
