import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { diffTrees, tempDir, waitFor } from '../helpers/tree.js';
import { startClsync } from '../helpers/clsync.js';

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
  const src = tempDir();
  const dst = tempDir();
  // present at start: as files and as directories holding a file
  for (const name of NAMES) {
    writeFileSync(path(src.path, name), name);
    mkdirSync(path(src.path, Buffer.concat([Buffer.from('d-'), name]).subarray(0, 255)));
    writeFileSync(path(src.path, Buffer.concat([Buffer.from('d-'), name]).subarray(0, 255), name), 'inner');
  }
  const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '-w0', '-t0', '-T0']);
  const converge = async (what: string): Promise<void> => {
    const ok = await waitFor(() => diffTrees(src.path, dst.path).length === 0, 10_000, 50);
    if (!ok) assert.fail(`${what}:\n${diffTrees(src.path, dst.path).join('\n')}\n${run.output()}`);
  };
  try {
    await converge('initial sync');
    mkdirSync(path(src.path, 'live'));
    for (const name of NAMES) writeFileSync(path(src.path, 'live', name), 'live');
    await converge('live creation');
    for (const name of NAMES) {
      renameSync(path(src.path, 'live', name), path(src.path, 'live', Buffer.concat([name.subarray(0, 250), Buffer.from('.mv')])));
    }
    await converge('rename');
    for (const name of NAMES) rmSync(path(src.path, name));
    await converge('delete');
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
  }
});
