/**
 * The CI's matrix entry for least privilege, inside `npm test`: the mirror,
 * hostile and fuzz suites once more with every daemon under
 * --secure-splitting (test/helpers/clsync.ts, CLSYNC_TEST_SPLIT=1): as
 * nobody, handlers started by the privileged helper with checked argument
 * vectors, seccomp on, devices forbidden. Needs root (the relaunch drops
 * rights); elsewhere it says so and skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/security
const repo = path.resolve(here, '../../..');
const e2e = path.join(repo, 'dist/test/e2e');
const FILES = [
  path.join(e2e, 'mirror.test.js'),
  ...fs.readdirSync(e2e).filter((f) => /^hostile-.*\.test\.js$/.test(f)).sort().map((f) => path.join(e2e, f)),
  path.join(repo, 'dist/test/fuzz/fuzz.test.js'),
];

test('--secure-splitting: the mirror, hostile and fuzz suites', { skip: process.getuid?.() !== 0 && 'needs root', timeout: 30 * 60_000 }, () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLSYNC_TEST_SPLIT: '1' };
  delete env.NODE_TEST_CONTEXT; // a runner of its own, not a subprocess of ours
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=dot', ...FILES], {
    env, encoding: 'utf8', cwd: repo, maxBuffer: 64 << 20,
  });
  const tail = (s: string): string => s.split('\n').slice(-80).join('\n');
  assert.equal(run.status, 0, `tests under --secure-splitting failed:\n${tail(run.stdout + run.stderr)}`);
});
