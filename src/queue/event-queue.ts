/**
 * The event queue: merges events per path (see merge-table.ts) and releases
 * them per delay class once the class's collection window has passed.
 *
 * Delay classes (SPEC §5): `normal` waits `-t` (delayCollect); `bigfile`
 * holds non-directories whose last known size is at least `-B` bytes and
 * waits `-T` (delayCollectBigfile). A class becomes due `delay` ms after the
 * first event of its oldest entry, and then releases all its entries at once
 * (as clsync does: one sync per class, not one per path).
 */
import { IN } from '../types.js';
import type { FsEvent, RelPath } from '../types.js';
import { classifyMask, EntryState, mergeOutcome, type EventClass } from './merge-table.js';

export interface QueueOptions {
  /** -t, in ms */
  delayCollectMs: number;
  /** -T, in ms */
  delayCollectBigfileMs: number;
  /** -B, in bytes; 0 disables the big-file class */
  thresholdBigfile: number;
}

export type ChangeState = 'created' | 'modified' | 'deleted';

/** One merged change, as the queue releases it. */
export interface Change {
  path: RelPath;
  /** union of the kernel masks of every event merged in */
  mask: number;
  /** last known: from IN.ISDIR of the latest event */
  isDir: boolean;
  /** this object and everything below it must be synced */
  recursive: boolean;
  state: ChangeState;
  /** a directory created by a rename within the tree: its old path (see FsEvent) */
  movedFrom?: RelPath;
  /**
   * The destination may already hold an object at this path, with content
   * rsync's quick check could take for current: the path existed before the
   * window, or its creation was recorded while a sync ran.
   */
  maybeAtDestination: boolean;
  /**
   * The object at this path came by renameat2(RENAME_EXCHANGE) in the
   * window, or by a rename from below such a path: the destination's copy
   * here may be the other name's, with the same sizes and mtimes, so rsync's
   * quick check cannot be trusted (the planner verifies with --checksum).
   */
  exchanged?: boolean;
  /**
   * The other name of the exchange, when it can be replayed at the
   * destination: this path saw exactly one exchange and no creation or
   * deletion after it in the window. Only a pair of changes that name each
   * other is one exchange. Also only when nothing was created, deleted or
   * renamed at either name or above it earlier in the window, and no sync
   * ran when it was seen: the destination's copy at each name is then the
   * object the exchange moved (see replayOrder for renames below or above).
   */
  exchangedWith?: RelPath;
  /**
   * Where the event that made this change replayable (a directory's rename,
   * `movedFrom`; an exchange, `exchangedWith`) came in the window: replays
   * at the destination go in this order. A rename out of a directory before
   * it was exchanged must be replayed before the exchange, a rename of its
   * parent after it only after.
   */
  replayOrder?: number;
}

/** A queued entry: a Change in the making plus what merging needs. */
interface Entry {
  path: RelPath;
  mask: number;
  isDir: boolean;
  recursive: boolean;
  state: EntryState;
  /** a creation merged into this entry was recorded while a sync ran, or was a MOVED_TO (it may have replaced an object): a later delete must still be synced */
  createSeenBySync: boolean;
  /** ms time of the first event: the entry's window starts here */
  firstAt: number;
  /** old path while the entry is a directory created by a rename within the tree */
  movedFrom: RelPath | undefined;
  /** see Change.exchanged */
  exchanged: boolean;
  /** see Change.exchangedWith; undefined once no longer replayable */
  exchangedWith: RelPath | undefined;
  /** see Change.replayOrder: the sequence number of the event that set movedFrom or exchangedWith */
  replayOrder: number;
}

/** One delay class: its entries and the start of its oldest window. */
interface DelayClass {
  readonly entries: Map<RelPath, Entry>;
  delayMs: number;
  /** min firstAt of the entries; may be earlier than the true minimum after an entry moved out (then it only flushes early) */
  firstAt: number;
}

/**
 * A MOVED_TO may have replaced an object of that name: rename() overwrites a
 * file (or an empty directory) without any DELETE event. The destination may
 * hold that object, so a later delete in the same window must reach it — the
 * same situation as a creation a running sync may already have copied
 * (found by the differential fuzzer: `echo a > v; sync; echo b > t;
 * mv t v; rm v` left `v` at the destination). IN_CREATE cannot replace
 * anything: it is reported only for names that did not exist.
 */
