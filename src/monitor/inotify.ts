/**
 * The inotify backend (SPEC §3): the `Monitor` that turns the kernel's
 * records into batches of `FsEvent`. What it leans on: reading records
 * (inotify-records.ts), pairing moves and exchanges (inotify-moves.ts), the
 * watch table in step with the kernel (inotify-watches.ts) and the walks
 * (inotify-walks.ts).
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
 */
import { statSync } from 'node:fs';
import { IN, type FsEvent, type RelPath } from '../types.js';
import { ClsyncError } from '../errors.js';
import { showPath } from '../log.js';
import { byteString } from '../bytes.js';
import { native, type InotifyHandle } from '../native.js';
import { NO_NODE, NO_WD } from '../tree/watch-table.js';
import { SourceTree } from '../tree/source.js';
import type { MarkRoot } from '../tree/mark.js';
import { overflowWarning } from './kernel-limits.js';
import type { MarkStats, Monitor, MonitorOptions } from './monitor.js';
import { EVENT_HEADER, type RawRecord } from './inotify-records.js';
import { MOVE_PAIR_WAIT_MS, exchangeAfter, halfExchangeAfter, swapExchanged, takeMove, type PendingMove } from './inotify-moves.js';
import { InotifyWatches } from './inotify-watches.js';
import { InotifyWalks, dedupeRoots, type Job, type WalkHost } from './inotify-walks.js';

export { INOTIFY_WATCH_MASK, POLL_UNWATCHED_MS } from './inotify-walks.js';

/** inotify implementation of `Monitor`. */
export class InotifyMonitor implements Monitor, WalkHost {
  readonly watches: InotifyWatches;
  private readonly walks: InotifyWalks;
  private readonly jobs: Job[] = [];
  private pumping = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private isClosed = false;
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
  private watchDirDev: number | null = null;
  /** the looks at paths events name (event-lstat.ts); from start() to close() */
  private tree: SourceTree | null = null;

  constructor(readonly options: MonitorOptions) {
    this.watches = new InotifyWatches(options.filter);
    this.walks = new InotifyWalks(this);
  }

  /** Closed: no more callbacks (WalkHost). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The watch dir's device with --one-file-system, else null (WalkHost). */
  get rootDev(): number | null {
    return this.watchDirDev;
  }

  /**
   * The watched tree's reads, beneath the watch dir and never through a
   * symlink (WalkHost). The watch dir is opened for each read, not held:
   * a held fd would hide the watch dir's own deletion (IN_DELETE_SELF
   * comes when the last reference goes) until close().
   */
  get source(): SourceTree {
    if (!this.tree) throw new ClsyncError('inotify monitor: the tree is read before start() or after close()');
    return this.tree;
  }

  /** Test hook: the native handle (to pause the reader thread). */
  get nativeHandle(): InotifyHandle | null {
    return this.watches.handle;
  }

  /** Directories currently in the watch table. */
  get watchedDirs(): number {
    return this.watches.table.watchCount;
  }

  /** Let the reader thread stop keeping the event loop alive (or again keep it). */
  ref(keepAlive: boolean): void {
    if (this.watches.handle) native.inotifyRef(this.watches.handle, keepAlive);
  }

  async start(): Promise<MarkStats> {
    if (this.watches.handle) throw new ClsyncError('inotify monitor: start() called twice');
    const { watchDir } = this.options;
    let st;
    try {
      st = statSync(watchDir);
    } catch (e) {
      throw new ClsyncError(`watch dir "${watchDir}" cannot be read: ${(e as Error).message}`);
    }
    if (!st.isDirectory()) throw new ClsyncError(`watch dir "${watchDir}" is not a directory`);
    this.watchDirDev = this.options.oneFileSystem ? st.dev : null;
    this.tree = new SourceTree(byteString(watchDir), false);
    this.watches.handle = native.inotifyOpen((records) => this.onRecords(records));
    const stats = await this.runJob(() => this.walks.markRoot(this.watches.table));
    this.watches.watchRootEntry(watchDir);
    return stats;
  }

  listWatchedDirs(): RelPath[] {
    return this.watches.listDirs();
  }

  rescan(): Promise<MarkStats> {
    if (!this.watches.handle || this.isClosed) return Promise.reject(new ClsyncError('inotify monitor: rescan() before start() or after close()'));
    return this.runJob(() => this.walks.rescanNow());
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.jobs.length = 0;
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    if (this.carryTimer) clearTimeout(this.carryTimer);
    this.carryTimer = null;
    this.walks.stop();
    const handle = this.watches.handle;
    this.watches.handle = null;
    if (handle) await native.inotifyClose(handle);
    // A walk may still be in flight; its dup'ed fd keeps it valid. Wait so nothing outlives close().
    await this.pumpDone;
    this.tree?.close();
    this.tree = null;
  }

  // ---- job queue: buffers, rescans and held moves are handled strictly in order ----

