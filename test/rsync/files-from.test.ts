import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IN } from '../../src/types.js';
import { planFilesFrom, type FilesFromChange } from '../../src/rsync/files-from.js';
import { filesFromArgs, filesFromList } from '../../src/rsync/files-from-run.js';
import { diffTrees, tempDir } from '../helpers/tree.js';
import { probeDeleteMissingArgs } from '../../src/rsync/probe.js';
import { parentDeletion, parentDeletionArgs } from '../../src/rsync/delete-parents.js';
import { splitBySource } from '../../src/handlers/deletions.js';
import { SourceTree } from '../../src/tree/source.js';

const change = (path: string, mask: number, state: FilesFromChange['state'], recursive = false): FilesFromChange => ({
  path,
  mask,
  state,
  recursive,
});

/** Temporary source, destination and list directories for one test with real rsync; removed after. */
function withTrees(body: (dirs: { src: TempDir; dst: TempDir; lists: TempDir }) => void): void {
  const src = tempDir();
  const dst = tempDir();
  const lists = tempDir();
  try {
    body({ src, dst, lists });
  } finally {
    src.remove();
    dst.remove();
    lists.remove();
  }
}

type TempDir = ReturnType<typeof tempDir>;

/** Write `content` and set the mtime to a fixed old time (so a same-size rewrite keeps size and mtime). */
function writeWithOldMtime(path: string, content: string): void {
  writeFileSync(path, content);
  utimesSync(path, 1_000_000, 1_000_000);
}

test('plan: content writes, plain changes and recursive dirs go to their own runs; covered paths dropped', () => {
  const plan = planFilesFrom([
    change('a/f', IN.CLOSE_WRITE, 'modified'),
    change('a/g', IN.ATTRIB, 'modified'),
    change('gone', IN.DELETE, 'deleted'),
    change('moved-out', IN.MOVED_FROM | IN.ISDIR, 'deleted', true),
    change('new', IN.CREATE | IN.ISDIR, 'created', true),
    change('new/inner', IN.CLOSE_WRITE, 'created'),
    change('d', IN.ATTRIB | IN.ISDIR, 'modified'),
  ]);
  assert.equal(plan.full, false);
  assert.deepEqual(plan.runs, [
    { kind: 'plain', paths: ['a/g', 'moved-out', 'd'], stage: 0 },
    { kind: 'content', paths: ['a/f', 'gone'], stage: 3 },
    { kind: 'recursive', paths: ['new'], stage: 3 },
  ]);
});

test('plan: the root attributes are due only when it changed or names directly in it came or went', () => {
  assert.equal(planFilesFrom([change('a/b', IN.ATTRIB, 'modified')]).root, false);
  assert.equal(planFilesFrom([change('top', IN.CLOSE_WRITE, 'created')]).root, true);
  assert.equal(planFilesFrom([change('top', IN.DELETE, 'deleted')]).root, true);
  assert.equal(planFilesFrom([change('top', IN.MOVED_TO | IN.CLOSE_WRITE, 'modified')]).root, true, 'replaced by a rename');
  assert.equal(planFilesFrom([change('top', IN.MODIFY | IN.CLOSE_WRITE | IN.ATTRIB, 'modified')]).root, false, 'written in place');
  assert.equal(planFilesFrom([change('', IN.ATTRIB | IN.ISDIR, 'modified')]).root, true);
});

test('plan: a recursive root (overflow, USR2) means a full sync, then hard-linked names are linked again', () => {
  assert.equal(planFilesFrom([change('', IN.Q_OVERFLOW, 'modified', true), change('x', IN.MODIFY, 'modified')]).full, true);
  const links = new Map([
    ['a/linked', 2],
    ['b/linked', 2],
  ]);
  const plan = planFilesFrom(
    [
      change('', IN.Q_OVERFLOW, 'modified', true),
      change('a/linked', IN.ATTRIB, 'modified'),
      change('b/linked', IN.ATTRIB, 'modified'),
      change('single', IN.ATTRIB, 'modified'),
      change('gone', IN.DELETE, 'deleted'),
    ],
    (path) => links.get(path) ?? 1,
  );
  assert.deepEqual(plan, { full: true, runs: [{ kind: 'link', paths: ['a/linked', 'b/linked'], stage: 0 }], root: true });
});

