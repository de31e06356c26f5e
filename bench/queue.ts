/**
 * Micro-benchmark of the hot path after the monitor: 1M synthetic events over
 * 100k paths through EventQueue.add then take, and include-list building for
 * 100k changes. Run: node dist/bench/queue.js
 */
import { IN } from '../src/types.js';
import { EventQueue } from '../src/queue/index.js';
import { buildIncludeLists } from '../src/rsync/index.js';

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
