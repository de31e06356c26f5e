/**
 * The inotify backend (SPEC §3).
 *
 * The native reader thread drains the kernel queue into a buffer and hands
 * JS whole buffers of raw records. Buffers (and rescans) are processed one
 * at a time, in order, by a small job queue. That order is what makes the
 * table consistent: a directory's watch is added by a walk started while
 * processing buffer N, so every event on that new wd sits in a later
 * buffer, which is processed only after the walk registered the wd.
 *
 * Order of a batch (the "mkdir -p a/b && touch a/b/c" race): the events of
 * one buffer are collected, then the directories created or moved in are
 * walked (watch added before each directory is read), and only then is the
 * batch — with `recursive: true` on those directories — handed on. So when
 * the consumer learns about `a`, everything below it either already exists
 * (and the recursive sync covers it) or will be reported by a watch.
 *
 * Walks follow paths, and a walk runs while later events wait: an ancestor
 * renamed under a walk makes the directories below it look gone. Those are
 * looked at again once the rename's events have been applied (see
 * recheckVanished), or they would stay unwatched.
 */
import { statSync } from 'node:fs';
import { IN, WATCH_MASK, WalkDecision, type FsEvent, type RelPath } from '../types.js';
import { ClsyncError } from '../errors.js';
import { byteString, lstatBytes } from '../bytes.js';
import { log } from '../log.js';
import { native, type InotifyHandle } from '../native.js';
import { WatchTable, NO_NODE, NO_WD, type NodeId } from '../tree/watch-table.js';
import { joinPath, markSubtrees, type MarkContext, type MarkCounts, type MarkRoot } from '../tree/mark.js';
import { watchLimitError, overflowWarning } from './kernel-limits.js';
import type { MarkStats, Monitor, MonitorOptions } from './monitor.js';

/** Every watch: the clsync events, never following a symlink, directories only. */
export const INOTIFY_WATCH_MASK = WATCH_MASK | IN.ONLYDIR | IN.DONT_FOLLOW;

/**
 * How long a MOVED_FROM that ended a buffer waits for its MOVED_TO. The
 * kernel queues both in the same rename(), so the pair is split only when
 * the reader thread read between them; a few ms is plenty.
 */
const MOVE_PAIR_WAIT_MS = 20;

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

const EVENT_HEADER = 16; // struct inotify_event without the name

/** A MOVED_FROM waiting for its MOVED_TO. */
interface PendingMove {
  cookie: number;
  node: NodeId; // a directory's node; NO_NODE for other objects, or a directory not in the table (excluded, or not walked yet)
  /** the record: its parent's wd, name, mask and path (an exchange needs them all) */
  wd: number;
  name: string;
  mask: number;
  path: RelPath;
  /** index of its event in the batch being built; -1 once that batch was handed on */
  eventIndex: number;
}

/** One raw inotify record, read ahead of the loop (see exchangeAfter). */
interface RawRecord {
  wd: number;
  mask: number;
  cookie: number;
  name: string;
  /** offset of the next record */
  next: number;
}

/** A name no directory entry can have (names hold no NUL): a node's place while two nodes swap. */
const SWAP_NAME = '\0exchange';

type Job = () => void | Promise<void>;

/** inotify implementation of `Monitor`. */
export class InotifyMonitor implements Monitor {
  private table = new WatchTable();
  private handle: InotifyHandle | null = null;
  private readonly jobs: Job[] = [];
  private pumping = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private closed = false;
  private failed = false;
  private heldMove: PendingMove | null = null;
  private heldTimer: NodeJS.Timeout | null = null;
  /**
   * The end of a buffer that stopped inside what may be an exchange
   * (renameat2 RENAME_EXCHANGE: its four records come from one syscall, so
   * the rest follows at once): processed again in front of the next buffer,
   * or alone after MOVE_PAIR_WAIT_MS.
   */
  private carry: Buffer | null = null;
  private carryTimer: NodeJS.Timeout | null = null;
  private rootDev: number | null = null;
  /** topmost directories left without a watch by the watch limit: polled (see POLL_UNWATCHED_MS) */
  private polled = new Set<NodeId>();
  private pollTimer: NodeJS.Timeout | null = null;
  private pollingAnnounced = false;

