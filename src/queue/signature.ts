/**
 * Modification signatures (`--modification-signature FIELDS`, SPEC §5): a
 * per-path cache of the lstat fields a path had when it was last synced.
 * When a batch is released, a change whose listed fields are all as cached
 * is dropped; otherwise it is synced and the cache takes the new values.
 *
 * The C clsync (sync.c fileischanged) does the same per event: compare
 * stat_diff(cached, now) & mask; unchanged → skip and keep the cache;
 * changed or first seen → sync and remember. So a handler's own change is
 * synced once more when it touches a listed field, and then settles: the
 * chown example (`--modification-signature uid,gid`, `chown --from=root`)
 * runs the handler for a new root-owned file, once more for the IN_ATTRIB of
 * its own chown (uid changed root → www-data), and never again while the
 * owner stays (a later write does not change uid/gid, and a second
 * `chown --from=root` changes nothing). Remembering the stat *after* the
 * sync would save that one run but would also swallow a user's change made
 * while the handler ran: never.
 *
 * Where we differ from the C tool, each on the safe side (more syncs, never
 * fewer): times compare to the nanosecond (C: whole seconds, so two writes
 * of one size in one second look alike); deletions, recursive changes and
 * renames/exchanges the planner replays are never dropped; a deleted or
 * recursively synced path forgets the entries of everything below it (their
 * cached stat no longer says what the destination has).
 */
import type { RelPath } from '../types.js';
import type { FullStat } from '../tree/source.js';
import type { Change } from './event-queue.js';
import { log } from '../log.js';

/** The lstat fields `--modification-signature` names, as bits (the C tool's STAT_FIELD_* values). */
export const StatField = {
  dev: 0x0001,
  ino: 0x0002,
  mode: 0x0004,
  nlink: 0x0008,
  uid: 0x0010,
  gid: 0x0020,
  rdev: 0x0040,
  size: 0x0080,
  blksize: 0x0100,
  blocks: 0x0200,
  atime: 0x0400,
  mtime: 0x0800,
  ctime: 0x1000,
} as const;

export type StatFieldName = keyof typeof StatField;

/**
 * `*`: the C tool's STAT_FIELD_ALL, 0x1ff7, which leaves out nlink: a hard
 * link made or removed elsewhere does not make this name's content new.
 */
export const STAT_FIELDS_ALL = 0x1ff7;

/** Where each field sits in a FullStat (tree/source.ts): [first index, count]. */
const FIELD_SLOTS: ReadonlyArray<readonly [number, number, number]> = [
  [StatField.dev, 0, 1],
  [StatField.ino, 1, 1],
  [StatField.mode, 2, 1],
  [StatField.nlink, 3, 1],
  [StatField.uid, 4, 1],
  [StatField.gid, 5, 1],
  [StatField.rdev, 6, 1],
  [StatField.size, 7, 1],
  [StatField.blksize, 8, 1],
  [StatField.blocks, 9, 1],
  [StatField.atime, 10, 2],
  [StatField.mtime, 12, 2],
  [StatField.ctime, 14, 2],
];

/**
 * The mask of `--modification-signature` values: field names, `*` for all
 * (but nlink, as in the C tool); empty items are ignored (C: getsubopt's
 * reset). 0 means the feature is off.
 */
export function signatureMask(fields: readonly string[]): number {
  let mask = 0;
  for (const f of fields) {
    if (f === '') continue;
    if (f === '*') mask |= STAT_FIELDS_ALL;
    else if (Object.hasOwn(StatField, f)) mask |= StatField[f as StatFieldName];
    else throw new RangeError(`unknown stat field "${f}"`);
  }
  return mask;
}

/**
 * The cache holds at most this many paths. An entry is a path plus a few
 * numbers (≈ 100 bytes of path, ≈ 150 bytes of array and Map slot), so the
 * bound is ≈ 25 MB. Past it the least recently synced path is forgotten,
 * which costs one sync of it at its next change (as if seen the first
 * time), never a lost one.
 */
export const SIGNATURE_CACHE_MAX = 100_000;

