/**
 * The differential harness in CI: a bounded number of seeds against the real
 * `clsync` (see runner.ts). Environment:
 *   CLSYNC_FUZZ_SEEDS    number of seeds (default 200)
 *   CLSYNC_FUZZ_FROM     first seed (default 1)
 *   CLSYNC_FUZZ_BUDGET_S stop starting seeds after this many seconds (default 240)
 *   CLSYNC_FUZZ_WITHOUT  comma list of activities to leave out (default: none)
 *   CLSYNC_FUZZ_KNOWN    seeds with a known, open, intermittent failure (default:
 *                        below); their failures are reported as todo, not hidden
 * A failure prints each failing seed with its shrunk operation log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './runner.js';
import { isActivity, type Activity } from './generator.js';

const seeds = Number(process.env.CLSYNC_FUZZ_SEEDS ?? 200);
const from = Number(process.env.CLSYNC_FUZZ_FROM ?? 1);
const budgetS = Number(process.env.CLSYNC_FUZZ_BUDGET_S ?? 240);
const without = (process.env.CLSYNC_FUZZ_WITHOUT ?? '').split(',').filter(Boolean);
/**
 * Open bugs found by this harness and not fixed yet, reported as todo with
 * their logs (none at the moment; 86 and 164 were directories left
 * unwatched when an ancestor was renamed under the walk, fixed).
 */
const known = new Set((process.env.CLSYNC_FUZZ_KNOWN ?? '').split(',').filter(Boolean).map(Number));

test(`differential fuzz: ${seeds} seeds from ${from} converge with zero differences`, { timeout: (budgetS + 600) * 1000 }, async (t) => {
  for (const a of without) assert.ok(isActivity(a), `CLSYNC_FUZZ_WITHOUT: unknown activity ${a}`);
  const lines: string[] = [];
  const report = await runFuzz({
    seeds: Array.from({ length: seeds }, (_, i) => from + i),
    timeBudgetMs: budgetS * 1000,
    without: without as Activity[],
    shrinkFailures: 2,
    shrinkBudgetMs: 90_000,
    log: (line) => {
      lines.push(line);
      console.log(line);
    },
  });
  console.log(
    `fuzz: ${report.seedsRun} seeds, ${report.opsRun} ops in ${(report.ms / 1000).toFixed(1)} s, slowest convergence ${report.maxSettleMs} ms`,
  );
  assert.equal(report.invalidOps, 0, 'the generator produced operations that failed to apply');
  assert.deepEqual(report.batchDiffs, [], 'whole-tree comparison found differences');
  const knownFailures = report.failures.filter((f) => known.has(f.seed));
  for (const f of knownFailures) t.todo(`seed ${f.seed}: known intermittent failure (see CLSYNC_FUZZ_KNOWN)\n${f.report}`);
  const failures = report.failures.filter((f) => !known.has(f.seed));
  assert.deepEqual(
    failures.map((f) => f.seed),
    [],
    failures.map((f) => f.report).join('\n\n'),
  );
  assert.ok(report.seedsRun >= Math.min(seeds, 20), `only ${report.seedsRun} seeds ran in the time budget`);
});