  constructor(private readonly options: MonitorOptions) {}

  /** Test hook: the native handle (to pause the reader thread). */
  get nativeHandle(): InotifyHandle | null {
    return this.handle;
  }

  /** Directories currently in the watch table. */
  get watchedDirs(): number {
    return this.table.watchCount;
  }

  /** Let the reader thread stop keeping the event loop alive (or again keep it). */
  ref(keepAlive: boolean): void {
    if (this.handle) native.inotifyRef(this.handle, keepAlive);
  }

  async start(): Promise<MarkStats> {
    if (this.handle) throw new ClsyncError('inotify monitor: start() called twice');
    const { watchDir } = this.options;
    let st;
    try {
      st = statSync(watchDir);
    } catch (e) {
      throw new ClsyncError(`watch dir "${watchDir}" cannot be read: ${(e as Error).message}`);
    }
    if (!st.isDirectory()) throw new ClsyncError(`watch dir "${watchDir}" is not a directory`);
    this.rootDev = this.options.oneFileSystem ? st.dev : null;
    this.handle = native.inotifyOpen((records) => this.onRecords(records));
    return this.runJob(() => this.markRoot(this.table));
  }

  rescan(): Promise<MarkStats> {
    if (!this.handle || this.closed) return Promise.reject(new ClsyncError('inotify monitor: rescan() before start() or after close()'));
    return this.runJob(() => this.rescanNow());
  }

  listWatchedDirs(): RelPath[] {
    const table = this.table;
    const out: RelPath[] = [];
    table.forEachWd((_wd, id) => out.push(table.pathOf(id)));
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.jobs.length = 0;
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    if (this.carryTimer) clearTimeout(this.carryTimer);
    this.carryTimer = null;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    const handle = this.handle;
    this.handle = null;
    if (handle) await native.inotifyClose(handle);
    // A walk may still be in flight; its dup'ed fd keeps it valid. Wait so nothing outlives close().
    await this.pumpDone;
  }

  // ---- job queue: buffers, rescans and held moves are handled strictly in order ----

  private enqueue(job: Job): void {
    if (this.closed || this.failed) return;
    this.jobs.push(job);
    if (!this.pumping) {
      // The flag is set before pump() runs: a pump that ends synchronously clears it itself.
      this.pumping = true;
      this.pumpDone = this.pump();
    }
  }

  private async pump(): Promise<void> {
    try {
      while (this.jobs.length > 0 && !this.closed && !this.failed) {
        const job = this.jobs.shift() as Job;
        try {
          const pending = job();
          if (pending) await pending;
        } catch (e) {
          this.fatal(e instanceof Error ? e : new Error(String(e)));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Queue a job whose result (or error) goes to the caller rather than to onFatal. */
  private runJob<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new ClsyncError('inotify monitor is closed'));
      this.enqueue(() => fn().then(resolve, reject));
    });
  }