test('list: NUL-terminated bytes; names starting with # or ; get ./ so rsync does not skip them', () => {
  const list = filesFromList(['a', '#x', ';y', 'b\nc', '\xff']);
  assert.deepEqual(list, Buffer.from('a\0./#x\0./;y\0b\nc\0\xff\0', 'latin1'));
});

test('real rsync: the three runs mirror odd names, deletions, same-size rewrites with restored mtime', async () => {
  // an rsync that cannot delete nested missing paths (bug #910) gets them deleted first, per parent
  const deleteMissing = (await probeDeleteMissingArgs('rsync')).works;
  const odd = ['#h', ';s', 'new\nline', '[x]*?\\', '-dash', ' sp ', 'x'.repeat(255)];
  withTrees(({ src, dst, lists }) => {
    for (const n of odd) writeFileSync(join(src.path, n), n);
    mkdirSync(join(src.path, 'dir/sub'), { recursive: true });
    writeFileSync(join(src.path, 'dir/sub/f'), 'f');
    writeWithOldMtime(join(src.path, 'same'), 'AAAA');
    execFileSync('rsync', ['-aH', `${src.path}/`, `${dst.path}/`]);
    // changes: rewrite keeping size and mtime, delete a file and a directory, a new directory
    writeWithOldMtime(join(src.path, 'same'), 'BBBB');
    rmSync(join(src.path, '#h'));
    rmSync(join(src.path, 'dir'), { recursive: true });
    mkdirSync(join(src.path, 'fresh/deep'), { recursive: true });
    writeFileSync(join(src.path, 'fresh/deep/z'), 'z');
    writeFileSync(join(src.path, 'new\nline'), 'changed');
    const plan = planFilesFrom([
      change('same', IN.CLOSE_WRITE, 'modified'),
      change('#h', IN.DELETE, 'deleted'),
      change('dir', IN.DELETE | IN.ISDIR, 'deleted', true),
      change('fresh', IN.CREATE | IN.ISDIR, 'created', true),
      change('new\nline', IN.CLOSE_WRITE, 'modified'),
    ]);
    const exclude = join(lists.path, 'exclude');
    writeFileSync(exclude, '');
    for (const run of plan.runs) {
      const listPath = join(lists.path, run.kind);
      let paths = run.paths;
      if (!deleteMissing) {
        const split = splitBySource(new SourceTree(src.path), paths);
        if (split.missing.length > 0) {
          const deletion = parentDeletion(split.missing);
          writeFileSync(listPath, deletion.list);
          writeFileSync(exclude + '.rules', deletion.rules);
          execFileSync('rsync', [...parentDeletionArgs(listPath, exclude + '.rules'), `${src.path}/`, `${dst.path}/`]);
        }
        paths = split.present;
      }
      writeFileSync(listPath, filesFromList(paths));
      execFileSync('rsync', [...filesFromArgs(run.kind, listPath, exclude, deleteMissing), `${src.path}/`, `${dst.path}/`]);
    }
    assert.deepEqual(diffTrees(src.path, dst.path), []);
    assert.equal(readFileSync(join(dst.path, 'same'), 'utf8'), 'BBBB');
    assert.equal(statSync(join(dst.path, 'same')).mtimeMs, 1_000_000_000);
  });
});