/** What the cache reads of the tree: every lstat field, never through a symlink (SourceTree.lstatFull). */
export type StatReader = (path: RelPath) => FullStat | undefined;

/** The per-path cache of modification signatures. */
export class SignatureCache {
  /** path → the masked fields at its last sync; Map order = least recently synced first */
  private readonly entries = new Map<RelPath, Float64Array>();
  private readonly slots: number[];

  constructor(
    mask: number,
    private readonly stat: StatReader,
    private readonly maxEntries = SIGNATURE_CACHE_MAX,
  ) {
    this.slots = [];
    for (const [bit, first, count] of FIELD_SLOTS) if (mask & bit) for (let i = 0; i < count; i++) this.slots.push(first + i);
  }

  /** Number of paths remembered. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The changes of a released batch that must be synced: those whose
   * listed fields changed since the path's last sync, seen the first time,
   * deleted (forgotten), recursive, or renames/exchanges to replay. One
   * lstat per change.
   */
  filter(changes: readonly Change[]): Change[] {
    const roots = new Set<RelPath>();
    for (const c of changes) {
      if (!keptAlways(c)) continue;
      // what was cached at and below these no longer says what the destination has
      roots.add(c.path);
      if (c.movedFrom !== undefined) roots.add(c.movedFrom);
      if (c.exchangedWith !== undefined) roots.add(c.exchangedWith);
    }
    this.forgetBelow(roots);
    const out: Change[] = [];
    const gone = new Set<RelPath>();
    for (const c of changes) {
      if (keptAlways(c)) {
        if (c.state !== 'deleted') this.remember(c.path, this.stat(c.path));
        out.push(c);
        continue;
      }
      const now = this.stat(c.path);
      if (now === undefined) {
        // gone since: whatever the batch says, its removal must reach the destination
        gone.add(c.path);
        out.push(c);
        continue;
      }
      const cached = this.entries.get(c.path);
      if (cached !== undefined && this.same(cached, now)) continue;
      this.remember(c.path, now);
      out.push(c);
    }
    this.forgetBelow(gone);
    if (out.length < changes.length && log.debugLevel >= 1) {
      log.debug(1, `--modification-signature: ${changes.length - out.length} of ${changes.length} changed paths unchanged since their last sync`);
    }
    return out;
  }

  /**
   * Forget these paths (their sync failed and they go back to the queue):
   * the next release compares against nothing and syncs them.
   */
  forget(changes: readonly Change[]): void {
    for (const c of changes) this.entries.delete(c.path);
  }

  private same(cached: Float64Array, now: FullStat): boolean {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if (cached[i] !== now[slots[i]]) return false;
    return true;
  }

  private remember(path: RelPath, now: FullStat | undefined): void {
    this.entries.delete(path); // re-inserted last: most recently synced
    if (now === undefined) return;
    const kept = new Float64Array(this.slots.length);
    for (let i = 0; i < this.slots.length; i++) kept[i] = now[this.slots[i]];
    this.entries.set(path, kept);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as RelPath;
      this.entries.delete(oldest);
    }
  }

  /**
   * Forget each of `roots` and every path below them: one pass over the
   * cache, O(entries × depth), and only for batches with deletions,
   * recursive changes or replayed renames; the root clears all.
   */
  private forgetBelow(roots: ReadonlySet<RelPath>): void {
    if (roots.size === 0 || this.entries.size === 0) return;
    if (roots.has('')) {
      this.entries.clear();
      return;
    }
    for (const key of this.entries.keys()) if (atOrBelowAny(key, roots)) this.entries.delete(key);
  }
}

/** Changes never dropped by their signature: deletions, recursive ones, renames and exchanges to replay. */
function keptAlways(c: Change): boolean {
  return c.recursive || c.state === 'deleted' || c.movedFrom !== undefined || c.exchangedWith !== undefined;
}

/** `path` is one of `paths` or below one. O(depth). */
function atOrBelowAny(path: RelPath, paths: ReadonlySet<RelPath>): boolean {
  if (paths.has(path)) return true;
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) if (paths.has(path.slice(0, i))) return true;
  return false;
}
