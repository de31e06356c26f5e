/** Hostile case class: editor-style saves (write a temp file, rename it over the original). */
import { test } from 'node:test';
import { renameSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { withMirror, pause } from '../helpers/mirror.js';

test('save via rename over the original, with and without a backup, repeatedly', async () => {
  await withMirror(async (m) => {
    mkdirSync(m.in('doc'));
    writeFileSync(m.in('doc', 'text.txt'), 'version 0\n');
    chmodSync(m.in('doc', 'text.txt'), 0o600);
    await m.converge('setup');
    for (let v = 1; v <= 20; v++) {
      // vim: write .swp-like temp, keep a backup ~ (every 3rd save), rename temp over the file
      writeFileSync(m.in('doc', '.text.txt.swp'), `version ${v}\n`.repeat(v));
      chmodSync(m.in('doc', '.text.txt.swp'), 0o600);
      if (v % 3 === 0) renameSync(m.in('doc', 'text.txt'), m.in('doc', 'text.txt~'));
      renameSync(m.in('doc', '.text.txt.swp'), m.in('doc', 'text.txt'));
      if (v % 5 === 0) await pause(30);
    }
    await m.converge('after 20 saves');
    // same length as the previous version: only the rename tells
    writeFileSync(m.in('doc', 'tmp'), 'version X\n'.repeat(20));
    renameSync(m.in('doc', 'tmp'), m.in('doc', 'text.txt'));
    await m.converge('same-length save');
  });
});
