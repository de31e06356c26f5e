/**
 * The inotify backend's walks of the tree, and what keeps them honest: the
 * walk of the whole tree (start, rescan after an overflow or on request),
 * walks of directories created or moved in, polling of directories left
 * without a watch by the watch limit, and second looks at directories a
 * walk found gone.
 *
 * Walks follow paths, and a walk runs while later events wait: an ancestor
 * renamed under a walk makes the directories below it look gone. Those are
 * looked at again once the rename's events have been applied (see
 * recheckVanished), or they would stay unwatched.
 */
import { IN, WATCH_MASK, type FsEvent } from '../types.js';
import { log } from '../log.js';
import { WatchTable, NO_NODE, NO_WD, type NodeId } from '../tree/watch-table.js';
import { joinPath, markSubtrees, type MarkContext, type MarkCounts, type MarkRoot } from '../tree/mark.js';
import { lstatEventPath } from './event-lstat.js';
import type { SourceTree } from '../tree/source.js';
import type { InotifyWatches } from './inotify-watches.js';
import { watchLimitError } from './kernel-limits.js';
import type { MarkStats, MonitorOptions } from './monitor.js';

/** Every watch: the clsync events, never following a symlink, directories only. */
export const INOTIFY_WATCH_MASK = WATCH_MASK | IN.ONLYDIR | IN.DONT_FOLLOW;

/**
 * When to look again at directories a walk found gone (ms after the walk,
 * then after each look that still did not find them). The events of the
 * rename that hid them were queued before the walk failed; the first look
 * normally finds them, the later ones cover a reader that was slow.
 */
const RECHECK_DELAYS_MS = [20, 100, 500];

/**
 * How often directories without a watch (the watch limit was reached after
 * start) are walked again and synced. Each poll costs a walk and a recursive
 * rsync of those subtrees: a degraded mode until the limit is raised.
 */
export const POLL_UNWATCHED_MS = 2000;

/** Work for the backend's queue of jobs, which runs one at a time and in order with the event buffers. */
export type Job = () => void | Promise<void>;

/** What the walks need of the backend that owns them. */
export interface WalkHost {
  readonly options: MonitorOptions;
  readonly watches: InotifyWatches;
  /** the watch dir's device with --one-file-system, else null */
  readonly rootDev: number | null;
  readonly closed: boolean;
  /** the looks at paths events name (event-lstat.ts) */
  readonly source: SourceTree;
  enqueue(job: Job): void;
  emit(batch: FsEvent[]): void;
  warn(message: string): void;
}

/** The walks of one inotify backend, and the polling and second looks they leave due. */
export class InotifyWalks {
  /** topmost directories left without a watch by the watch limit: polled (see POLL_UNWATCHED_MS) */
  private readonly polled = new Set<NodeId>();
  private pollTimer: NodeJS.Timeout | null = null;
  private pollingAnnounced = false;

  constructor(private readonly host: WalkHost) {}

  /** Stop polling (the backend closes). */
  stop(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  /** Mark the whole tree into `table`; at start (`initial`) the watch limit is an error, later it is polled. */
  async markRoot(table: WatchTable, initial = true): Promise<MarkStats> {
    const counts = await markSubtrees(this.markContext(table), [{ parent: NO_NODE, name: '' }]);
    if (counts.watchesRefused > 0 && initial) throw watchLimitError(this.host.options.watchDir, counts.watchesRefused);
    if (counts.watchesRefused > 0) this.watchLimitReached(table, counts);
    this.scheduleRecheck(table, counts.vanished, 0);
    this.host.emit(counts.linked.map((path) => ({ path, mask: IN.ATTRIB, recursive: false })));
    return stats(counts);
  }

  /** Build a fresh table from the disk, then drop the kernel watches it no longer has. */
  async rescanNow(): Promise<MarkStats> {
    const fresh = new WatchTable();
    this.polled.clear(); // node ids of the old table; the new marking finds what is unwatched
    const result = await this.markRoot(fresh, false);
    this.host.watches.replaceTable(fresh);
    return result;
  }

  /**
   * Walk directories created or moved in; ENOSPC here is fatal (nobody
   * awaits this walk). Returns the events of the hard-linked files found.
   */
  async markNew(roots: MarkRoot[]): Promise<FsEvent[]> {
    const table = this.host.watches.table;
    const counts = await markSubtrees(this.markContext(table), roots);
    if (counts.watchesRefused > 0) this.watchLimitReached(table, counts);
    this.scheduleRecheck(table, counts.vanished, 0);
    return counts.linked.map((path) => ({ path, mask: IN.CREATE, recursive: false }));
  }

  private markContext(table: WatchTable): MarkContext {
    const { options } = this.host;
    return {
      table,
      watchDir: options.watchDir,
      inotify: this.host.watches.handle,
      mask: INOTIFY_WATCH_MASK,
      rootDev: this.host.rootDev,
      filter: options.filter,
      reportFiles: options.reportFiles,
      reportLinked: options.reportLinked ?? false,
      onWarning: (m) => this.host.warn(m),
      onMountPoint: options.onMountPoint,
    };
  }

  /**
   * Directories were left without a watch after start: fatal with
   * exitOnWatchLimit, otherwise polled (the first time loudly).
   */
  private watchLimitReached(table: WatchTable, counts: MarkCounts): void {
    const error = watchLimitError(this.host.options.watchDir, counts.watchesRefused);
    if (this.host.options.exitOnWatchLimit) throw error;
    const unwatched = new Set(counts.unwatched);
    for (const node of counts.unwatched) if (!unwatched.has(table.parentOf(node))) this.polled.add(node);
    const message =
      `${error.message} Meanwhile ${this.polled.size} director${this.polled.size === 1 ? 'y' : 'ies'} without a watch ` +
      `(with what is below) ${this.polled.size === 1 ? 'is' : 'are'} synced every ${POLL_UNWATCHED_MS / 1000} s by polling.`;
    if (!this.pollingAnnounced) this.host.warn(message);
    else log.debug(1, message);
    this.pollingAnnounced = true;
    this.armPoll();
  }

  private armPoll(): void {
    if (this.pollTimer || this.host.closed || this.polled.size === 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.host.enqueue(() => this.pollUnwatched());
    }, POLL_UNWATCHED_MS);
    this.pollTimer.unref();
  }

