/**
 * Hostile case class: content rewritten with the same size and the mtime put
 * back. rsync's quick check (size + mtime) would skip such a file and keep
 * the old content at the destination although clsync saw the write; the
 * handler must transfer written files without the quick check.
 */
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror, pause } from '../helpers/mirror.js';

test(
  'same size, restored mtime: the new content reaches the destination',
  async () => {
    await withMirror(async (m) => {
      const file = join(m.src, 'same.txt');
      writeFileSync(file, 'AAAAAAAAAA');
      await m.converge('setup');
      await pause(200);
      const ref = join(m.out, 'ref');
      writeFileSync(ref, '');
      execFileSync('touch', ['-r', file, ref]); // nanosecond-exact copy of the times
      writeFileSync(file, 'BBBBBBBBBB');
      execFileSync('touch', ['-r', ref, file]);
      await m.converge('rewritten with the same size and mtime', 5000);
    });
  },
);

/*
 * The same rewrite, then the parent directory renamed, in one batch (made
 * deterministic with --standby-file). The renamed directory is synced
 * recursively; if that run uses rsync's quick check against a copy that was
 * already in place (e.g. the old directory renamed at the destination), the
 * rewritten file is skipped.
 */
test('same size, restored mtime, then the parent renamed in the same batch', async () => {
  await withMirror(
    async (m) => {
      const standby = join(m.out, 'standby');
      mkdirSync(join(m.src, 'd'));
      const file = join(m.src, 'd', 'f');
      writeFileSync(file, 'AAAAAAAAAA');
      writeFileSync(join(m.src, 'd', 'other'), 'other');
      await m.converge('setup');
      await pause(200);
      writeFileSync(standby, '');
      await pause(100);
      const ref = join(m.out, 'ref');
      writeFileSync(ref, '');
      execFileSync('touch', ['-r', file, ref]);
      writeFileSync(file, 'BBBBBBBBBB');
      execFileSync('touch', ['-r', ref, file]);
      renameSync(join(m.src, 'd'), join(m.src, 'e'));
      unlinkSync(standby);
      await m.converge('rewritten, then the parent renamed', 5000);
    },
    { extraArgs: ({ out }) => [`--standby-file=${join(out, 'standby')}`] },
  );
});
