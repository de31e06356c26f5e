/**
 * What the control socket can ask of the daemon and tell about it, in one
 * place for both protocols: status, pause/resume (as the standby file),
 * resync (as USR2, or of one subtree), reload of the rules (as HUP), the
 * queue, SET, state dumps, DIE, and a stream of sync results.
 */
import { lstatSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { nativeString } from '../bytes.js';
import { VERSION } from '../options/index.js';
import { RuleAction } from '../rules/index.js';
import type { Daemon, LaneFacts, SyncResult } from '../daemon.js';
import type { QueuedEntry } from '../queue/index.js';
import type { RelPath } from '../types.js';
import { checkPrivateDir } from '../safe-files.js';
import { writeDump } from './dump.js';
import { ControlRequestError, OptionSetter, type SettingsLoader } from './set-option.js';

/** How long `rsync --version` may take for the status (it takes a few ms). */
const RSYNC_VERSION_TIMEOUT_MS = 5000;

/** Most queued entries one `dump` returns: a queue of millions must not become one huge reply. */
export const DUMP_LIMIT_MAX = 10_000;

/** A sync result as clients see it (JSON protocol, `clsync ctl watch`). */
export interface SyncReport {
  iteration: number;
  full: boolean;
  paths: number;
  /** ISO time the run started */
  at: string;
  durationMs: number;
  ok: boolean;
  error?: string;
}

/** The answer to `status`. */
export interface StatusReport {
  label: string;
  pid: number;
  version: string;
  /** the status word of --status-file (starting, initsync, running, …) */
  state: string;
  paused: boolean;
  /** --standby-file exists */
  standby: boolean;
  initialSyncDone: boolean;
  iteration: number;
  /** handler runs under way */
  running: number;
  /** queued paths per delay class */
  queue: { normal: number; bigfile: number };
  watchedDirs: number | null;
  lastSync: SyncReport | null;
  memory: { rssBytes: number; heapUsedBytes: number };
  uptimeSeconds: number;
  mode: string;
  rsync: { version: string | null; deletionStrategy: string | null };
  /** each destination (-D): health, backlog, lag (age of the oldest unsynced change), last error */
  destinations: DestinationReport[];
}

/** One destination as clients see it. */
export interface DestinationReport {
  destination: string;
  health: string;
  backlog: number;
  lagMs: number;
  lastError: string | null;
  lastSync: SyncReport | null;
}

/** A destination's facts as the socket and the JSON status file report them. */
export function destinationReport(f: LaneFacts): DestinationReport {
  return {
    destination: Buffer.from(f.destination, 'latin1').toString('utf8'),
    health: f.health,
    backlog: f.backlog,
    lagMs: f.lagMs,
    lastError: f.lastError ?? null,
    lastSync: f.lastSync ? syncReport(f.lastSync) : null,
  };
}

/** A queued entry as clients see it (paths as UTF-8 text, invalid bytes replaced). */
export interface QueueReport {
  total: number;
  entries: Array<{ path: string; queue: string; state: string; recursive: boolean }>;
}

/** Client-side text of a byte-string path. */
function textOf(path: RelPath): string {
  return Buffer.from(path, 'latin1').toString('utf8');
}

/** Report form of a SyncResult. */
export function syncReport(r: SyncResult): SyncReport {
  const out: SyncReport = { iteration: r.iteration, full: r.full, paths: r.paths, at: new Date(r.startedAt).toISOString(), durationMs: r.durationMs, ok: r.ok };
  if (r.error !== undefined) out.error = r.error;
  return out;
}

/** The daemon as the control socket drives it. */
export class DaemonControl {
  private readonly subscribers = new Set<(result: SyncReport) => void>();
  private readonly setter: OptionSetter;
  private rsyncVersion: Promise<string | null> | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly daemon: Daemon,
    load: SettingsLoader,
    private readonly onDie: () => void,
    /** pause, resume: the JSON status file shows them at once */
    private readonly onChange: () => void = () => {},
  ) {
    this.setter = new OptionSetter(daemon, load);
  }

  /** The daemon ended a handler run: tell the subscribers. */
  syncEnded(result: SyncResult): void {
    if (this.subscribers.size === 0) return;
    const report = syncReport(result);
    for (const s of this.subscribers) s(report);
  }

  /** Receive every sync result until the function returned is called. */
  subscribe(listener: (result: SyncReport) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  async status(): Promise<StatusReport> {
    const facts = this.daemon.facts();
    const settings = this.daemon.currentSettings;
    const memory = process.memoryUsage();
    return {
      label: settings.label,
      pid: process.pid,
      version: VERSION,
      state: facts.status,
      paused: facts.paused,
      standby: facts.standby,
      initialSyncDone: facts.initialSyncDone,
      iteration: facts.iteration,
      running: facts.running,
      queue: facts.queue,
      watchedDirs: facts.watchedDirs ?? null,
      lastSync: facts.lastSync ? syncReport(facts.lastSync) : null,
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      mode: String(settings.mode),
      rsync: { version: await this.rsyncVersionOnce(), deletionStrategy: facts.deletionStrategy ?? null },
      destinations: facts.destinations.map(destinationReport),
    };
  }

  /** `rsync --version`'s version, asked once of the handler program when it is an rsync (rsync modes). */
  private rsyncVersionOnce(): Promise<string | null> {
    const settings = this.daemon.currentSettings;
    const program = settings.syncHandler ? nativeString(settings.syncHandler) : undefined;
    if (!String(settings.mode).startsWith('rsync') || program === undefined || !/^rsync/.test(basename(program))) return Promise.resolve(null);
    this.rsyncVersion ??= new Promise((resolve) => {
      execFile(program, ['--version'], { timeout: RSYNC_VERSION_TIMEOUT_MS, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } }, (err, stdout) => {
        const m = /version\s+(\S+)(?:\s+protocol version\s+(\d+))?/.exec(String(stdout));
        resolve(err || !m ? null : m[2] ? `${m[1]} (protocol ${m[2]})` : m[1]!);
      });
    });
    return this.rsyncVersion;
  }

  pause(): void {
    this.daemon.setPaused(true);
    this.onChange();
  }

  resume(): void {
    this.daemon.setPaused(false);
    this.onChange();
  }

  /**
   * Resync the whole tree (no path, '' or '/'), or everything at and below
   * `path` (relative to the watch dir, or absolute inside it; bytes as a
   * latin1 string). Refused: a path outside the watch dir, with `..`, or
   * excluded from syncing by the rules.
   */
  resync(path = ''): void {
    const watchDir = this.daemon.currentSettings.watchDir!.replace(/\/+$/, '');
    let rel = path;
    if (rel.startsWith('/')) {
      if (rel === watchDir || rel === watchDir + '/') rel = '';
      else if (rel.startsWith(watchDir + '/')) rel = rel.slice(watchDir.length + 1);
      else if (/^\/+$/.test(rel)) rel = '';
      else throw new ControlRequestError(`resync: "${textOf(path)}" is not inside the watch dir ${textOf(watchDir)}`);
    }
    rel = rel.replace(/\/+/g, '/').replace(/^\/|\/$/g, '');
    if (rel.split('/').some((part) => part === '..' || part === '.')) {
      throw new ControlRequestError(`resync: "${textOf(path)}" has a "." or ".." part; give the path as it is below the watch dir`);
    }
    if (rel !== '') {
      const isDir = lstatSync(Buffer.from(`${watchDir}/${rel}`, 'latin1'), { throwIfNoEntry: false })?.isDirectory() ?? false;
      const rules = this.daemon.rules;
      if (!rules.isEmpty && !(rules.permitted(rel, isDir) & RuleAction.SYNC)) {
        throw new ControlRequestError(`resync: "${textOf(rel)}" is excluded from syncing by the rules`);
      }
    }
    this.daemon.fullResync('control', rel);
  }

  /** Reread the rules file (as SIGHUP); refused when there is none. */
  reload(): void {
    if (!this.daemon.reloadRules('control socket')) throw new ControlRequestError('reload: no rules file (-R) to reread');
  }

  /** The queued entries, at most `limit` of them (sorted by path). */
  queue(limit = 1000): QueueReport {
    const all: readonly QueuedEntry[] = this.daemon.queued();
    const n = Math.max(0, Math.min(limit, DUMP_LIMIT_MAX));
    const entries = [...all]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .slice(0, n)
      .map((e) => ({ path: textOf(e.path), queue: e.queue, state: e.state, recursive: e.recursive }));
    return { total: all.length, entries };
  }

  /**
   * Write a state dump (as signal 29) into `dir`, which must exist, be the
   * daemon's own and be closed to others (nothing is created but the dump).
   */
  dumpTo(dir: string): string {
    let real: string;
    try {
      real = checkPrivateDir(dir, 'DUMP');
    } catch (err) {
      throw new ControlRequestError((err as Error).message);
    }
    return writeDump(real, this.daemon.state());
  }

  set(option: string, value: string): Promise<void> {
    return this.setter.set(option, value);
  }

  /** INFO of the C protocol: config block, label, and the settable options' values. */
  info(): { configBlock: string; label: string; options: Record<string, string> } {
    const s = this.daemon.currentSettings;
    return { configBlock: s.configBlock, label: s.label, options: this.setter.current() };
  }

  /** DIE: end the daemon as TERM does. */
  die(): void {
    this.onDie();
  }
}
