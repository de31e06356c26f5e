/**
 * Marking benchmark: generate a tree on tmpfs (10 files and up to 10
 * subdirectories per directory), mark it with the inotify monitor, print
 * wall time, process CPU, directories, watches and RSS.
 *
 *   node dist/bench/mark.js --files 100000 [--no-linked]
 *
 * Hard-linked files are looked for (one lstat per regular file), as the
 * daemon does with its default rsync arguments; --no-linked leaves that out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMonitor } from '../src/monitor/monitor.js';
import { WalkDecision } from '../src/types.js';

const FILES_PER_DIR = 10;
const SUBDIRS_PER_DIR = 10;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Breadth-first generation so the tree is bushy (depth ~log10(dirs)). */
function generate(root: string, files: number): number {
  const dirsNeeded = Math.ceil(files / FILES_PER_DIR);
  const queue = [root];
  let made = 1;
  for (let q = 0; q < queue.length; q++) {
    const d = queue[q];
    for (let f = 0; f < FILES_PER_DIR; f++) fs.writeFileSync(path.join(d, `f${f}`), '');
    for (let s = 0; s < SUBDIRS_PER_DIR && made < dirsNeeded; s++, made++) {
      const sub = path.join(d, `d${s}`);
      fs.mkdirSync(sub);
      queue.push(sub);
    }
  }
  return queue.length;
}

async function main(): Promise<void> {
  const files = arg('--files', 100000);
  const base = fs.existsSync('/dev/shm') ? '/dev/shm' : '/tmp';
  const root = fs.mkdtempSync(path.join(base, 'clsync-bench-'));
  try {
    const made = generate(root, files);
    const monitor = createMonitor('inotify', {
      watchDir: root,
      oneFileSystem: false,
      reportFiles: false,
      reportLinked: !process.argv.includes('--no-linked'),
      filter: () => WalkDecision.WALK | WalkDecision.MONITOR,
      onEvents: () => undefined,
      onWarning: (m) => console.error('warning:', m),
      onFatal: (e) => console.error('fatal:', e.message),
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const stats = await monitor.start();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const rss = process.memoryUsage().rss;
    console.log(
      `files=${files} dirsGenerated=${made} dirs=${stats.dirs} files=${stats.files} watches=${stats.watches} ` +
        `errors=${stats.errors} wallMs=${wall.toFixed(0)} cpuMs=${((cpu.user + cpu.system) / 1000).toFixed(0)} ` +
        `(user ${(cpu.user / 1000).toFixed(0)}, sys ${(cpu.system / 1000).toFixed(0)}) rssMB=${(rss / 1048576).toFixed(1)}`,
    );
    const c0 = performance.now();
    await monitor.close();
    console.log(`closeMs=${(performance.now() - c0).toFixed(0)}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
