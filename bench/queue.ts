/**
 * Micro-benchmark of the hot path after the monitor: 1M synthetic events over
 * 100k paths through EventQueue.add then take, include-list building for
 * 100k changes, and the files-from planner for a churn-like batch (5,000
 * directory renames and 20,000 written files). Run: node dist/bench/queue.js
 */
import { IN } from '../src/types.js';
import { EventQueue } from '../src/queue/index.js';
import { buildIncludeLists, planFilesFrom, type FilesFromChange } from '../src/rsync/index.js';

const EVENTS = 1_000_000;
const PATHS = 100_000;

// Paths shaped like a real tree: 1000 dirs of 100 files, two levels deep.
const paths: string[] = [];
for (let i = 0; i < PATHS; i++) paths.push(`dir${i % 100}/sub${Math.floor(i / 100) % 10}/file-${i}.dat`);
const masks = [IN.CREATE, IN.MODIFY, IN.CLOSE_WRITE, IN.ATTRIB, IN.DELETE, IN.MOVED_TO];

const queue = new EventQueue({ delayCollectMs: 30_000, delayCollectBigfileMs: 1_800_000, thresholdBigfile: 128 << 20 }, () => 0);
let t0 = process.hrtime.bigint();
for (let i = 0; i < EVENTS; i++) {
  queue.add({ path: paths[(i * 7919) % PATHS], mask: masks[i % masks.length], recursive: false }, 4096, false);
}
const addMs = Number(process.hrtime.bigint() - t0) / 1e6;
t0 = process.hrtime.bigint();
const changes = queue.take(0, true);
const takeMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`EventQueue.add: ${EVENTS} events over ${PATHS} paths in ${addMs.toFixed(0)} ms = ${Math.round(EVENTS / (addMs / 1000)).toLocaleString('en')} events/s`);
console.log(`EventQueue.take: ${changes.length} changes in ${takeMs.toFixed(1)} ms`);

const listChanges = paths.map((path) => ({ path, recursive: false, state: 'modified' as const }));
t0 = process.hrtime.bigint();
const lists = buildIncludeLists(listChanges, { separator: 'nul', limit: 20000 });
const listMs = Number(process.hrtime.bigint() - t0) / 1e6;
const bytes = lists.reduce((n, b) => n + b.length, 0);
console.log(`buildIncludeLists: ${listChanges.length} changes → ${lists.length} lists, ${bytes} bytes in ${listMs.toFixed(0)} ms`);
t0 = process.hrtime.bigint();
const one = buildIncludeLists(listChanges, { separator: 'nul' });
console.log(`buildIncludeLists (no limit): ${one[0].length} bytes in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);

// A churn-like batch: every written file sits below some renamed directory's old or new path.
const batch: FilesFromChange[] = [];
for (let i = 0; i < 5000; i++) {
  batch.push({ path: `r${i}`, mask: IN.MOVED_TO | IN.ISDIR, recursive: true, state: 'created', movedFrom: `d${i}` });
}
for (let i = 0; i < 20000; i++) {
  batch.push({ path: `d${i % 5000}/sub/f${i}`, mask: IN.CLOSE_WRITE, recursive: false, state: 'modified' });
}
t0 = process.hrtime.bigint();
const plan = planFilesFrom(batch);
console.log(
  `planFilesFrom: ${batch.length} changes (5000 directory renames) → ${plan.runs.map((r) => `${r.kind} ${r.paths.length}`).join(', ')} in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`,
);