  /**
   * Walk the polled directories again (they take the watches freed since)
   * and report each for a recursive sync, which finds what changed in them
   * by rsync's quick check.
   */
  private async pollUnwatched(): Promise<void> {
    const watches = this.host.watches;
    const table = watches.table;
    const roots: MarkRoot[] = [];
    for (const node of this.polled) {
      if (!table.isLive(node)) continue;
      roots.push({ parent: table.parentOf(node), name: table.nameOf(node) });
      watches.dropSubtree(node, NO_WD);
    }
    this.polled.clear();
    await this.walkAsNew(roots);
    if (this.polled.size === 0 && this.pollingAnnounced) {
      this.pollingAnnounced = false;
      log.notice(`every directory has a watch again: polling stopped`);
    }
  }

  /** `table`: the table the walk filled (node ids mean nothing in another; a rescan that replaced it re-walked everything). */
  private scheduleRecheck(table: WatchTable, vanished: MarkRoot[], attempt: number): void {
    if (vanished.length === 0 || this.host.closed) return;
    const timer = setTimeout(
      () => this.host.enqueue(() => (table === this.host.watches.table ? this.recheckVanished(vanished, attempt) : undefined)),
      RECHECK_DELAYS_MS[attempt],
    );
    timer.unref();
  }

  /**
   * Directories a walk found gone, looked at again under their parent's
   * current path. One that is there after all (an ancestor was renamed under
   * the walk) is walked now and reported as new, so its content is synced
   * and what changes in it from now on is seen. A parent no longer in the
   * table, or a name already walked again, needs nothing.
   */
  private async recheckVanished(vanished: MarkRoot[], attempt: number): Promise<void> {
    const table = this.host.watches.table;
    const source = this.host.source;
    const found: MarkRoot[] = [];
    const missing: MarkRoot[] = [];
    for (const v of vanished) {
      if (!table.isLive(v.parent) || table.child(v.parent, v.name) !== NO_NODE) continue;
      const isDir = lstatEventPath(source, joinPath(table.pathOf(v.parent), v.name))?.isDirectory() ?? false;
      (isDir ? found : missing).push(v);
    }
    if (attempt + 1 < RECHECK_DELAYS_MS.length) this.scheduleRecheck(table, missing, attempt + 1);
    await this.walkAsNew(found);
  }

  /**
   * Walk directories not in the table (once each, parents still there) and
   * report them as new and recursive, so each is synced with its content.
   */
  private async walkAsNew(candidates: MarkRoot[]): Promise<void> {
    const table = this.host.watches.table;
    const roots = dedupeRoots(table, candidates);
    if (roots.length === 0) return;
    const events: FsEvent[] = roots.map((r) => ({ path: joinPath(table.pathOf(r.parent), r.name), mask: IN.CREATE | IN.ISDIR, recursive: true }));
    for (const linked of await this.markNew(roots)) events.push(linked);
    this.host.emit(events);
  }
}

/** One walk per directory even when a name was created twice in one buffer; skip parents gone since. */
export function dedupeRoots(table: WatchTable, roots: MarkRoot[]): MarkRoot[] {
  const seen = new Set<string>();
  const out: MarkRoot[] = [];
  for (const r of roots) {
    const key = r.parent + '/' + r.name;
    if (seen.has(key) || !table.isLive(r.parent) || table.child(r.parent, r.name) !== NO_NODE) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

function stats(c: MarkCounts): MarkStats {
  return { dirs: c.dirs, files: c.files, watches: c.watches, errors: c.errors, ms: c.ms };
}
