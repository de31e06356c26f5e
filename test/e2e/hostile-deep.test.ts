/** Hostile case class: deep nesting (60 levels), created, renamed at the top and deleted at once. */
import { test } from 'node:test';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';

const DEPTH = 60;

function chain(base: string, depth: number): string {
  let p = base;
  for (let i = 0; i < depth; i++) p = join(p, `level${i}`);
  return p;
}

test('60 levels created in one go, then written at the bottom, renamed at the top, deleted', async () => {
  await withMirror(async (m) => {
    const bottom = chain(join(m.src, 'deep'), DEPTH);
    mkdirSync(bottom, { recursive: true });
    writeFileSync(join(bottom, 'leaf'), 'at the bottom');
    await m.converge('created');
    writeFileSync(join(bottom, 'leaf2'), 'watched at the bottom');
    await m.converge('written at the bottom later');
    renameSync(join(m.src, 'deep'), join(m.src, 'deep-renamed'));
    writeFileSync(join(chain(join(m.src, 'deep-renamed'), DEPTH), 'leaf3'), 'after the rename');
    await m.converge('renamed at the top');
    // one level in the middle renamed, a second chain grown below it at once
    const middle = chain(join(m.src, 'deep-renamed'), 30);
    renameSync(middle, middle + '-mid');
    mkdirSync(chain(middle + '-mid', 40), { recursive: true });
    writeFileSync(join(chain(middle + '-mid', 40), 'leaf4'), 'grown');
    await m.converge('renamed in the middle and grown');
    rmSync(join(m.src, 'deep-renamed'), { recursive: true });
    await m.converge('deleted');
  });
});