test('plan: files written in a renamed or replaced directory get a content run after the recursive one', () => {
  const plan = planFilesFrom([
    change('old/f', IN.CLOSE_WRITE, 'modified'),
    change('old', IN.MOVED_FROM | IN.ISDIR, 'deleted'),
    { ...change('new', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'old' },
    change('new/g', IN.CLOSE_WRITE, 'modified'),
    change('again', IN.DELETE | IN.CREATE | IN.ISDIR, 'modified', true),
    change('again/h', IN.CLOSE_WRITE, 'created'),
    change('fresh', IN.CREATE | IN.ISDIR, 'created', true),
    change('fresh/i', IN.CLOSE_WRITE, 'created'),
  ]);
  assert.deepEqual(plan.runs, [
    { kind: 'plain', paths: ['old'], stage: 0 },
    { kind: 'recursive', paths: ['new', 'again', 'fresh'], stage: 3 },
    { kind: 'content', paths: ['new/f', 'new/g', 'again/h'], stage: 5 },
  ]);
});

test('plan: written files follow chains of renames (a child renamed, then its parent)', () => {
  const plan = planFilesFrom([
    change('top/yi/f', IN.CLOSE_WRITE, 'modified'),
    { ...change('top/bn', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'top/yi' },
    { ...change('dash', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'top' },
  ]);
  assert.deepEqual(plan.runs.at(-1), { kind: 'content', paths: ['dash/bn/f'], stage: 5 });
});

test('plan + real rsync: files created while a sync ran are verified by checksum, same-size rewrites included', () => {
  const plan = planFilesFrom([
    { ...change('burst/a', IN.CREATE | IN.CLOSE_WRITE, 'created'), maybeAtDestination: true },
    { ...change('burst/b', IN.CREATE | IN.CLOSE_WRITE, 'created'), maybeAtDestination: true },
    change('quiet', IN.CREATE | IN.CLOSE_WRITE, 'created'),
    change('old', IN.CLOSE_WRITE, 'modified'),
  ]);
  assert.deepEqual(plan.runs, [
    { kind: 'content', paths: ['quiet', 'old'], stage: 3 },
    { kind: 'verify', paths: ['burst/a', 'burst/b'], stage: 3 },
  ]);
  withTrees(({ src, dst, lists }) => {
    mkdirSync(join(src.path, 'burst'));
    writeWithOldMtime(join(src.path, 'burst/a'), 'AAAA');
    writeFileSync(join(src.path, 'burst/b'), 'bbbb');
    execFileSync('rsync', ['-aH', `${src.path}/`, `${dst.path}/`]);
    // a copied by the earlier sync, then rewritten keeping size and mtime; b copied and unchanged
    writeWithOldMtime(join(src.path, 'burst/a'), 'ZZZZ');
    const listPath = join(lists.path, 'verify');
    writeFileSync(listPath, filesFromList(['burst/a', 'burst/b']));
    const out = execFileSync('rsync', [...filesFromArgs('verify', listPath, ''), '--out-format=%n', `${src.path}/`, `${dst.path}/`], {
      encoding: 'utf8',
    });
    assert.equal(readFileSync(join(dst.path, 'burst/a'), 'utf8'), 'ZZZZ');
    assert.deepEqual(out.split('\n').filter((l) => l.startsWith('burst/')), ['burst/a'], 'only the file that differs is sent');
  });
});

test('plan: hard-linked files below new or renamed directories are listed so their partners can join; others go in place first', () => {
  const links = new Map([
    ['new/link', 2],
    ['moved/old-link', 3],
    ['top-link', 2],
    ['chmodded', 2],
  ]);
  const plan = planFilesFrom(
    [
      change('new', IN.CREATE | IN.ISDIR, 'created', true),
      change('new/link', IN.CREATE, 'created'),
      change('new/plain', IN.CREATE | IN.CLOSE_WRITE, 'created'),
      { ...change('moved', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'was' },
      change('moved/old-link', IN.CLOSE_WRITE, 'modified'),
      change('top-link', IN.CREATE, 'created'),
      change('chmodded', IN.ATTRIB, 'modified'),
    ],
    (path) => links.get(path) ?? 1,
  );
  assert.deepEqual(plan.runs, [
    // other names of a group, in place before the recursive run: their partners may be in it too
    { kind: 'inplace', paths: ['top-link'], stage: 1 },
    { kind: 'link', paths: ['chmodded'], stage: 2 },
    { kind: 'recursive', paths: ['new', 'new/link', 'moved'], stage: 3 },
    { kind: 'inplace', paths: ['moved/old-link'], stage: 4 },
  ]);
});

test('plan: a hard-linked name written, come by a rename, or below a renamed directory is also written in place after the recursive run', () => {
  // fuzz seed 1607: written through q (same size, mtime restored), q renamed to w, o renamed to ds
  const links = new Map([
    ['fresh/cp-al', 2],
    ['fresh/moved-in', 2],
    ['fresh/written', 2],
    ['ds/w', 3],
    ['ds/new-link', 3],
  ]);
  const plan = planFilesFrom(
    [
      change('fresh', IN.CREATE | IN.ISDIR, 'created', true),
      change('fresh/cp-al', IN.CREATE, 'created'),
      change('fresh/moved-in', IN.MOVED_TO, 'created'),
      change('fresh/written', IN.CREATE | IN.MODIFY | IN.CLOSE_WRITE | IN.ATTRIB, 'created'),
      { ...change('ds', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'o' },
      change('o/q', IN.MODIFY | IN.CLOSE_WRITE | IN.ATTRIB | IN.MOVED_FROM, 'deleted'),
      change('o/w', IN.MOVED_TO, 'created'),
      change('o/new-link', IN.CREATE, 'created'),
    ],
    (path) => links.get(path) ?? 1,
  );
  assert.deepEqual(plan.runs, [
    { kind: 'recursive', paths: ['fresh', 'fresh/cp-al', 'fresh/moved-in', 'fresh/written', 'ds', 'ds/w', 'ds/new-link'], stage: 3 },
    // a new link in a new directory (cp -al) is not: a write through another name is that name's own change
    { kind: 'inplace', paths: ['fresh/moved-in', 'fresh/written', 'ds/w', 'ds/new-link'], stage: 4 },
    { kind: 'content', paths: ['ds/q'], stage: 5 },
  ]);
});

test('plan: a path two changes lead to is listed once in its run (fuzz seed 1853)', () => {
  // written under the renamed directory's old name, and again under its new name
  const plan = planFilesFrom(
    [
      { ...change('ds', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'o' },
      change('o/e', IN.MODIFY | IN.CLOSE_WRITE, 'modified'),
      change('ds/e', IN.MODIFY | IN.CLOSE_WRITE, 'modified'),
    ],
    (path) => (path === 'ds/e' ? 4 : 1),
  );
  assert.deepEqual(plan.runs, [
    { kind: 'recursive', paths: ['ds'], stage: 3 },
    { kind: 'inplace', paths: ['ds/e'], stage: 4 },
  ]);
});

test('plan + real rsync: a directory created while a sync ran is synced whole with --checksum, not sent twice', () => {
  const plan = planFilesFrom([
    { ...change('burst', IN.CREATE | IN.ISDIR, 'created', true), maybeAtDestination: true },
    { ...change('burst/a', IN.CREATE | IN.CLOSE_WRITE, 'created'), maybeAtDestination: true },
    { ...change('burst/sub/c', IN.CREATE | IN.CLOSE_WRITE, 'created'), maybeAtDestination: true },
    change('quiet', IN.CREATE | IN.ISDIR, 'created', true),
  ]);
  assert.deepEqual(plan.runs, [
    { kind: 'recursive', paths: ['quiet'], stage: 3 },
    { kind: 'recursive-verify', paths: ['burst'], stage: 3 },
  ]);
  withTrees(({ src, dst, lists }) => {
    mkdirSync(join(src.path, 'burst/sub'), { recursive: true });
    writeWithOldMtime(join(src.path, 'burst/a'), 'AAAA');
    writeFileSync(join(src.path, 'burst/b'), 'bbbb');
    execFileSync('rsync', ['-aH', `${src.path}/`, `${dst.path}/`]);
    // the earlier sync copied a before its last write (same size, same mtime) and b; c came later
    writeWithOldMtime(join(src.path, 'burst/a'), 'ZZZZ');
    writeFileSync(join(src.path, 'burst/sub/c'), 'c');
    const listPath = join(lists.path, 'recursive-verify');
    writeFileSync(listPath, filesFromList(['burst']));
    const out = execFileSync('rsync', [...filesFromArgs('recursive-verify', listPath, '/dev/null'), '--out-format=%n', `${src.path}/`, `${dst.path}/`], {
      encoding: 'utf8',
    });
    assert.deepEqual(diffTrees(src.path, dst.path), []);
    assert.deepEqual(
      out.split('\n').filter((l) => l.startsWith('burst/') && !l.endsWith('/')).sort(),
      ['burst/a', 'burst/sub/c'],
      'only the files that differ are sent',
    );
  });
});

test('plan: an exchanged directory is verified by checksum, also where a later rename of an ancestor put it', () => {
  const exchanged = (path: string, mask = IN.MOVED_TO | IN.ISDIR): FilesFromChange => ({ ...change(path, mask, 'modified', true), exchanged: true });
  const plan = planFilesFrom([exchanged('xa'), exchanged('xb'), change('other', IN.CREATE | IN.ISDIR, 'created', true)]);
  assert.deepEqual(
    plan.runs.map((r) => [r.kind, r.paths]),
    [
      ['recursive', ['other']],
      ['recursive-verify', ['xa', 'xb']],
    ],
  );
  // p/xa exchanged, then p renamed to q: q is synced with --checksum
  const renamed = planFilesFrom([
    exchanged('p/xa'),
    change('p', IN.MOVED_FROM | IN.ISDIR, 'deleted'),
    { ...change('q', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'p' },
  ]);
  assert.deepEqual(
    renamed.runs.filter((r) => r.kind.startsWith('recursive')).map((r) => [r.kind, r.paths]),
    [
      ['recursive', ['p/xa']],
      ['recursive-verify', ['q']],
    ],
  );
  // exchanged files are written: --ignore-times
  const files = planFilesFrom([{ ...change('f1', IN.MOVED_TO, 'modified'), exchanged: true }]);
  assert.deepEqual(files.runs.map((r) => [r.kind, r.paths]), [['content', ['f1']]]);
});

test('plan: an exchange replayed at the destination is trusted; files written below either name go under both', () => {
  const exchanged = (path: string): FilesFromChange => ({ ...change(path, IN.MOVED_TO | IN.ISDIR, 'modified', true), exchanged: true });
  const replayed = new Map([
    ['xa', 'q/xb'],
    ['q/xb', 'xa'],
  ]);
  const plan = planFilesFrom(
    [
      exchanged('xa'),
      exchanged('q/xb'),
      change('xa/in/f', IN.CLOSE_WRITE, 'modified'),
      change('q/xb/g', IN.CREATE, 'created'),
      { ...change('r', IN.MOVED_TO | IN.ISDIR, 'created', true), movedFrom: 'q' },
      change('q', IN.MOVED_FROM | IN.ISDIR, 'deleted'),
    ],
    () => 1,
    replayed,
  );
  const runs = Object.fromEntries(plan.runs.map((r) => [r.kind + r.stage, r.paths.sort()]));
  assert.deepEqual(runs, {
    plain0: ['q'],
    recursive3: ['q/xb', 'r', 'xa'],
    // q was renamed to r after the exchange: paths below q/xb follow the rename
    content5: ['r/xb/g', 'r/xb/in/f', 'xa/g', 'xa/in/f'],
  });
  // not replayed: verified
  const verified = planFilesFrom([exchanged('xa'), exchanged('xb')], () => 1);
  assert.deepEqual(verified.runs.map((r) => r.kind), ['recursive-verify']);
});
