/**
 * Per-parent deletion runs (src/rsync/delete-parents.ts) against the real
 * rsync on PATH: only the deleted names go, at any depth and with any name;
 * nothing else in their parents is sent or deleted; a symlink that rsync
 * mirrored to the destination is never followed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentDeletion, parentDeletionArgs } from '../../src/rsync/delete-parents.js';
import { fullSnapshot, diffSnapshots } from '../helpers/compare.js';
import { tempDir } from '../helpers/tree.js';

/** A byte-string path under `root` as bytes. */
const at = (root: string, rel: string): Buffer => Buffer.concat([Buffer.from(root + '/'), Buffer.from(rel, 'latin1')]);

/** Odd names (byte strings): newline, invalid UTF-8, leading '-', rule syntax, wildcards, comment marks. */
const ODD = ['new\nline', '\xff\xfe', '-dash', '+ plus', '- minus', '[x]*?\\', '#hash', ';semi', ' sp '];

function runDeletion(src: string, dst: string, work: string, names: string[]): void {
  const run = parentDeletion(names);
  const list = join(work, 'list');
  const rules = join(work, 'rules');
  writeFileSync(list, run.list);
  writeFileSync(rules, run.rules);
  execFileSync('rsync', [...parentDeletionArgs(list, rules), `${src}/`, `${dst}/`], { stdio: 'pipe' });
}

test('per-parent deletion: only the deleted names go, at every depth and with odd names', () => {
  const base = tempDir();
  try {
    const src = join(base.path, 'src');
    const dst = join(base.path, 'dst');
    const dirs = ['', 'a', 'a/b', 'a/b/c/d/e', '[w]*', 'new\nline-dir', '\xff-dir'];
    const deleted: string[] = [];
    for (const root of [src, dst]) {
      for (const dir of dirs) {
        mkdirSync(at(root, dir), { recursive: true });
        writeFileSync(at(root, dir ? dir + '/keep' : 'keep'), 'keep');
      }
    }
    for (const dir of dirs) {
      for (const name of ODD) {
        const rel = dir ? `${dir}/${name}` : name;
        writeFileSync(at(dst, rel), 'gone');
        deleted.push(rel);
      }
      const sub = dir ? `${dir}/gone-dir` : 'gone-dir';
      mkdirSync(at(dst, sub + '/inner'), { recursive: true });
      writeFileSync(at(dst, sub + '/inner/f'), 'gone');
      deleted.push(sub);
      // extraneous at the destination but not deleted at the source: must stay
      writeFileSync(at(dst, dir ? `${dir}/not-mine` : 'not-mine'), 'stays');
    }
    // new at the source but not part of this run: must not be sent
    writeFileSync(at(src, 'a/b/not-sent'), 'later');
    runDeletion(src, dst, base.path, deleted);
    const left = [...fullSnapshot(dst).keys()].sort();
    const expected = ['', ...dirs.filter((d) => d !== '')]
      .flatMap((d) => [d, d ? `${d}/keep` : 'keep', d ? `${d}/not-mine` : 'not-mine'])
      .concat(['a/b/c', 'a/b/c/d'])
      .filter((p, i, all) => all.indexOf(p) === i)
      .sort();
    assert.deepEqual(left, expected);
  } finally {
    base.remove();
  }
});

test('per-parent deletion: a destination symlink in place of a parent is replaced, its target left alone', () => {
  const base = tempDir();
  try {
    const src = join(base.path, 'src');
    const dst = join(base.path, 'dst');
    const victim = join(base.path, 'victim');
    mkdirSync(join(src, 'L'), { recursive: true });
    mkdirSync(dst);
    mkdirSync(join(victim, 'x'), { recursive: true });
    writeFileSync(join(victim, 'x', 'f'), 'v');
    writeFileSync(join(victim, 'keep'), 'k');
    symlinkSync(victim, join(dst, 'L'));
    const before = fullSnapshot(victim);
    runDeletion(src, dst, base.path, ['L/x', 'L/keep']);
    assert.deepEqual(diffSnapshots(before, fullSnapshot(victim)), []);
  } finally {
    base.remove();
  }
});
