/**
 * Hostile case class: exchanges. renameat2(RENAME_EXCHANGE) (`mv
 * --exchange`, atomic deploy swaps) swaps two names in one step: the kernel
 * reports two moves (MOVED_FROM a, MOVED_TO b, MOVED_FROM b, MOVED_TO a).
 * Paired as plain moves they renamed one directory twice in the watch table
 * and dropped the other's watches, and the queue took the second name for
 * deleted; the destination kept each name's old content (same sizes and
 * mtimes, so rsync's quick check saw nothing). Content here is made the
 * same size and mtime on both sides for that reason.
 */
import { test } from 'node:test';
import { appendFileSync, mkdirSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pause, withMirror } from '../helpers/mirror.js';
import { exchange } from '../helpers/exchange.js';

/** One moment for every file: the quick check cannot tell them apart. */
const SAME_TIME = 1_600_000_000;

function sameSizeFile(path: string, fill: string): void {
  writeFileSync(path, fill.repeat(64));
  utimesSync(path, SAME_TIME, SAME_TIME);
}

/** A directory with content of fixed sizes, filled with `fill`: two of these differ only in their bytes. */
function makeDir(dir: string, fill: string): void {
  mkdirSync(join(dir, 'in', 'deep'), { recursive: true });
  sameSizeFile(join(dir, 'file'), fill);
  sameSizeFile(join(dir, 'in', 'file'), fill);
  sameSizeFile(join(dir, 'in', 'deep', 'file'), fill);
}

test('two directories exchanged: no stale content, and both are still watched', async () => {
  await withMirror(async (m) => {
    makeDir(join(m.src, 'xa'), 'a');
    makeDir(join(m.src, 'xb'), 'b');
    await m.converge('setup');
    await exchange(join(m.src, 'xa'), join(m.src, 'xb'));
    await m.converge('exchanged', 5000);
    // the watches followed their directories: changes deep in both arrive
    writeFileSync(join(m.src, 'xa', 'in', 'deep', 'new'), 'new in xa');
    writeFileSync(join(m.src, 'xb', 'in', 'deep', 'new'), 'new in xb');
    appendFileSync(join(m.src, 'xa', 'in', 'file'), 'more');
    mkdirSync(join(m.src, 'xb', 'in', 'added'));
    await m.converge('written in both after the exchange', 5000);
  });
});

test('directories in different parents exchanged back and forth, and many at once', async () => {
  await withMirror(async (m) => {
    mkdirSync(join(m.src, 'p'));
    mkdirSync(join(m.src, 'q', 'r'), { recursive: true });
    makeDir(join(m.src, 'p', 'one'), 'o');
    makeDir(join(m.src, 'q', 'r', 'two'), 't');
    for (let i = 0; i < 10; i++) {
      makeDir(join(m.src, `a${i}`), 'x');
      makeDir(join(m.src, `b${i}`), 'y');
    }
    await m.converge('setup');
    await exchange(join(m.src, 'p', 'one'), join(m.src, 'q', 'r', 'two'));
    await m.converge('exchanged across parents', 5000);
    await exchange(join(m.src, 'p', 'one'), join(m.src, 'q', 'r', 'two'));
    await exchange(join(m.src, 'p', 'one'), join(m.src, 'q', 'r', 'two'));
    await exchange(join(m.src, 'p', 'one'), join(m.src, 'q', 'r', 'two'));
    for (let i = 0; i < 10; i++) await exchange(join(m.src, `a${i}`), join(m.src, `b${i}`));
    await m.converge('exchanged three times, and ten pairs', 5000);
    writeFileSync(join(m.src, 'p', 'one', 'in', 'deep', 'late'), 'late');
    writeFileSync(join(m.src, 'q', 'r', 'two', 'in', 'deep', 'late'), 'late too');
    await m.converge('written after', 5000);
  });
});

test('two files exchanged (same size, same mtime)', async () => {
  await withMirror(async (m) => {
    sameSizeFile(join(m.src, 'f1'), '1');
    sameSizeFile(join(m.src, 'f2'), '2');
    await m.converge('setup');
    await exchange(join(m.src, 'f1'), join(m.src, 'f2'));
    await m.converge('exchanged', 5000);
  });
});

test('a file exchanged with a directory, both ways', async () => {
  await withMirror(async (m) => {
    sameSizeFile(join(m.src, 'f'), 'f');
    makeDir(join(m.src, 'd'), 'd');
    await m.converge('setup');
    await exchange(join(m.src, 'f'), join(m.src, 'd'));
    await m.converge('file and directory exchanged', 5000);
    writeFileSync(join(m.src, 'f', 'in', 'deep', 'new'), 'the directory is watched where it went');
    await m.converge('written in the directory', 5000);
    await exchange(join(m.src, 'd'), join(m.src, 'f'));
    await m.converge('exchanged back', 5000);
    writeFileSync(join(m.src, 'd', 'in', 'new2'), 'and back');
    await m.converge('written in the directory again', 5000);
  });
});

test('a directory exchanged with symlinks to outside places, to / and to the destination', async () => {
  await withMirror(async (m) => {
    makeDir(join(m.src, 'd'), 'd');
    mkdirSync(join(m.out, 'canary'));
    writeFileSync(join(m.out, 'canary', 'file'), 'must stay');
    symlinkSync(join(m.out, 'canary'), join(m.src, 'l1'));
    symlinkSync('/', join(m.src, 'l2'));
    symlinkSync(join(m.dst, '..'), join(m.src, 'l3'));
    await m.converge('setup');
    await exchange(join(m.src, 'd'), join(m.src, 'l1'));
    await m.converge('directory and symlink exchanged', 5000);
    writeFileSync(join(m.src, 'l1', 'in', 'new'), 'written where the directory went');
    await m.converge('written in the directory', 5000);
    await exchange(join(m.src, 'l1'), join(m.src, 'l2'));
    await exchange(join(m.src, 'l2'), join(m.src, 'l3'));
    await m.converge('exchanged on with the other links', 5000);
    writeFileSync(join(m.src, 'l3', 'in', 'deep', 'new'), 'still watched');
    await m.converge('written in the directory again', 5000);
  });
});

test('a directory renamed out of an exchanged one right after the exchange', async () => {
  await withMirror(async (m) => {
    makeDir(join(m.src, 'xa'), 'a');
    makeDir(join(m.src, 'xb'), 'b');
    await m.converge('setup');
    await exchange(join(m.src, 'xa'), join(m.src, 'xb'));
    // xa/in is now what was xb/in: the destination's xa/in is the other one
    renameSync(join(m.src, 'xa', 'in'), join(m.src, 'moved'));
    renameSync(join(m.src, 'xb', 'in'), join(m.src, 'xa', 'in'));
    await m.converge('exchanged, then renamed out', 5000);
    await pause(100);
    writeFileSync(join(m.src, 'moved', 'deep', 'new'), 'watched');
    await m.converge('written after', 5000);
  });
});
