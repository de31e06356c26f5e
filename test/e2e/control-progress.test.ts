/**
 * The progress line (issue 11): seen in a real pseudo-terminal (`script`
 * from util-linux runs the daemon on a pty), absent on a pipe and with -q.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLSYNC_BIN } from '../helpers/clsync.js';
import { rsyncWrapper } from '../helpers/faults.js';
import { tempSrcDst } from '../helpers/tree.js';

/** 16 top-level directories (the full sync runs in parts) of 50 subdirectories with a file each. */
function fill(src: string): void {
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 50; j++) {
      mkdirSync(join(src, `top${i}`, `d${j}`), { recursive: true });
      writeFileSync(join(src, `top${i}`, `d${j}`, 'f'), 'x');
    }
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

test('progress line: in a pseudo-terminal marking and the initial sync show it; on a pipe or with -q it is absent', { timeout: 60_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-progress-');
  try {
    fill(src);
    // each rsync of the initial sync takes 0.3 s, so the line has time to show its parts
    const slow = rsyncWrapper(join(base.path, 'slow-rsync'), `[ "$CLSYNC_STATUS" = initsync ] && sleep 0.3`);
    const args = [process.execPath, CLSYNC_BIN, '-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-S${slow}`, '--only-initialsync'];
    const inPty = spawnSync('script', ['-qfec', args.map(shellQuote).join(' '), '/dev/null'], { encoding: 'utf8', timeout: 40_000 });
    assert.equal(inPty.status, 0, inPty.stdout + inPty.stderr);
    const out = inPty.stdout;
    assert.match(out, /\r\x1b\[Kmarking: [\d,]+ directories \([\d,]+\/s\)/, `marking progress in:\n${JSON.stringify(out.slice(0, 2000))}`);
    assert.match(out, /\r\x1b\[Kinitial sync of 1,617 entries: \d+ s/, 'initial sync progress with the totals of marking');
    assert.match(out, /part \d+ of \d+/, 'parts of the initial sync');
    assert.match(out, /initial sync done/);

    const onPipe = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 40_000 });
    assert.equal(onPipe.status, 0, onPipe.stderr);
    assert.doesNotMatch(onPipe.stderr + onPipe.stdout, /\x1b\[K|marking: |initial sync of/);
    assert.match(onPipe.stderr, /initial sync done/);

    const quiet = spawnSync('script', ['-qfec', [...args, '-q'].map(shellQuote).join(' '), '/dev/null'], { encoding: 'utf8', timeout: 40_000 });
    assert.equal(quiet.status, 0, quiet.stdout);
    assert.doesNotMatch(quiet.stdout, /\x1b\[K|marking: |initial sync of/);
  } finally {
    base.remove();
  }
});
