import { test } from 'node:test';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { withMirror } from '../helpers/mirror.js';

/** Every class of legal name the tools we replace lose (issue: core daemon, item 7). */
const NAMES: Buffer[] = [
  Buffer.from('new\nline'),
  Buffer.from('\nleading-newline'),
  Buffer.from('br[ack]et'),
  Buffer.from(']close'),
  Buffer.from('[open'),
  Buffer.from('star*'),
  Buffer.from('*'),
  Buffer.from('quest?on'),
  Buffer.from('back\\slash'),
  Buffer.from('\\'),
  Buffer.from('-leading-dash'),
  Buffer.from('--delete'),
  Buffer.from('#hash'),
  Buffer.from(';semicolon'),
  Buffer.from('+ plus'),
  Buffer.from('- minus'),
  Buffer.from(' leading and trailing space '),
  Buffer.from('tab\there'),
  Buffer.from('utf8-é-日本'),
  Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x78]), // invalid UTF-8
  Buffer.from('x'.repeat(255)),
  Buffer.from('***'),
  Buffer.from('a\\*b[c]?'),
];

function path(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from('/'), Buffer.from(p)] : [Buffer.from(p)])));
}

test('every legal file name syncs: initial sync, live create, rename, delete', async () => {
  await withMirror(
    async (m) => {
      mkdirSync(path(m.src, 'live'));
      for (const name of NAMES) writeFileSync(path(m.src, 'live', name), 'live');
      await m.converge('live creation');
      for (const name of NAMES) {
        renameSync(path(m.src, 'live', name), path(m.src, 'live', Buffer.concat([name.subarray(0, 250), Buffer.from('.mv')])));
      }
      await m.converge('rename');
      for (const name of NAMES) rmSync(path(m.src, name));
      await m.converge('delete');
    },
    {
      // present at start: as files and as directories holding a file
      prepare: (src) => {
        for (const name of NAMES) {
          const dir = Buffer.concat([Buffer.from('d-'), name]).subarray(0, 255);
          writeFileSync(path(src, name), name);
          mkdirSync(path(src, dir));
          writeFileSync(path(src, dir, name), 'inner');
        }
      },
    },
  );
});