function mayReplace(mask: number): boolean {
  return (mask & IN.MOVED_TO) !== 0;
}

/** Event bits of an object coming or going at a name (or anything below an overflow). */
const NAME_CHANGE_BITS = IN.CREATE | IN.DELETE | IN.DELETE_SELF | IN.MOVED_FROM | IN.MOVED_TO | IN.Q_OVERFLOW;

/** One queued entry as a state dump shows it. */
export interface QueuedEntry {
  path: RelPath;
  queue: 'normal' | 'bigfile';
  state: string;
  mask: number;
  recursive: boolean;
}

/** Collects, merges and releases change events. */
export class EventQueue {
  private readonly normal: DelayClass;
  private readonly bigfile: DelayClass;
  /**
   * Paths exchanged since the queue was last empty: a directory renamed
   * from below one afterwards left from the exchanged object, which the
   * destination does not have at that path yet.
   */
  private readonly exchangedPaths = new Set<RelPath>();
  private thresholdBigfile: number;
  private readonly now: () => number;
  /** ms time of the first event of each change the last take() returned, in its order (latency metrics) */
  takenFirstAt: readonly number[] = [];
  /** events added so far: the order of replayable renames and exchanges (Change.replayOrder) */
  private sequence = 0;

  /** `now` returns ms; defaults to Date.now (tests pass a fake clock). */
  constructor(options: QueueOptions, now: () => number = Date.now) {
    this.normal = { entries: new Map(), delayMs: options.delayCollectMs, firstAt: Infinity };
    this.bigfile = { entries: new Map(), delayMs: options.delayCollectBigfileMs, firstAt: Infinity };
    this.thresholdBigfile = options.thresholdBigfile;
    this.now = now;
  }

  /** Number of queued entries (paths), in every class. */
  get size(): number {
    return this.normal.entries.size + this.bigfile.entries.size;
  }

  /**
   * Records one event. `size` is from lstat when known (decides the big-file
   * class); `syncRunning` marks a creation that a running sync may already
   * copy, so a later delete of it must still reach the destination; `busy`:
   * the roots the running syncs copy with all below them (a directory renamed
   * from inside one is verified after its rename is replayed).
   */
  add(event: FsEvent, size: number | undefined, syncRunning: boolean, busy?: PathSet): void {
    this.sequence++;
    if (event.exchangedWith !== undefined) {
      // The destination's copy at this name is the object the exchange moved only when nothing came
      // or went at the name or above it earlier in the window (and no sync was copying meanwhile).
      const replayable = !syncRunning && this.untouchedUpTo(event.path);
      // One name, two facts: its object left, and the other name's arrived.
      this.exchangedPaths.add(event.path);
      this.addClass(event, 'delete', undefined, syncRunning);
      this.addClass(event, 'create', size, syncRunning);
      const entry = this.entryOf(event.path);
      if (entry && !replayable) entry.exchangedWith = undefined;
      return;
    }
    if (event.movedFrom !== undefined) {
      // Moved from where an exchange put another object: the destination's copy at the old path is not
      // this one, so there is no rename to replay. Moved from inside what a running sync copies with all
      // below it: that sync may have read the old path after the rename, so its copy there may be
      // anything; the rename is still replayed (nothing copied twice). Either way the content is verified.
      const afterExchange = this.exchangedPaths.size > 0 && atOrBelowAny(event.movedFrom, this.exchangedPaths);
      const fromBusy = busy !== undefined && busy.size > 0 && atOrBelowAny(event.movedFrom, busy);
      if (afterExchange || fromBusy) {
        const { movedFrom: _, ...moved } = event;
        this.addClass(afterExchange ? moved : event, classifyMask(event.mask), size, syncRunning);
        const entry = this.entryOf(event.path);
        if (entry) entry.exchanged = true;
        return;
      }
    }
    this.addClass(event, classifyMask(event.mask), size, syncRunning);
  }

