/** Hostile case class: symlinks — dangling, retargeted, replaced, looping, pointing at directories. */
import { test } from 'node:test';
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';

test('dangling, retargeted (ln -sfn style), replaced and looping symlinks', async () => {
  await withMirror(async (m) => {
    const s = (...p: string[]): string => join(m.src, ...p);
    mkdirSync(s('dir'));
    writeFileSync(s('dir', 'target'), 'target');
    symlinkSync('nowhere', s('dangling'));
    symlinkSync('/nonexistent/absolute', s('dangling-abs'));
    symlinkSync('dir/target', s('good'));
    symlinkSync('dir', s('to-dir'));
    symlinkSync('self', s('self'));
    await m.converge('links made');
    // retarget atomically, many times
    for (let i = 0; i < 10; i++) {
      symlinkSync(`target-${i}`, s('dir', '.tmp-link'));
      renameSync(s('dir', '.tmp-link'), s('good'));
    }
    await m.converge('retargeted');
    // the target goes away: the link dangles; the link becomes a file; a file becomes a link
    rmSync(s('dir'), { recursive: true });
    unlinkSync(s('dangling'));
    writeFileSync(s('dangling'), 'now a file');
    unlinkSync(s('dangling-abs'));
    mkdirSync(s('dangling-abs'));
    symlinkSync('../dangling', s('dangling-abs', 'back'));
    await m.converge('replaced');
    // a link through which nothing must be followed: writes beside, not through
    mkdirSync(s('real'));
    unlinkSync(s('to-dir'));
    symlinkSync('real', s('to-dir'));
    writeFileSync(s('real', 'via-real'), 'x');
    await m.converge('link to a directory');
  });
});
