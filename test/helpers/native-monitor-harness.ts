/** Test harness: a real inotify monitor on a temporary directory, collecting what it reports. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalkDecision, type FsEvent, type WalkFilter } from '../../src/types.js';
import { InotifyMonitor } from '../../src/monitor/inotify.js';
import type { MarkStats } from '../../src/monitor/monitor.js';

export interface Harness {
  dir: string;
  monitor: InotifyMonitor;
  stats: MarkStats;
  events: FsEvent[];
  batches: number;
  warnings: string[];
  fatals: Error[];
  /** absolute path (as bytes) of a byte-string path relative to the watch dir */
  abs(rel: string): Buffer;
  /** resolve once `pred` holds on the events seen so far; reject after `ms` */
  waitFor(pred: (events: FsEvent[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Everything is walked and monitored. */
export const acceptAll: WalkFilter = () => WalkDecision.WALK | WalkDecision.MONITOR;

/** Make a temp dir, let `setup` fill it, start a monitor on it. */
export async function startHarness(
  opts: { filter?: WalkFilter; setup?: (dir: string) => void; oneFileSystem?: boolean; exitOnWatchLimit?: boolean } = {},
): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
  opts.setup?.(dir);
  const h = {
    dir,
    events: [] as FsEvent[],
    batches: 0,
    warnings: [] as string[],
    fatals: [] as Error[],
  } as Harness;
  h.monitor = new InotifyMonitor({
    watchDir: dir,
    oneFileSystem: opts.oneFileSystem ?? false,
    filter: opts.filter ?? acceptAll,
    reportFiles: false,
    onEvents: (batch) => {
      h.batches++;
      h.events.push(...batch);
    },
    onWarning: (m) => h.warnings.push(m),
    onFatal: (e) => h.fatals.push(e),
    exitOnWatchLimit: opts.exitOnWatchLimit,
  });
  h.abs = (rel) => Buffer.concat([Buffer.from(dir + '/'), Buffer.from(rel, 'latin1')]);
  h.waitFor = async (pred, ms = 3000) => {
    const until = Date.now() + ms;
    while (!pred(h.events)) {
      if (Date.now() > until) throw new Error(`timed out; events: ${JSON.stringify(h.events.map((e) => [e.path, e.mask.toString(16), e.recursive]))}`);
      await sleep(5);
    }
  };
  h.close = async () => {
    await h.monitor.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    h.stats = await h.monitor.start();
  } catch (e) {
    await h.close();
    throw e;
  }
  return h;
}

/** Wait `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Does an event with this path carry all bits of `mask`? */
export function has(events: FsEvent[], p: string, mask: number, recursive?: boolean): boolean {
  return events.some((e) => e.path === p && (e.mask & mask) === mask && (recursive === undefined || e.recursive === recursive));
}
