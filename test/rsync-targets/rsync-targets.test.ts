/**
 * The suite's rsync-sensitive tests once more with each extra rsync that
 * test/rsync-targets/fetch.sh unpacked (today Debian 12's main-archive
 * 3.2.7, whose --delete-missing-args fails below the top level), first on
 * PATH: the daemon probes the rsync it runs and must pick a way to delete
 * that works there. Without any target unpacked the test says so and skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/rsync-targets
const repo = path.resolve(here, '../../..');
const targetsDir = path.join(repo, 'test/rsync-targets');

/** The test files (compiled) that depend most on how rsync deletes, links and races. */
const FILES = [
  'rsync/files-from.test.js',
  'rsync/real-rsync.test.js',
  'e2e/mirror.test.js',
  'e2e/hostile-moves.test.js',
  'e2e/hostile-races.test.js',
  'e2e/hostile-hardlinks.test.js',
];

/** Fuzzer seeds per target: a sample, the full runs are the soak's. */
const FUZZ_SEEDS = '40';

const targets = fs.existsSync(targetsDir)
  ? fs.readdirSync(targetsDir).filter((v) => fs.existsSync(path.join(targetsDir, v, 'rsync')))
  : [];

if (targets.length === 0) {
  test('extra rsync targets', (t) => t.skip('none unpacked: run bash test/rsync-targets/fetch.sh (.ci/run does)'));
}

for (const version of targets) {
  test(`rsync ${version}: deletion, hard-link and race tests, and ${FUZZ_SEEDS} fuzz seeds`, { timeout: 30 * 60_000 }, () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(targetsDir, version)}:${process.env.PATH}` };
    delete env.NODE_TEST_CONTEXT; // a runner of its own, not a subprocess of ours
    const seen = spawnSync('rsync', ['--version'], { env, encoding: 'utf8' });
    assert.match(seen.stdout, /rsync\s+version/, 'the target rsync runs');
    const files = FILES.map((f) => path.join(repo, 'dist/test', f)).filter((f) => fs.existsSync(f));
    const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=dot', ...files], {
      env, encoding: 'utf8', cwd: repo, maxBuffer: 64 << 20,
    });
    const fuzz = spawnSync(process.execPath, ['--test', '--test-reporter=dot', path.join(repo, 'dist/test/fuzz/fuzz.test.js')], {
      env: { ...env, CLSYNC_FUZZ_SEEDS: FUZZ_SEEDS, CLSYNC_FUZZ_FROM: '1001' }, encoding: 'utf8', cwd: repo, maxBuffer: 64 << 20,
    });
    const tail = (s: string): string => s.split('\n').slice(-80).join('\n');
    assert.equal(run.status, 0, `tests with rsync ${version} failed:\n${tail(run.stdout + run.stderr)}`);
    assert.equal(fuzz.status, 0, `fuzz seeds with rsync ${version} failed:\n${tail(fuzz.stdout + fuzz.stderr)}`);
  });
}
