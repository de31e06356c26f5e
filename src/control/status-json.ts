/**
 * `--status-file-format json`: the status file as a JSON report instead of
 * the C tool's one word (which `text`, the default, keeps): the state, as
 * the word would say it, plus iteration, pause and standby, the queue per
 * delay class with the queued paths (up to QUEUED_PATHS_MAX, as lsyncd's
 * status file lists its delays), the watch count and the last sync.
 * Written atomically (never through a planted symlink, readers see a whole
 * report) on every state change and sync end, at most once a second.
 */
import { log } from '../log.js';
import { replaceAtomically } from '../safe-files.js';
import type { Daemon } from '../daemon.js';
import { syncReport, destinationReport } from './control.js';

/** Queued paths listed in the report; a longer queue is counted, not listed. */
export const QUEUED_PATHS_MAX = 100;

/** Writes are coalesced to one a second: a busy mirror ends many syncs a second. */
const MIN_INTERVAL_MS = 1000;

/** Status and pid files can be read by anyone, as the C clsync's are. */
const PUBLIC_FILE_MODE = 0o644;

/** The report's text. */
export function statusJson(daemon: Daemon): string {
  const facts = daemon.facts();
  const total = facts.queue.normal + facts.queue.bigfile;
  const queued = total <= QUEUED_PATHS_MAX
    ? daemon.queued().map((e) => ({ path: Buffer.from(e.path, 'latin1').toString('utf8'), queue: e.queue, state: e.state, recursive: e.recursive }))
    : undefined;
  return JSON.stringify({
    status: facts.status,
    label: daemon.currentSettings.label,
    pid: process.pid,
    updated: new Date().toISOString(),
    iteration: facts.iteration,
    paused: facts.paused,
    standby: facts.standby,
    queue: { ...facts.queue, ...(queued ? { paths: queued } : {}) },
    watchedDirs: facts.watchedDirs ?? null,
    lastSync: facts.lastSync ? syncReport(facts.lastSync) : null,
    destinations: facts.destinations.map(destinationReport),
  }, null, 2) + '\n';
}

/** Keeps the JSON status file current. */
export class JsonStatusFile {
  private daemon: Daemon | undefined;
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  private failedOnce = false;

  constructor(private readonly path: string) {}

  attach(daemon: Daemon): void {
    this.daemon = daemon;
  }

  /** Something changed: write now, or within a second. `now`: at once (state changes, the end). */
  changed(now = false): void {
    if (!this.daemon) return;
    const wait = this.lastWrite + MIN_INTERVAL_MS - Date.now();
    if (now || wait <= 0) {
      this.write();
      return;
    }
    this.timer ??= setTimeout(() => this.write(), wait);
    this.timer.unref();
  }

  private write(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastWrite = Date.now();
    try {
      replaceAtomically(this.path, statusJson(this.daemon!), PUBLIC_FILE_MODE);
    } catch (err) {
      if (!this.failedOnce) log.warn(`--status-file ${this.path}: cannot write: ${(err as Error).message}`);
      this.failedOnce = true;
    }
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
