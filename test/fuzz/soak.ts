/**
 * The soak run of the differential harness (`npm run soak`):
 *
 *   node dist/test/fuzz/soak.js --seeds 2000 [--from 1] [--activities 40]
 *        [--batch 50] [--settle-ms 5000] [--without samesize,hardlink]
 *        [--plain-names] [--shrink 3] [--out DIR]
 *   node dist/test/fuzz/soak.js --seed 17          one seed, alone, shrunk if it fails
 *   node dist/test/fuzz/soak.js --replay log.json  a printed JSON log, alone
 *
 * Exit code 0 when every seed converged, 1 otherwise.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFuzz, runAlone, investigate } from './runner.js';
import { generateOps, isActivity, type Activity } from './generator.js';
import { parseOps, opsToShellScript } from './ops.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '2000' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    replay: { type: 'string' },
    activities: { type: 'string', default: '40' },
    batch: { type: 'string', default: '50' },
    'settle-ms': { type: 'string', default: '5000' },
    without: { type: 'string', default: '' },
    'plain-names': { type: 'boolean', default: false },
    shrink: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});

const num = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name}: not a non-negative integer: ${text}`);
    process.exit(2);
  }
  return n;
};
const without: Activity[] = [];
for (const a of values.without.split(',').filter(Boolean)) {
  if (!isActivity(a)) {
    console.error(`--without: unknown activity "${a}"`);
    process.exit(2);
  }
  without.push(a);
}
const activities = num('activities', values.activities);
const settleMs = num('settle-ms', values['settle-ms']);
const log = (line: string): void => console.log(line);

async function main(): Promise<number> {
  if (values.replay) {
    const ops = parseOps(readFileSync(values.replay, 'utf8'));
    console.log(opsToShellScript(ops));
    const r = await runAlone(ops, settleMs);
    console.log(r.diffs.length === 0 ? 'converged' : `differences:\n${r.diffs.join('\n')}\n--- clsync log:\n${r.log}`);
    return r.diffs.length === 0 ? 0 : 1;
  }
  if (values.seed !== undefined) {
    const seed = num('seed', values.seed);
    const ops = generateOps(seed, { activities, without, plainNames: values['plain-names'] });
    const r = await runAlone(ops, settleMs);
    if (r.diffs.length === 0) {
      console.log(`seed ${seed}: converged (${ops.length} ops)`);
      return 0;
    }
    const f = await investigate(seed, ops, r.diffs, r.kinds, { settleMs, shrink: num('shrink', values.shrink) > 0, shrinkBudgetMs: 300_000, log });
    console.log(f.report);
    return 1;
  }
  const from = num('from', values.from);
  const count = num('seeds', values.seeds);
  const seeds = Array.from({ length: count }, (_, i) => from + i);
  let lastProgress = Date.now();
  const report = await runFuzz({
    seeds,
    activities,
    batchSize: num('batch', values.batch),
    settleMs,
    without,
    plainNames: values['plain-names'],
    shrinkFailures: num('shrink', values.shrink),
    shrinkBudgetMs: 180_000,
    log: (line) => {
      log(line);
      lastProgress = Date.now();
    },
  });
  void lastProgress;
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    for (const f of report.failures) writeFileSync(join(values.out, `seed-${f.seed}.txt`), f.report + '\n');
  }
  const failed = report.failures.map((f) => `${f.seed}${f.confirmed ? '' : '?'}`);
  console.log(
    `soak: ${report.seedsRun} seeds, ${report.opsRun} ops in ${(report.ms / 1000).toFixed(1)} s; ` +
      `slowest convergence ${report.maxSettleMs} ms; ${report.failures.length} failing seeds${failed.length ? ` (${failed.join(', ')}; ? = not reproduced alone)` : ''}; ` +
      `${report.batchDiffs.length} late differences; ${report.invalidOps} invalid ops; ${report.hungRuns} rsync runs killed as hung`,
  );
  return report.failures.length === 0 && report.batchDiffs.length === 0 && report.invalidOps === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
