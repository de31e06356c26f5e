/**
 * Pins what the rsync on PATH does with a `--files-from` path below a
 * directory that the destination has as a symlink (one rsync mirrored from
 * a hostile source). The daemon relies on it: a listed `L/x` never writes
 * or deletes through `dst/L`. Measured: 3.5.0 and 3.2.7 replace the link by
 * a directory when `src/L` is one; with `src/L` missing, 3.5.0 refuses
 * ("parent dir is absent", exit 24), while 3.2.7 with
 * `--delete-missing-args` deletes `L/x` THROUGH the link (exit 24) — which
 * is why the daemon never lists missing paths to an rsync that fails its
 * probe (src/handlers/deletions.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesFromArgs } from '../../src/rsync/files-from-run.js';
import { probeDeleteMissingArgs } from '../../src/rsync/probe.js';
import { fullSnapshot, diffSnapshots } from '../helpers/compare.js';
import { tempDir } from '../helpers/tree.js';

interface Setup {
  src: string;
  dst: string;
  victim: string;
  list: string;
  exclude: string;
}

function withLinkedDestination(body: (s: Setup) => void): void {
  const base = tempDir();
  try {
    const s: Setup = {
      src: join(base.path, 'src'),
      dst: join(base.path, 'dst'),
      victim: join(base.path, 'victim'),
      list: join(base.path, 'list'),
      exclude: join(base.path, 'exclude'),
    };
    mkdirSync(s.src);
    mkdirSync(s.dst);
    mkdirSync(join(s.victim, 'x'), { recursive: true });
    writeFileSync(join(s.victim, 'x', 'f'), 'victim data');
    symlinkSync(s.victim, join(s.dst, 'L'));
    writeFileSync(s.list, 'L/x\0');
    writeFileSync(s.exclude, '');
    body(s);
  } finally {
    base.remove();
  }
}

function rsync(s: Setup, args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync('rsync', [...args, `${s.src}/`, `${s.dst}/`], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

test('rsync replaces a destination symlink by the source directory and leaves its target alone', () => {
  for (const deleteMissing of [true, false]) {
    withLinkedDestination((s) => {
      mkdirSync(join(s.src, 'L', 'x'), { recursive: true });
      writeFileSync(join(s.src, 'L', 'x', 'g'), 'new');
      const before = fullSnapshot(s.victim);
      const r = rsync(s, filesFromArgs('plain', s.list, s.exclude, deleteMissing));
      assert.equal(r.code, 0, r.stderr);
      assert.ok(lstatSync(join(s.dst, 'L')).isDirectory(), 'dst/L should now be a directory');
      assert.deepEqual(diffSnapshots(before, fullSnapshot(s.victim)), []);
    });
  }
});

test('rsync refuses a listed path whose parent is missing at the source (exit 24), without --delete-missing-args', () => {
  withLinkedDestination((s) => {
    const before = fullSnapshot(s.victim);
    const r = rsync(s, filesFromArgs('plain', s.list, s.exclude, false));
    assert.ok(r.code === 23 || r.code === 24, `exit ${r.code}: ${r.stderr}`);
    assert.deepEqual(diffSnapshots(before, fullSnapshot(s.victim)), []);
  });
});

test('with --delete-missing-args a missing parent is refused only by an rsync that passes the probe', async () => {
  const probe = await probeDeleteMissingArgs('rsync');
  withLinkedDestination((s) => {
    const before = fullSnapshot(s.victim);
    const r = rsync(s, filesFromArgs('plain', s.list, s.exclude, true));
    const changed = diffSnapshots(before, fullSnapshot(s.victim));
    if (probe.works) {
      assert.equal(r.code, 24, r.stderr);
      assert.match(r.stderr, /parent dir is absent/);
      assert.deepEqual(changed, []);
    } else {
      // 3.2.7: deletes through the link. Pinned so that a change of rsync's behaviour is seen.
      assert.ok(r.code === 24 || r.code === 2, `exit ${r.code}: ${r.stderr}`);
      assert.ok(changed.length > 0 || r.code === 2, 'rsync 3.2.7 was seen deleting through the link');
    }
  });
});
