/**
 * Load: a burst of 200,000 file creations while the daemon runs converges
 * with nothing lost. A slower test (tens of seconds), bounded at 60 s for the
 * convergence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';
import { waitFor } from '../helpers/tree.js';

const DIRS = 200;
const PER_DIR = 1000; // 200 × 1000 = 200k files
/** tmpfs when there is one: the test measures the daemon, not the disk (200k creations on a busy disk take minutes) */
const PARENT = existsSync('/dev/shm') ? '/dev/shm' : undefined;

function countFiles(root: string): number {
  let n = 0;
  for (const d of readdirSync(root)) n += readdirSync(join(root, d)).length;
  return n;
}

test('burst of 200k file creations while running: every file arrives', { timeout: 180_000 }, async () => {
  await withMirror(async (m) => {
    const started = Date.now();
    const root = join(m.src, 'burst');
    mkdirSync(root);
    for (let d = 0; d < DIRS; d++) {
      const dir = join(root, `d${d}`);
      mkdirSync(dir);
      for (let f = 0; f < PER_DIR; f++) writeFileSync(join(dir, `f${f}`), '');
    }
    const created = Date.now();
    const dstRoot = join(m.dst, 'burst');
    const ok = await waitFor(() => {
      try {
        return countFiles(dstRoot) === DIRS * PER_DIR;
      } catch {
        return false;
      }
    }, 60_000, 500);
    const converged = Date.now();
    console.log(`burst: created ${DIRS * PER_DIR} files in ${created - started} ms; destination complete ${converged - created} ms later`);
    assert.ok(ok, `only ${(() => { try { return countFiles(dstRoot); } catch { return 0; } })()} of ${DIRS * PER_DIR} files arrived within 60 s\n${m.run.output().slice(-2000)}`);
    await m.converge('full comparison', 30_000);
  }, { parentDir: PARENT });
});