  private fatal(error: Error): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    this.jobs.length = 0;
    this.options.onFatal(error);
  }

  private onRecords(records: Buffer): void {
    this.enqueue(() => this.processBuffer(records));
  }

  // ---- marking ----

  private markContext(table: WatchTable): MarkContext {
    return {
      table,
      watchDir: this.options.watchDir,
      inotify: this.handle,
      mask: INOTIFY_WATCH_MASK,
      rootDev: this.rootDev,
      filter: this.options.filter,
      reportFiles: this.options.reportFiles,
      reportLinked: this.options.reportLinked ?? false,
      onWarning: (m) => this.warn(m),
      onMountPoint: this.options.onMountPoint,
    };
  }

  /** Mark the whole tree into `table`; at start (`initial`) the watch limit is an error, later it is polled. */
  private async markRoot(table: WatchTable, initial = true): Promise<MarkStats> {
    const counts = await markSubtrees(this.markContext(table), [{ parent: NO_NODE, name: '' }]);
    if (counts.watchesRefused > 0 && initial) throw watchLimitError(this.options.watchDir, counts.watchesRefused);
    if (counts.watchesRefused > 0) this.watchLimitReached(table, counts);
    this.scheduleRecheck(table, counts.vanished, 0);
    this.emit(counts.linked.map((path) => ({ path, mask: IN.ATTRIB, recursive: false })));
    return stats(counts);
  }

  /** Build a fresh table from the disk, then drop the kernel watches it no longer has. */
  private async rescanNow(): Promise<MarkStats> {
    const fresh = new WatchTable();
    this.polled.clear(); // node ids of the old table; the new marking finds what is unwatched
    const result = await this.markRoot(fresh, false);
    const old = this.table;
    this.table = fresh;
    const handle = this.handle;
    if (handle) {
      old.forEachWd((wd) => {
        if (fresh.nodeOfWd(wd) === NO_NODE) native.inotifyRmWatch(handle, wd);
      });
    }
    return result;
  }

  /**
   * Walk directories created or moved in; ENOSPC here is fatal (nobody
   * awaits this walk). Returns the events of the hard-linked files found.
   */
  private async markNew(roots: MarkRoot[]): Promise<FsEvent[]> {
    const counts = await markSubtrees(this.markContext(this.table), roots);
    if (counts.watchesRefused > 0) this.watchLimitReached(this.table, counts);
    this.scheduleRecheck(this.table, counts.vanished, 0);
    return counts.linked.map((path) => ({ path, mask: IN.CREATE, recursive: false }));
  }

  /**
   * Directories were left without a watch after start: fatal with
   * exitOnWatchLimit, otherwise polled (the first time loudly).
   */
  private watchLimitReached(table: WatchTable, counts: MarkCounts): void {
    const error = watchLimitError(this.options.watchDir, counts.watchesRefused);
    if (this.options.exitOnWatchLimit) throw error;
    const unwatched = new Set(counts.unwatched);
    for (const node of counts.unwatched) if (!unwatched.has(table.parentOf(node))) this.polled.add(node);
    const message =
      `${error.message} Meanwhile ${this.polled.size} director${this.polled.size === 1 ? 'y' : 'ies'} without a watch ` +
      `(with what is below) ${this.polled.size === 1 ? 'is' : 'are'} synced every ${POLL_UNWATCHED_MS / 1000} s by polling.`;
    if (!this.pollingAnnounced) this.warn(message);
    else log.debug(1, message);
    this.pollingAnnounced = true;
    this.armPoll();
  }

  private armPoll(): void {
    if (this.pollTimer || this.closed || this.polled.size === 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.enqueue(() => this.pollUnwatched());
    }, POLL_UNWATCHED_MS);
    this.pollTimer.unref();
  }

  /**
   * Walk the polled directories again (they take the watches freed since)
   * and report each for a recursive sync, which finds what changed in them
   * by rsync's quick check.
   */
  private async pollUnwatched(): Promise<void> {
    const table = this.table;
    const roots: MarkRoot[] = [];
    for (const node of this.polled) {
      if (!table.isLive(node)) continue;
      roots.push({ parent: table.parentOf(node), name: table.nameOf(node) });
      this.dropSubtree(node, NO_WD);
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
    if (vanished.length === 0 || this.closed) return;
    const timer = setTimeout(() => this.enqueue(() => (table === this.table ? this.recheckVanished(vanished, attempt) : undefined)), RECHECK_DELAYS_MS[attempt]);
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
    const table = this.table;
    const base = byteString(this.options.watchDir);
    const found: MarkRoot[] = [];
    const missing: MarkRoot[] = [];
    for (const v of vanished) {
      if (!table.isLive(v.parent) || table.child(v.parent, v.name) !== NO_NODE) continue;
      const isDir = lstatBytes(base + '/' + joinPath(table.pathOf(v.parent), v.name))?.isDirectory() ?? false;
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
    const table = this.table;
    const roots = dedupeRoots(table, candidates);
    if (roots.length === 0) return;
    const events: FsEvent[] = roots.map((r) => ({ path: joinPath(table.pathOf(r.parent), r.name), mask: IN.CREATE | IN.ISDIR, recursive: true }));
    for (const linked of await this.markNew(roots)) events.push(linked);
    this.emit(events);
  }

  private warn(message: string): void {
    if (!this.closed) this.options.onWarning(message);
  }

  // ---- event processing ----

  /** `final`: the buffer is a carry whose rest never came; process it to the end. */
  private processBuffer(records: Buffer, final = false): void | Promise<void> {
    if (this.heldTimer) {
      clearTimeout(this.heldTimer);
      this.heldTimer = null;
    }
    if (this.carryTimer) {
      clearTimeout(this.carryTimer);
      this.carryTimer = null;
    }
    const buf = this.carry ? Buffer.concat([this.carry, records]) : records;
    this.carry = null;
    const table = this.table;
    const batch: FsEvent[] = [];
    const newDirs: MarkRoot[] = [];
    let moves: PendingMove[] | null = null;
    if (this.heldMove) {
      moves = [this.heldMove];
      this.heldMove = null;
    }
    let overflow = false;
    let lastWasMoveFrom = false;
    /** the MOVED_FROM that is the second half of an exchange with a name not watched (see halfExchangeAfter) */
    let exchangedOut: RawRecord | null = null;
    const end = buf.length;
    let off = 0;
    while (off + EVENT_HEADER <= end) {
      const recordStart = off;
      const wd = buf.readInt32LE(off);
      const mask = buf.readUInt32LE(off + 4);
      const cookie = buf.readUInt32LE(off + 8);
      const nameLen = buf.readUInt32LE(off + 12);
      const nameStart = off + EVENT_HEADER;
      off = nameStart + nameLen;
      lastWasMoveFrom = false;
      if (wd === -1) {
        if (mask & IN.Q_OVERFLOW) overflow = true;
        continue;
      }
      const node = table.nodeOfWd(wd);
      if (node === NO_NODE) continue; // already removed: its events no longer have a path
      if (mask & (IN.IGNORED | IN.DELETE_SELF | IN.MOVE_SELF | IN.UNMOUNT)) {
        if (node === table.root) {
          // IGNORED of the root after a rescan swap cannot happen: the root keeps its wd.
          this.fatal(new ClsyncError(`watch dir "${this.options.watchDir}" was ${mask & IN.MOVE_SELF ? 'moved' : mask & IN.UNMOUNT ? 'unmounted' : 'deleted'}; restart clsync on the new location`));
          return;
        }
        // MOVE_SELF: the parent's MOVED_FROM/MOVED_TO pair says where it went.
        if (mask & (IN.IGNORED | IN.DELETE_SELF)) this.dropSubtree(node, wd);
        continue;
      }
      let name = '';
      if (nameLen > 0) {
        const nul = buf.indexOf(0, nameStart);
        name = buf.toString('latin1', nameStart, nul === -1 || nul > off ? off : nul);
      }
      const dirPath = table.pathOf(node);
      const path: RelPath = name === '' ? dirPath : dirPath === '' ? name : dirPath + '/' + name;
      let recursive = false;
      let movedFrom: RelPath | undefined;
      if (mask & IN.MOVED_FROM && name !== '') {
        const child = mask & IN.ISDIR ? table.child(node, name) : NO_NODE;
        // The object that left is not the one at the name now: the MOVED_TO before it said all there is.
        const halfExchange = exchangedOut !== null && exchangedOut.cookie === cookie && exchangedOut.wd === wd && exchangedOut.name === name;
        exchangedOut = null;
        (moves ??= []).push({ cookie, node: child, wd, name, mask, path, eventIndex: halfExchange ? -1 : batch.length });
        lastWasMoveFrom = true;
        if (!halfExchange) batch.push({ path, mask, recursive: false });
        continue;
      }
      const from = mask & IN.MOVED_TO && name !== '' ? takeMove(moves, cookie) : null;
      if (mask & IN.MOVED_TO && name !== '' && !from) exchangedOut = halfExchangeAfter(buf, off, end, wd, name, cookie, mask, this.options.watchDir, path);
      if (from) {
        const exchange = exchangeAfter(buf, off, end, from, wd, name);
        // A directory moved onto a directory the table has: a rename(2) over an empty one, or the first
        // half of an exchange whose second half was not read yet. Paired now, the other directory's
        // watches would be dropped. (Files keep no state here: a split exchange of files is two moves.)
        const maybeHalf =
          exchange === 'end' && (mask & IN.ISDIR) !== 0 && !final && table.isLive(table.child(node, name)) && table.child(node, name) !== from.node;
        if ((exchange === 'partial' || maybeHalf) && !final) {
          // the exchange's other half is still on its way: this record and the rest go with the next buffer
          from.eventIndex = -1;
          this.carryFrom(buf.subarray(recordStart, end), from);
          moves = moves?.filter((m) => m !== from) ?? null;
          lastWasMoveFrom = false;
          break;
        }
        if (typeof exchange === 'object' && this.swapExchanged(table, batch, newDirs, from, node, name, path, exchange.r3)) {
          off = exchange.r4.next;
          continue;
        }
      }
      if (mask & IN.ISDIR && name !== '') {
        if (mask & IN.CREATE) {
          this.replaceStale(node, name);
          newDirs.push({ parent: node, name });
          recursive = true;
        } else if (mask & IN.MOVED_TO) {
          recursive = true;
          if (from && from.node !== NO_NODE && table.isLive(from.node) && table.contains(from.node, node)) {
            // Moved into its own former subtree: that part had already left the tree (its move-out
            // was still pending), so this directory left it too. Pairing would make a cycle.
            this.movedOut(from.node);
            continue;
          }
          if (from && from.node !== NO_NODE && table.isLive(from.node)) {
            movedFrom = table.pathOf(from.node);
            this.renameDir(from.node, node, name, path);
          } else {
            this.replaceStale(node, name);
            newDirs.push({ parent: node, name });
          }
        } else if (mask & IN.DELETE) {
          const child = table.child(node, name);
          if (child !== NO_NODE) this.dropSubtree(child, NO_WD);
        }
      }
      batch.push(movedFrom === undefined ? { path, mask, recursive } : { path, mask, recursive, movedFrom });
    }
    if (moves) {
      for (const move of moves) {
        // a MOVED_FROM that ended the buffer waits for its MOVED_TO (a file's too: it may start an exchange)
        if (lastWasMoveFrom && move === moves[moves.length - 1] && !final) {
          move.eventIndex = -1;
          this.holdMove(move);
        } else if (move.node !== NO_NODE) this.movedOut(move.node);
      }
    }
    if (newDirs.length === 0 && !overflow) {
      this.emit(batch);
      return;
    }
    return this.finishBatch(batch, newDirs, overflow);
  }

  private async finishBatch(batch: FsEvent[], newDirs: MarkRoot[], overflow: boolean): Promise<void> {
    if (overflow) {
      // The rescan re-marks everything, new directories included.
      this.warn(overflowWarning(this.options.watchDir));
      await this.rescanNow();
      batch.push({ path: '', mask: IN.Q_OVERFLOW, recursive: true });
    } else {
      for (const linked of await this.markNew(dedupeRoots(this.table, newDirs))) batch.push(linked);
    }
    this.emit(batch);
  }

  private emit(batch: FsEvent[]): void {
    if (batch.length > 0 && !this.closed && !this.failed) this.options.onEvents(batch);
  }

  /** A directory of that name is still in the table (its removal was not seen yet): drop it before re-adding. */
  private replaceStale(parent: NodeId, name: string): void {
    const stale = this.table.child(parent, name);
    if (stale !== NO_NODE) this.dropSubtree(stale, NO_WD);
  }

  /** Drop a subtree; remove the kernel watches still alive (all but `deadWd`, which the kernel already dropped). */
  private dropSubtree(node: NodeId, deadWd: number): void {
    const handle = this.handle;
    this.table.removeSubtree(node, (wd) => {
      if (wd !== deadWd && handle) native.inotifyRmWatch(handle, wd);
    });
  }

  /** A rename inside the tree: O(1) in the table, unless the rules now exclude the new path. */
  private renameDir(node: NodeId, newParent: NodeId, name: string, path: RelPath): void {
    const handle = this.handle;
    this.table.rename(node, newParent, name, (wd) => {
      if (handle) native.inotifyRmWatch(handle, wd);
    });
    // Rules match full paths: a directory renamed into an excluded name is no longer watched.
    // (Descendants keep their earlier decisions; re-evaluating them would cost a walk per rename.)
    if (!(this.options.filter(path, true) & (WalkDecision.WALK | WalkDecision.MONITOR))) this.dropSubtree(node, NO_WD);
  }

  /** MOVED_FROM without MOVED_TO: the directory left the tree; the kernel would keep watching it. */
  private movedOut(node: NodeId): void {
    if (this.table.isLive(node)) this.dropSubtree(node, NO_WD);
  }

  /** Keep the end of a buffer (and the MOVED_FROM it pairs with) for the next buffer; alone after MOVE_PAIR_WAIT_MS. */
  private carryFrom(rest: Buffer, move: PendingMove): void {
    this.carry = Buffer.from(rest);
    this.heldMove = move;
    this.carryTimer = setTimeout(() => {
      this.carryTimer = null;
      this.enqueue(() => (this.carry ? this.processBuffer(Buffer.alloc(0), true) : undefined));
    }, MOVE_PAIR_WAIT_MS);
    this.carryTimer.unref();
  }

  /**
   * renameat2(RENAME_EXCHANGE) swapped the objects at `from.path` and
   * `path` (`mv --exchange`, atomic deploys): both names exist before and
   * after, each now holding the other's object. The table's directory
   * nodes swap places (a plain pairing of the two moves would rename one
   * node twice and drop the other's watches), directories the table does
   * not know are walked as new, and each name gets one event: MOVED_TO
   * with `exchangedWith` (see FsEvent). False (nothing done) when it cannot
   * be an exchange after all.
   */
  private swapExchanged(
    table: WatchTable,
    batch: FsEvent[],
    newDirs: MarkRoot[],
    from: PendingMove,
    parentB: NodeId,
    nameB: string,
    pathB: RelPath,
    fromB: RawRecord,
  ): boolean {
    const parentA = table.nodeOfWd(from.wd);
    if (parentA === NO_NODE || from.path === pathB) return false;
    const aIsDir = (from.mask & IN.ISDIR) !== 0;
    const bIsDir = (fromB.mask & IN.ISDIR) !== 0;
    const nodeA = aIsDir && table.isLive(from.node) ? from.node : NO_NODE;
    const childB = bIsDir ? table.child(parentB, nameB) : NO_NODE;
    const nodeB = childB !== nodeA ? childB : NO_NODE;
    // `mv a b; mv b a` over an unwatched empty directory b gives the same four records; after an
    // exchange both names exist. Looked at only when a directory is unknown (walking it could clash).
    if ((aIsDir && nodeA === NO_NODE) || (bIsDir && nodeB === NO_NODE)) {
      const base = byteString(this.options.watchDir) + '/';
      if (!lstatBytes(base + from.path) || !lstatBytes(base + pathB)) return false;
    }
    if (nodeA !== NO_NODE) table.rename(nodeA, parentA, SWAP_NAME);
    if (nodeB !== NO_NODE) this.renameDir(nodeB, parentA, from.name, from.path);
    else if (bIsDir) newDirs.push({ parent: parentA, name: from.name });
    if (nodeA !== NO_NODE) this.renameDir(nodeA, parentB, nameB, pathB);
    else if (aIsDir) newDirs.push({ parent: parentB, name: nameB });
    const recursive = aIsDir || bIsDir;
    const atA: FsEvent = { path: from.path, mask: IN.MOVED_TO | (fromB.mask & IN.ISDIR), recursive, exchangedWith: pathB };
    const atB: FsEvent = { path: pathB, mask: IN.MOVED_TO | (from.mask & IN.ISDIR), recursive, exchangedWith: from.path };
    // in the place of the first MOVED_FROM when it is in this batch (the queue would take it for a deletion)
    if (from.eventIndex >= 0) batch[from.eventIndex] = atA;
    else batch.push(atA);
    batch.push(atB);
    log.debug(2, `exchange of ${from.path} and ${pathB}`);
    return true;
  }

  private holdMove(move: PendingMove): void {
    this.heldMove = move;
    this.heldTimer = setTimeout(() => {
      this.heldTimer = null;
      this.enqueue(() => {
        if (this.heldMove === move) {
          this.heldMove = null;
          if (move.node !== NO_NODE) this.movedOut(move.node);
        }
      });
    }, MOVE_PAIR_WAIT_MS);
    this.heldTimer.unref();
  }
}

/** The record at `off`, or null when the buffer ends before it does. */
function readRecord(buf: Buffer, off: number, end: number): RawRecord | null {
  if (off + EVENT_HEADER > end) return null;
  const nameLen = buf.readUInt32LE(off + 12);
  const next = off + EVENT_HEADER + nameLen;
  if (next > end) return null;
  const nul = buf.indexOf(0, off + EVENT_HEADER);
  const name = buf.toString('latin1', off + EVENT_HEADER, nul === -1 || nul > next ? next : nul);
  return { wd: buf.readInt32LE(off), mask: buf.readUInt32LE(off + 4), cookie: buf.readUInt32LE(off + 8), name, next };
}

/** The next record from `off` on that is not a MOVE_SELF (a moved directory's own watch reports one after each move). */
function nextNotSelf(buf: Buffer, off: number, end: number): RawRecord | null {
  for (let r = readRecord(buf, off, end); r; r = readRecord(buf, r.next, end)) {
    if (!(r.mask & IN.MOVE_SELF)) return r;
  }
  return null;
}

/**
 * The MOVED_FROM right after an unpaired MOVED_TO of the same name (parent
 * `wd`, `name`), when the two are one exchange with a name this monitor
 * does not see (outside the tree, or in a directory not watched yet):
 * renameat2(RENAME_EXCHANGE) of that name (first) with ours queues MOVED_TO
 * ours, then MOVED_FROM ours (the object that left) with the next cookie.
 * Taken as a deletion after the MOVED_TO, it dropped the object that is
 * there now (fuzz seeds 174, 198: a directory exchanged in was sent without
 * its content). Only when the name holds an object of the moved-in type
 * now: `mv out/a x; mv x out/b` gives the same records, and x is gone then.
 */
function halfExchangeAfter(
  buf: Buffer,
  off: number,
  end: number,
  wd: number,
  name: string,
  cookie: number,
  mask: number,
  watchDir: string,
  path: RelPath,
): RawRecord | null {
  const r = nextNotSelf(buf, off, end);
  if (!r || !(r.mask & IN.MOVED_FROM) || r.wd !== wd || r.name !== name || r.cookie === cookie) return null;
  const st = lstatBytes(byteString(watchDir) + '/' + path);
  return st && st.isDirectory() === ((mask & IN.ISDIR) !== 0) ? r : null;
}

/**
 * Whether the MOVED_TO (parent `wd`, `name`) just read, paired with `from`,
 * is the first half of an exchange: renameat2(RENAME_EXCHANGE) queues
 * MOVED_FROM a, MOVED_TO b, then MOVED_FROM b, MOVED_TO a with a second
 * cookie, in one syscall (MOVE_SELF records between). `off` is the offset
 * after the MOVED_TO; 'end' when the buffer ends right after it (as it does
 * after most plain renames), 'partial' when it ends inside the pattern.
 */
function exchangeAfter(buf: Buffer, off: number, end: number, from: PendingMove, wd: number, name: string): { r3: RawRecord; r4: RawRecord } | 'no' | 'end' | 'partial' {
  const r3 = nextNotSelf(buf, off, end);
  if (!r3) return 'end';
  if (!(r3.mask & IN.MOVED_FROM) || r3.wd !== wd || r3.name !== name) return 'no';
  const r4 = nextNotSelf(buf, r3.next, end);
  if (!r4) return 'partial';
  if (!(r4.mask & IN.MOVED_TO) || r4.cookie !== r3.cookie || r4.wd !== from.wd || r4.name !== from.name) return 'no';
  return { r3, r4 };
}

function takeMove(moves: PendingMove[] | null, cookie: number): PendingMove | null {
  if (!moves) return null;
  for (let i = 0; i < moves.length; i++) {
    if (moves[i].cookie === cookie) return moves.splice(i, 1)[0];
  }
  return null;
}

/** One walk per directory even when a name was created twice in one buffer; skip parents gone since. */
function dedupeRoots(table: WatchTable, roots: MarkRoot[]): MarkRoot[] {
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

