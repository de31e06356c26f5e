/**
 * Micro-benchmark of the inotify reader thread (native/inotify_reader.c):
 * a child process creates, writes and closes files in a watched directory
 * as fast as it can, or at a steady rate; this process only counts the
 * records handed over. Prints the reader thread's and the JS thread's CPU
 * and the number of hand-overs (each is a thread wake-up and a JS call).
 *
 *   node dist/bench/reader.js [--files 20000] [--rate 0 (as fast as possible) | files per second]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { native } from '../src/native.js';
import { WATCH_MASK } from '../src/types.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '20000' }, rate: { type: 'string', default: '0' } } });
const files = Number(values.files);
const rate = Number(values.rate);

/** utime+stime in ms of one thread of this process. */
function threadCpuMs(tid: string): number {
  const fields = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
}
const tidNamed = (name: string): string =>
  readdirSync(`/proc/${process.pid}/task`).find((tid) => readFileSync(`/proc/${process.pid}/task/${tid}/comm`, 'utf8').trim() === name) ?? '';
const mainCpuMs = (): number => threadCpuMs(String(process.pid));

const dir = mkdtempSync(join(process.env.BENCH_TMP ?? '/dev/shm', 'clsync-reader-'));
let records = 0;
let handovers = 0;
const handle = native.inotifyOpen((buf) => {
  handovers++;
  for (let off = 0; off + 16 <= buf.length; off += 16 + buf.readUInt32LE(off + 12)) records++;
});
native.inotifyAddWatch(handle, Buffer.from(dir), WATCH_MASK);

const writer = `
const fs = require('fs'); const n = ${files}, rate = ${rate}, dir = ${JSON.stringify(dir)};
const t0 = Date.now();
for (let i = 0; i < n; i++) {
  fs.writeFileSync(dir + '/f' + i, 'x');
  if (rate > 0) { const due = t0 + (i * 1000) / rate; while (Date.now() < due) {} }
}`;
const readerTid = tidNamed('clsync-inotify');
const reader0 = threadCpuMs(readerTid);
const main0 = mainCpuMs();
const t0 = performance.now();
await new Promise<void>((resolve) => spawn(process.execPath, ['-e', writer], { stdio: 'inherit' }).on('exit', () => resolve()));
const expected = files * 3; // CREATE, MODIFY, CLOSE_WRITE
const deadline = Date.now() + 5000;
while (records < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
const wallMs = performance.now() - t0;
const readerMs = threadCpuMs(readerTid) - reader0;
const mainMs = mainCpuMs() - main0;
console.log(
  `${files} files (${rate > 0 ? `${rate}/s` : 'as fast as possible'}), ${records} records of ${expected} in ${wallMs.toFixed(0)} ms: ` +
    `${handovers} hand-overs (${(records / Math.max(1, handovers)).toFixed(0)} records each); ` +
    `reader thread ${readerMs} ms CPU, JS thread ${mainMs} ms CPU (±10 ms ticks); ` +
    `per 1000 files: reader ${((readerMs * 1000) / files).toFixed(1)} ms, JS ${((mainMs * 1000) / files).toFixed(1)} ms`,
);
await native.inotifyClose(handle);
rmSync(dir, { recursive: true, force: true });