  /** The queued entry of `path`, in either class. */
  private entryOf(path: RelPath): Entry | undefined {
    return this.normal.entries.get(path) ?? this.bigfile.entries.get(path);
  }

  /** No object came or went at `path` or any of its ancestors so far in the window. O(depth). */
  private untouchedUpTo(path: RelPath): boolean {
    const untouched = (p: RelPath): boolean => {
      const e = this.entryOf(p);
      return e === undefined || (!e.recursive && !e.exchanged && (e.mask & NAME_CHANGE_BITS) === 0);
    };
    if (!untouched(path) || !untouched('')) return false;
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) if (!untouched(path.slice(0, i))) return false;
    return true;
  }

  private addClass(event: FsEvent, eventClass: EventClass, size: number | undefined, syncRunning: boolean): void {
    const isDir = (event.mask & IN.ISDIR) !== 0;
    const exchange = event.exchangedWith !== undefined && eventClass === 'create';
    let home = this.normal;
    let entry = home.entries.get(event.path);
    if (entry === undefined) {
      home = this.bigfile;
      entry = home.entries.get(event.path);
    }
    const wantBig = !isDir && this.thresholdBigfile > 0 && size !== undefined && size >= this.thresholdBigfile;
    // Unknown size (e.g. deleted): stay where the entry is.
    const wantClass = size === undefined && entry !== undefined ? home : wantBig ? this.bigfile : this.normal;

    if (entry === undefined) {
      const now = this.now();
      const outcome = mergeOutcome('none', eventClass, false);
      entry = {
        path: event.path,
        mask: event.mask,
        isDir,
        recursive: event.recursive || eventClass === 'overflow',
        state: outcome === 'replaced' ? 'modified' : outcome,
        createSeenBySync: eventClass === 'create' && (syncRunning || mayReplace(event.mask)),
        firstAt: now,
        movedFrom: event.movedFrom,
        exchanged: exchange,
        exchangedWith: exchange ? event.exchangedWith : undefined,
        replayOrder: this.sequence,
      };
      wantClass.entries.set(event.path, entry);
      if (now < wantClass.firstAt) wantClass.firstAt = now;
      return;
    }

    const outcome = mergeOutcome(entry.state, eventClass, entry.createSeenBySync);
    if (outcome === 'replaced') {
      entry.state = 'modified';
      // The old and the new object differ entirely; a directory on either side means its content too.
      if (isDir || entry.isDir) entry.recursive = true;
    } else {
      entry.state = outcome;
    }
    if (eventClass === 'create' && (syncRunning || mayReplace(event.mask))) entry.createSeenBySync = true;
    if (eventClass === 'overflow' || event.recursive) entry.recursive = true;
    entry.mask |= event.mask;
    entry.isDir = isDir;
    // a rename is only worth replaying while the entry is still just "created by that rename"
    entry.movedFrom = entry.state === 'created' ? (event.movedFrom ?? entry.movedFrom) : undefined;
    if (event.movedFrom !== undefined || exchange) entry.replayOrder = this.sequence;
    if (exchange) {
      // a second exchange of the same name in the window cannot be replayed as one
      entry.exchangedWith = entry.exchanged ? undefined : event.exchangedWith;
      entry.exchanged = true;
    } else if (eventClass !== 'modify' && event.exchangedWith === undefined) {
      entry.exchangedWith = undefined;
    }

    if (wantClass !== home) {
      home.entries.delete(event.path);
      wantClass.entries.set(event.path, entry);
      if (entry.firstAt < wantClass.firstAt) wantClass.firstAt = entry.firstAt;
    }
  }

  /**
   * Put back changes whose sync failed (`--ignore-failures`), so they are
   * synced with the next batch instead of lost. A path that collected newer
   * events meanwhile keeps its newer state, widened by the old one (recursive,
   * mask); a newer "vanished" becomes "deleted", since the destination may
   * hold the object the failed sync was about.
   */
  requeue(changes: readonly Change[]): void {
    const now = this.now();
    for (const c of changes) {
      const entry = this.normal.entries.get(c.path) ?? this.bigfile.entries.get(c.path);
      if (entry) {
        entry.recursive ||= c.recursive;
        entry.mask |= c.mask;
        if (entry.state === 'vanished') entry.state = 'deleted';
        continue;
      }
      this.normal.entries.set(c.path, {
        path: c.path,
        mask: c.mask,
        isDir: c.isDir,
        recursive: c.recursive,
        state: c.state,
        createSeenBySync: true,
        firstAt: now,
        movedFrom: undefined,
        exchanged: c.exchanged ?? false,
        exchangedWith: undefined,
        replayOrder: 0,
      });
      if (now < this.normal.firstAt) this.normal.firstAt = now;
    }
  }

  /** ms timestamp when the next class becomes due, or undefined if empty. */
  nextDue(): number | undefined {
    let due = Infinity;
    for (const cls of [this.normal, this.bigfile]) {
      if (cls.entries.size > 0) due = Math.min(due, cls.firstAt + cls.delayMs);
    }
    return due === Infinity ? undefined : due;
  }

  /** New delays and big-file threshold (--custom-signals); queued entries keep their class and age. */
  setDelays(options: QueueOptions): void {
    this.normal.delayMs = options.delayCollectMs;
    this.bigfile.delayMs = options.delayCollectBigfileMs;
    this.thresholdBigfile = options.thresholdBigfile;
  }

  /** ms time of the oldest waiting window (a destination's lag), or undefined when empty (O(1); may be early, see DelayClass.firstAt). */
  oldestAt(): number | undefined {
    const oldest = Math.min(this.normal.entries.size > 0 ? this.normal.firstAt : Infinity, this.bigfile.entries.size > 0 ? this.bigfile.firstAt : Infinity);
    return oldest === Infinity ? undefined : oldest;
  }

  /** Queued entries per delay class (O(1), for status and metrics). */
  depths(): { normal: number; bigfile: number } {
    return { normal: this.normal.entries.size, bigfile: this.bigfile.entries.size };
  }

  /** The queued entries as they stand, for a state dump (signal 29); nothing is removed. */
  snapshot(): QueuedEntry[] {
    const out: QueuedEntry[] = [];
    for (const [cls, name] of [[this.normal, 'normal'], [this.bigfile, 'bigfile']] as const) {
      for (const e of cls.entries.values()) out.push({ path: e.path, queue: name, state: e.state, mask: e.mask, recursive: e.recursive });
    }
    return out;
  }

  /**
   * Removes and returns every entry of every class that is due at `now`
   * (of all classes if `all`). Vanished entries are dropped, not returned.
   */
  take(now: number, all = false): Change[] {
    const out: Change[] = [];
    const times: number[] = (this.takenFirstAt = []);
    for (const cls of [this.normal, this.bigfile]) {
      if (cls.entries.size === 0) continue;
      if (!all && now < cls.firstAt + cls.delayMs) continue;
      for (const e of cls.entries.values()) {
        if (e.state === 'vanished') continue;
        const change: Change = {
          path: e.path,
          mask: e.mask,
          isDir: e.isDir,
          recursive: e.recursive,
          state: e.state,
          maybeAtDestination: e.state !== 'created' || e.createSeenBySync,
        };
        if (e.movedFrom !== undefined && e.state === 'created') change.movedFrom = e.movedFrom;
        if (e.exchanged) change.exchanged = true;
        if (e.exchangedWith !== undefined && e.state !== 'deleted') change.exchangedWith = e.exchangedWith;
        if (change.movedFrom !== undefined || change.exchangedWith !== undefined) change.replayOrder = e.replayOrder;
        out.push(change);
        times.push(e.firstAt);
      }
      cls.entries.clear();
      cls.firstAt = Infinity;
    }
    if (this.size === 0) this.exchangedPaths.clear();
    return out;
  }
}

/** A set of paths, as far as atOrBelowAny needs one (a Set, or a Map's keys). */
export interface PathSet {
  has(path: RelPath): boolean;
  readonly size: number;
}

/** `path` is one of `paths` or below one ('' is the watch dir: everything is below it). O(depth). */
function atOrBelowAny(path: RelPath, paths: PathSet): boolean {
  if (paths.has(path) || paths.has('')) return true;
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) if (paths.has(path.slice(0, i))) return true;
  return false;
}