  /** Queue a job behind the buffers and walks already queued (WalkHost). */
  enqueue(job: Job): void {
    if (this.isClosed || this.failed) return;
    this.jobs.push(job);
    if (!this.pumping) {
      // The flag is set before pump() runs: a pump that ends synchronously clears it itself.
      this.pumping = true;
      this.pumpDone = this.pump();
    }
  }

  private async pump(): Promise<void> {
    try {
      while (this.jobs.length > 0 && !this.isClosed && !this.failed) {
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
      if (this.isClosed) return reject(new ClsyncError('inotify monitor is closed'));
      this.enqueue(() => fn().then(resolve, reject));
    });
  }

  private fatal(error: Error): void {
    if (this.failed || this.isClosed) return;
    this.failed = true;
    this.jobs.length = 0;
    this.options.onFatal(error);
  }

  private onRecords(records: Buffer): void {
    this.enqueue(() => this.processBuffer(records));
  }

  /** Hand a batch on, unless there is nobody to take it any more (WalkHost). */
  emit(batch: FsEvent[]): void {
    if (batch.length > 0 && !this.isClosed && !this.failed) this.options.onEvents(batch);
  }

  /** A loud warning, unless closed (WalkHost). */
  warn(message: string): void {
    if (!this.isClosed) this.options.onWarning(message);
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
    const watches = this.watches;
    const table = watches.table;
    const batch: FsEvent[] = [];
    const newDirs: MarkRoot[] = [];
    let moves: PendingMove[] | null = null;
    if (this.heldMove) {
      moves = [this.heldMove];
      this.heldMove = null;
    }
    /** why the whole tree is walked again after this buffer (a queue overflow), or undefined */
    let rescan: string | undefined;
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
        if (mask & IN.Q_OVERFLOW) rescan = overflowWarning(this.options.watchDir);
        continue;
      }
      if (wd === this.watches.rootEntryWd) {
        const gone = this.watches.rootEntryGone(mask, buf, nameStart, off);
        if (gone) return this.fatal(new ClsyncError(`watch dir "${this.options.watchDir}" was ${gone}; restart clsync on the new location`));
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
        if (mask & (IN.IGNORED | IN.DELETE_SELF)) watches.dropSubtree(node, wd);
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
      if (mask & IN.MOVED_TO && name !== '' && !from) exchangedOut = halfExchangeAfter(buf, off, end, wd, name, cookie, mask, this.source, path);
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
        const swapped = typeof exchange === 'object' && swapExchanged(watches, this.source, batch, newDirs, from, node, name, path, exchange.r3);
        if (swapped === 'stale') rescan ??= `the watch table cannot follow the renames of ${showPath(from.path)} and ${showPath(path)} (an exchange with a directory it held below it, or with a name renamed again since): walking the tree again`;
        if (swapped && typeof exchange === 'object') {
          off = exchange.r4.next;
          continue;
        }
      }
      if (mask & IN.ISDIR && name !== '') {
        if (mask & IN.CREATE) {
          watches.replaceStale(node, name);
          newDirs.push({ parent: node, name });
          recursive = true;
        } else if (mask & IN.MOVED_TO) {
          recursive = true;
          if (from && from.node !== NO_NODE && table.isLive(from.node) && table.contains(from.node, node)) {
            // Moved into its own former subtree: that part had already left the tree (its move-out
            // was still pending), so this directory left it too. Pairing would make a cycle.
            watches.movedOut(from.node);
            continue;
          }
          if (from && from.node !== NO_NODE && table.isLive(from.node)) {
            movedFrom = table.pathOf(from.node);
            watches.renameDir(from.node, node, name, path);
          } else {
            watches.replaceStale(node, name);
            newDirs.push({ parent: node, name });
          }
        } else if (mask & IN.DELETE) {
          const child = table.child(node, name);
          if (child !== NO_NODE) watches.dropSubtree(child, NO_WD);
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
        } else if (move.node !== NO_NODE) watches.movedOut(move.node);
      }
    }
    if (newDirs.length === 0 && rescan === undefined) {
      this.emit(batch);
      return;
    }
    return this.finishBatch(batch, newDirs, rescan);
  }

  private async finishBatch(batch: FsEvent[], newDirs: MarkRoot[], rescan: string | undefined): Promise<void> {
    if (rescan !== undefined) {
      // The rescan re-marks everything, new directories included.
      this.warn(rescan);
      await this.walks.rescanNow();
      batch.push({ path: '', mask: IN.Q_OVERFLOW, recursive: true });
    } else {
      for (const linked of await this.walks.markNew(dedupeRoots(this.watches.table, newDirs))) batch.push(linked);
    }
    this.emit(batch);
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

  /** A MOVED_FROM that ended a buffer: paired by the next buffer, or taken as a move out after MOVE_PAIR_WAIT_MS. */
  private holdMove(move: PendingMove): void {
    this.heldMove = move;
    this.heldTimer = setTimeout(() => {
      this.heldTimer = null;
      this.enqueue(() => {
        if (this.heldMove === move) {
          this.heldMove = null;
          if (move.node !== NO_NODE) this.watches.movedOut(move.node);
        }
      });
    }, MOVE_PAIR_WAIT_MS);
    this.heldTimer.unref();
  }
}
