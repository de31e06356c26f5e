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
import { DOOR_SHUT } from '../helpers/clsync.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pause, withMirror, type Mirror } from '../helpers/mirror.js';
import { exchange } from '../helpers/exchange.js';
import { diffSnapshots, fullSnapshot } from '../helpers/compare.js';

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

test('exchanged with a name outside the tree: the object that came stays, whatever the types', async () => {
  // The outside name first: the watched directory sees MOVED_TO x, then MOVED_FROM x (the object that left)
  // with the next cookie. Taken for a deletion after the arrival, a directory was sent without its content.
  await withMirror(async (m) => {
    sameSizeFile(join(m.src, 'f'), 'f');
    makeDir(join(m.src, 'd'), 'd');
    sameSizeFile(join(m.src, 'g'), 'g');
    makeDir(join(m.src, 'e'), 'e');
    makeDir(join(m.out, 'od'), 'o');
    sameSizeFile(join(m.out, 'of'), 'o');
    makeDir(join(m.out, 'oe'), 'p');
    sameSizeFile(join(m.out, 'og'), 'q');
    await m.converge('setup');
    await exchange(join(m.out, 'od'), join(m.src, 'f'));
    await exchange(join(m.out, 'of'), join(m.src, 'd'));
    await exchange(join(m.out, 'oe'), join(m.src, 'e'));
    await exchange(join(m.out, 'og'), join(m.src, 'g'));
    await m.converge('exchanged with outside names', 5000);
    writeFileSync(join(m.src, 'f', 'in', 'deep', 'new'), 'the directory that came is watched');
    writeFileSync(join(m.src, 'e', 'in', 'new'), 'this one too');
    await m.converge('written in them', 5000);
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

/*
 * Replayed exchanges. The daemon waits (--standby-file) while the source
 * changes, so everything below is one batch and no sync runs meanwhile.
 */
const STANDBY = ({ out }: { out: string }): string[] => [`--standby-file=${join(out, 'standby')}`];

/** Hold syncs while `body` changes the source; the batch goes when it is done. */
async function oneBatch(m: Mirror, body: () => Promise<void> | void): Promise<void> {
  await pause(200);
  writeFileSync(join(m.out, 'standby'), '');
  await pause(100);
  await body();
  await pause(100); // every event is read and queued before syncs go on
  unlinkSync(join(m.out, 'standby'));
}

/** Rewrite `path` with `fill`, same size, and give it back its mtime (the quick check cannot see it). */
function rewriteSameSize(path: string, fill: string): void {
  const { mtime } = statSync(path);
  writeFileSync(path, fill.repeat(64));
  utimesSync(path, mtime, mtime);
}

const inode = (path: string): number => statSync(path).ino;

/** Equal, and the syncs of the setup are over (a late one re-copies a file whose mtime was set after it was sent). */
async function settled(m: Mirror): Promise<void> {
  await pause(500);
  await m.converge('settled');
}

test('an exchange is replayed at the destination: nothing copied, writes before and after it arrive', { skip: DOOR_SHUT }, async () => {
  await withMirror(
    async (m) => {
      makeDir(join(m.src, 'xa'), 'a');
      makeDir(join(m.src, 'xb'), 'b');
      await m.converge('setup');
      await settled(m);
      const wasA = inode(join(m.dst, 'xa', 'in', 'deep', 'file'));
      const wasB = inode(join(m.dst, 'xb', 'in', 'deep', 'file'));
      await oneBatch(m, async () => {
        rewriteSameSize(join(m.src, 'xa', 'in', 'file'), 'c'); // before: now xb/in/file
        await exchange(join(m.src, 'xa'), join(m.src, 'xb'));
        rewriteSameSize(join(m.src, 'xa', 'file'), 'd'); // after: B's file
      });
      await m.converge('exchanged', 5000);
      // the destination's copies swapped places instead of being read and rewritten
      assert.equal(inode(join(m.dst, 'xa', 'in', 'deep', 'file')), wasB, 'xa was not the old xb: the exchange was not replayed');
      assert.equal(inode(join(m.dst, 'xb', 'in', 'deep', 'file')), wasA, 'xb was not the old xa: the exchange was not replayed');
    },
    { extraArgs: STANDBY },
  );
});

test('an exchange is never replayed through or onto what a planted destination symlink points at', async () => {
  await withMirror(
    async (m) => {
      const victim = join(m.out, 'victim');
      makeDir(victim, 'v');
      makeDir(join(m.src, 'xa'), 'a');
      makeDir(join(m.src, 'xb'), 'b');
      mkdirSync(join(m.src, 'p'));
      makeDir(join(m.src, 'p', 'xc'), 'c');
      makeDir(join(m.src, 'xd'), 'd');
      await m.converge('setup');
      const before = fullSnapshot(m.out);
      // in place of one side, and in place of the parent of another
      rmSync(join(m.dst, 'xb'), { recursive: true });
      symlinkSync(victim, join(m.dst, 'xb'));
      rmSync(join(m.dst, 'p'), { recursive: true });
      mkdirSync(join(victim, 'xc'));
      symlinkSync(victim, join(m.dst, 'p'));
      const victimNow = fullSnapshot(m.out);
      await oneBatch(m, async () => {
        await exchange(join(m.src, 'xa'), join(m.src, 'xb'));
        await exchange(join(m.src, 'p', 'xc'), join(m.src, 'xd'));
      });
      await m.converge('exchanged', 5000);
      assert.deepEqual(diffSnapshots(victimNow, fullSnapshot(m.out)), [], 'something outside the destination changed');
      assert.ok(before.size > 0);
    },
    { extraArgs: STANDBY },
  );
});

test('a directory exchanged with a symlink to outside in one batch: replayed, the outside untouched', { skip: DOOR_SHUT }, async () => {
  await withMirror(
    async (m) => {
      const canary = join(m.out, 'canary');
      makeDir(canary, 'c');
      makeDir(join(m.src, 'd'), 'd');
      symlinkSync(canary, join(m.src, 'l'));
      symlinkSync(join(m.dst, '..'), join(m.src, 'up'));
      await m.converge('setup');
      await settled(m);
      const was = inode(join(m.dst, 'd', 'in', 'deep', 'file'));
      const outside = fullSnapshot(m.out);
      await oneBatch(m, async () => {
        await exchange(join(m.src, 'd'), join(m.src, 'l'));
        writeFileSync(join(m.src, 'l', 'in', 'new'), 'written where the directory went');
      });
      await m.converge('directory and symlink exchanged', 5000);
      assert.equal(inode(join(m.dst, 'l', 'in', 'deep', 'file')), was, 'the exchange was not replayed');
      await oneBatch(m, async () => {
        await exchange(join(m.src, 'l'), join(m.src, 'up'));
        rewriteSameSize(join(m.src, 'up', 'file'), 'u');
      });
      await m.converge('exchanged with the link to the destination parent', 5000);
      assert.deepEqual(diffSnapshots(outside, fullSnapshot(m.out)), [], 'something outside the destination changed');
    },
    { extraArgs: STANDBY },
  );
});

test('an exchange with renames below and above it, before and after, in one batch', { skip: DOOR_SHUT }, async () => {
  await withMirror(
    async (m) => {
      makeDir(join(m.src, 'xa'), 'a');
      makeDir(join(m.src, 'xb'), 'b');
      mkdirSync(join(m.src, 'p'));
      makeDir(join(m.src, 'p', 'one'), 'o');
      makeDir(join(m.src, 'two'), 't');
      makeDir(join(m.src, 'xc'), 'c');
      makeDir(join(m.src, 'xd'), 'd');
      makeDir(join(m.src, 'xe'), 'e');
      mkdirSync(join(m.src, 'xe', 'sub'));
      sameSizeFile(join(m.src, 'xe', 'sub', 'file'), 'e');
      await m.converge('setup');
      await oneBatch(m, async () => {
        // below, after: the rename out is not replayed (xa/in is B's now), the exchange is
        await exchange(join(m.src, 'xa'), join(m.src, 'xb'));
        renameSync(join(m.src, 'xa', 'in'), join(m.src, 'moved'));
        rewriteSameSize(join(m.src, 'moved', 'deep', 'file'), 'm');
        // above, after: p renamed once p/one was exchanged
        await exchange(join(m.src, 'p', 'one'), join(m.src, 'two'));
        rewriteSameSize(join(m.src, 'p', 'one', 'in', 'file'), 'p');
        renameSync(join(m.src, 'p'), join(m.src, 'q'));
        // below, before: the rename must be replayed first, or C's copy of `in` would move
        renameSync(join(m.src, 'xc', 'in'), join(m.src, 'cin'));
        await exchange(join(m.src, 'xc'), join(m.src, 'xd'));
        // into, after
        renameSync(join(m.src, 'xe', 'sub'), join(m.src, 'xc', 'sub'));
      });
      await m.converge('exchanged and renamed', 5000);
      writeFileSync(join(m.src, 'q', 'one', 'in', 'deep', 'late'), 'watched');
      writeFileSync(join(m.src, 'moved', 'deep', 'late'), 'watched');
      await m.converge('written after', 5000);
    },
    { extraArgs: STANDBY },
  );
});

test('a burst of exchanges in one batch, with writes before and after each', async () => {
  await withMirror(
    async (m) => {
      const pairs = 40;
      for (let i = 0; i < pairs; i++) {
        makeDir(join(m.src, `a${i}`), 'x');
        makeDir(join(m.src, `b${i}`), 'y');
      }
      await m.converge('setup', 15_000);
      await oneBatch(m, async () => {
        for (let i = 0; i < pairs; i++) {
          if (i % 3 === 0) rewriteSameSize(join(m.src, `a${i}`, 'in', 'file'), 'q');
          await exchange(join(m.src, `a${i}`), join(m.src, `b${i}`));
          if (i % 4 === 0) await exchange(join(m.src, `a${i}`), join(m.src, `b${i}`)); // and back
          if (i % 5 === 0) rewriteSameSize(join(m.src, `b${i}`, 'in', 'deep', 'file'), 'r');
        }
      });
      await m.converge('exchanged', 10_000);
    },
    { extraArgs: STANDBY },
  );
});

/*
 * Fuzz seed 1183: a directory made a moment before (no watch yet) exchanged
 * with a file, and its old parent renamed at once. The monitor's look at the
 * old name (to tell `mv a b; mv b a` from an exchange) found nothing, so the
 * exchange was taken for two moves and the directory, now at the file's
 * name, was never watched: what was written into it later never arrived.
 * A directory and a file in those records can only be an exchange.
 */
test('a new directory exchanged with a file, its old parent renamed at once: the directory is watched at its new name', async () => {
  await withMirror(async (m) => {
    for (let i = 0; i < 10; i++) {
      mkdirSync(join(m.src, `p${i}`, 'q'), { recursive: true });
      writeFileSync(join(m.src, `f${i}`), 'a file');
    }
    await m.converge('setup');
    for (let i = 0; i < 10; i++) {
      mkdirSync(join(m.src, `p${i}`, 'q', 'd'));
      writeFileSync(join(m.src, `p${i}`, 'q', 'd', 'inner'), 'made with it');
      await exchange(join(m.src, `p${i}`, 'q', 'd'), join(m.src, `f${i}`));
      renameSync(join(m.src, `p${i}`), join(m.src, `r${i}`)); // the exchange's old name is gone before the monitor looks
      writeFileSync(join(m.src, `f${i}`, 'later'), 'written into the moved directory');
    }
    await m.converge('every exchanged directory with what was written into it later', 10_000);
  });
});
