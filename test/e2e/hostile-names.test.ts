/**
 * Hostile case class: every odd file-name class as directories (renamed,
 * moved in and out, holding files), as symlink targets and in deep paths.
 * (names.test.ts covers them as plain files.)
 */
import { test } from 'node:test';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { withMirror } from '../helpers/mirror.js';

const ODD: Buffer[] = [
  Buffer.from('new\nline'),
  Buffer.from('cr\r\nlf'),
  Buffer.from('[br]ack'),
  Buffer.from(']'),
  Buffer.from('*'),
  Buffer.from('***'),
  Buffer.from('a*b'),
  Buffer.from('?'),
  Buffer.from('\\'),
  Buffer.from('x\\*'),
  Buffer.from('-'),
  Buffer.from('--delete'),
  Buffer.from('- minus'),
  Buffer.from('+ plus'),
  Buffer.from([0x62, 0xff, 0xfe, 0xc0]), // invalid UTF-8
  Buffer.from('y'.repeat(255)),
  Buffer.from(' spaced '),
];

test('odd names as directories: created with content, renamed to other odd names, moved out and in', async () => {
  await withMirror(async (m) => {
    for (const name of ODD) {
      mkdirSync(m.in(name));
      writeFileSync(m.in(name, name), name);
      mkdirSync(m.in(name, 'sub'));
      symlinkSync(name, m.in(name, 'sub', 'link'));
    }
    await m.converge('created');
    // rename each to the next odd name (with a suffix so they stay unique)
    for (let i = 0; i < ODD.length; i++) {
      const next = Buffer.concat([ODD[(i + 1) % ODD.length].subarray(0, 250), Buffer.from('.' + i)]);
      renameSync(m.in(ODD[i]), m.in(next));
      writeFileSync(m.in(next, 'sub', ODD[i]), 'written after the rename');
    }
    await m.converge('renamed');
    // out and back in under the original names
    for (let i = 0; i < ODD.length; i++) {
      const cur = Buffer.concat([ODD[(i + 1) % ODD.length].subarray(0, 250), Buffer.from('.' + i)]);
      renameSync(m.in(cur), m.outside(ODD[i]));
    }
    await m.converge('moved out');
    for (const name of ODD) renameSync(m.outside(name), m.in(name));
    await m.converge('moved back in');
    for (const name of ODD.slice(0, 8)) rmSync(m.in(name), { recursive: true });
    await m.converge('deleted');
  });
});

test('odd names nested in each other (a path made of every class)', async () => {
  await withMirror(async (m) => {
    let path: Buffer[] = [];
    for (const name of ODD.slice(0, 12)) {
      path = [...path, name];
      mkdirSync(m.in(...path));
      writeFileSync(m.in(...path, 'f'), 'f');
    }
    await m.converge('nested');
    renameSync(m.in(ODD[0]), m.in('plain'));
    await m.converge('top renamed');
  });
});
