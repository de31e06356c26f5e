/** Hostile case class: a file replaced by a directory and back (and symlinks in the mix). */
import { test } from 'node:test';
import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';

test('file → directory → file, synced between the steps', async () => {
  await withMirror(async (m) => {
    writeFileSync(m.in('x'), 'a file');
    await m.converge('file');
    unlinkSync(m.in('x'));
    mkdirSync(m.in('x'));
    writeFileSync(m.in('x', 'inner'), 'inner');
    await m.converge('directory');
    rmSync(m.in('x'), { recursive: true });
    writeFileSync(m.in('x'), 'a file again');
    await m.converge('file again');
  });
});

test('file → directory → file → symlink → directory, faster than a sync', async () => {
  await withMirror(async (m) => {
    writeFileSync(m.in('y'), 'a file');
    mkdirSync(m.in('d'));
    writeFileSync(m.in('d', 'z'), 'z');
    await m.converge('setup');
    for (let round = 0; round < 5; round++) {
      unlinkSync(m.in('y'));
      mkdirSync(m.in('y'));
      writeFileSync(m.in('y', 'inner'), `round ${round}`);
      rmSync(m.in('y'), { recursive: true });
      writeFileSync(m.in('y'), `file ${round}`);
      unlinkSync(m.in('y'));
      symlinkSync('d', m.in('y'));
      unlinkSync(m.in('y'));
      mkdirSync(m.in('y'));
      mkdirSync(m.in('y', 'sub'));
      writeFileSync(m.in('y', 'sub', 'deep'), `deep ${round}`);
      if (round < 4) rmSync(m.in('y'), { recursive: true });
      if (round < 4) writeFileSync(m.in('y'), 'file');
      // the same in a directory that itself flips
      rmSync(m.in('d'), { recursive: true });
      writeFileSync(m.in('d'), 'd is a file');
      unlinkSync(m.in('d'));
      mkdirSync(m.in('d'));
      writeFileSync(m.in('d', 'z'), `z ${round}`);
    }
    await m.converge('after the flips');
  });
});

/*
 * One batch holding a change below a directory and the replacement of that
 * directory by a file (made deterministic with --standby-file: events are
 * collected while it exists, then synced at once). A path listed for rsync
 * whose parent is now a file fails with ENOTDIR, which rsync's
 * --delete-missing-args does not cover (exit 23).
 */
test('a directory replaced by a file in the same batch as a change below it', async () => {
  await withMirror(
    async (m) => {
      const standby = join(m.out, 'standby');
      mkdirSync(m.in('x'));
      writeFileSync(m.in('x', 'r'), 'old');
      await m.converge('setup');
      writeFileSync(standby, '');
      await new Promise((r) => setTimeout(r, 100));
      writeFileSync(m.in('x', 'r'), 'changed');
      rmSync(m.in('x'), { recursive: true });
      writeFileSync(m.in('x'), 'x is a file now');
      unlinkSync(standby);
      await m.converge('after the batch', 5000);
      // and the reverse: a file changed, then replaced by a directory, in one batch
      writeFileSync(standby, '');
      await new Promise((r) => setTimeout(r, 100));
      writeFileSync(m.in('x'), 'x changed');
      unlinkSync(m.in('x'));
      mkdirSync(m.in('x'));
      writeFileSync(m.in('x', 'r'), 'r again');
      unlinkSync(standby);
      await m.converge('after the reverse batch', 5000);
      // a directory with a subdirectory replaced by a file (fuzz seed 64, shrunk)
      mkdirSync(m.in('kj'));
      mkdirSync(m.in('kj', 'x'));
      await m.converge('kj/x');
      writeFileSync(standby, '');
      await new Promise((r) => setTimeout(r, 100));
      rmSync(m.in('kj'), { recursive: true });
      writeFileSync(m.in('kj'), 'kj is a file now');
      unlinkSync(standby);
      await m.converge('after kj/x → kj file', 5000);
    },
    { extraArgs: ({ out }) => [`--standby-file=${join(out, 'standby')}`] },
  );
});
