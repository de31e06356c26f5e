/**
 * Marking: walk directories breadth first with the native walker, ask the
 * filter (user rules) about every directory found, and register the ones to
 * walk or monitor in the watch table. Policy stays here; the C side only
 * opens, watches and reads (native/walk.c).
 *
 * One native call per BFS level (split in chunks so both cores work on big
 * levels), so the number of round trips is the depth of the tree.
 */
import { lstatSync } from 'node:fs';
import { errnoName } from '../errors.js';
import { constants as osConstants } from 'node:os';
import { WalkDecision, type RelPath, type WalkFilter } from '../types.js';
import { native, decodeWalkLevel, WalkFlag, WALK_OTHER_DEVICE, DT_DIR, DT_LINKED, type InotifyHandle } from '../native.js';
import { WatchTable, NO_NODE, NO_WD, type NodeId } from './watch-table.js';

const ENOENT = osConstants.errno.ENOENT;
const ENOTDIR = osConstants.errno.ENOTDIR;
const ENOSPC = osConstants.errno.ENOSPC;
const ELOOP = osConstants.errno.ELOOP;

/** Directories per native call: big enough to amortise the round trip, small enough to split a level over 2 threads. */
const CHUNK_DIRS = 2048;
/** Native walks in flight: the machine has 2 cores; more would only crowd the libuv pool others share. */
const PARALLEL_CHUNKS = 2;

/** What a marking run needs to know. */
export interface MarkContext {
  table: WatchTable;
  /** absolute path of the watch dir (UTF-8 JS string as the user gave it) */
  watchDir: string;
  /** inotify instance to add watches to; null marks without watching (counting only) */
  inotify: InotifyHandle | null;
  /** inotify mask for every watch */
  mask: number;
  /** st_dev of the watch dir when --one-file-system, otherwise null */
  rootDev: number | null;
  filter: WalkFilter;
  /** ask the filter about non-directories too */
  reportFiles: boolean;
  /** collect the regular files with more than one link (`MarkCounts.linked`; one lstat per file) */
  reportLinked: boolean;
  onWarning(message: string): void;
  /** a directory on another file system (with rootDev set): not crossed; -X excludes it from syncing */
  onMountPoint?(path: RelPath): void;
}

/** A directory to start marking at: the root (parent NO_NODE) or a child of a node already in the table. */
export interface MarkRoot {
  parent: NodeId;
  name: string;
}

/** Counters of one marking run. */
export interface MarkCounts {
  dirs: number;
  files: number;
  watches: number;
  errors: number;
  /** directories that wanted a watch but hit ENOSPC (the watch limit), or came after it */
  watchesRefused: number;
  /** the nodes of those directories (in the table without a watch) */
  unwatched: NodeId[];
  /**
   * Directories that were gone when the walk reached them (ENOENT, ENOTDIR).
   * The walk follows paths, so this is also what an ancestor renamed under
   * the walk looks like: the caller must look again once the rename's events
   * have moved the parent to its new path.
   */
  vanished: MarkRoot[];
  /** regular files with more than one link (with `reportLinked`) */
  linked: RelPath[];
  ms: number;
}

interface LevelItem {
  parent: NodeId;
  name: string;
  path: RelPath;
  decision: number;
}

/**
 * Mark the given roots and everything below them that the filter lets in.
 * Adds nodes (and watches) to `ctx.table`. When the watch limit is hit, the
 * walk goes on without adding watches so `watchesRefused` tells how many
 * more are needed; the caller turns that into a KernelLimitError.
 */
export async function markSubtrees(ctx: MarkContext, roots: readonly MarkRoot[]): Promise<MarkCounts> {
  const started = performance.now();
  const counts: MarkCounts = { dirs: 0, files: 0, watches: 0, errors: 0, watchesRefused: 0, unwatched: [], vanished: [], linked: [], ms: 0 };
  let level: LevelItem[] = [];
  for (const root of roots) {
    const path = root.parent === NO_NODE ? '' : joinPath(ctx.table.pathOf(root.parent), root.name);
    const decision = ctx.filter(path, true);
    if (decision & (WalkDecision.WALK | WalkDecision.MONITOR)) level.push({ parent: root.parent, name: root.name, path, decision });
  }
  const base = Buffer.from(ctx.watchDir, 'utf8');
  while (level.length > 0) {
    const next: LevelItem[] = [];
    const chunks: LevelItem[][] = [];
    for (let i = 0; i < level.length; i += CHUNK_DIRS) chunks.push(level.slice(i, i + CHUNK_DIRS));
    const results = await mapLimited(chunks, PARALLEL_CHUNKS, (chunk) =>
      walkChunk(ctx, base, chunk, counts.watchesRefused > 0),
    );
    // Results are applied in level order, on the JS thread, so the table never sees a half-applied level.
    for (let c = 0; c < chunks.length; c++) applyChunk(ctx, chunks[c], results[c], counts, next);
    level = next;
  }
  counts.ms = performance.now() - started;
  return counts;
}

export function joinPath(dir: RelPath, name: string): RelPath {
  return dir === '' ? name : dir + '/' + name;
}

async function walkChunk(ctx: MarkContext, base: Buffer, chunk: LevelItem[], limitHit: boolean) {
  let size = 0;
  for (const item of chunk) size += base.length + 2 + item.path.length;
  const paths = Buffer.allocUnsafe(size);
  const flags = new Uint8Array(chunk.length);
  let off = 0;
  for (let i = 0; i < chunk.length; i++) {
    const item = chunk[i];
    off += base.copy(paths, off);
    if (item.path !== '') {
      paths[off++] = 0x2f; // '/'
      off += paths.write(item.path, off, 'latin1');
    }
    paths[off++] = 0;
    let f = 0;
    if (item.decision & WalkDecision.MONITOR && ctx.inotify && !limitHit) f |= WalkFlag.WATCH;
    if (item.decision & WalkDecision.WALK) f |= WalkFlag.READ;
    if (ctx.reportFiles) f |= WalkFlag.LIST_FILES;
    if (ctx.reportLinked) f |= WalkFlag.LIST_LINKED;
    if (ctx.rootDev !== null) f |= WalkFlag.SAME_DEV;
    flags[i] = f;
  }
  const raw = await native.walkLevel(ctx.inotify, paths.subarray(0, off), flags, ctx.mask, ctx.rootDev ?? 0);
  return decodeWalkLevel(raw, chunk.length);
}

function applyChunk(
  ctx: MarkContext,
  chunk: LevelItem[],
  dirs: ReturnType<typeof decodeWalkLevel>,
  counts: MarkCounts,
  next: LevelItem[],
): void {
  const { table } = ctx;
  for (let i = 0; i < chunk.length; i++) {
    const item = chunk[i];
    const dir = dirs[i];
    if (dir.status === WALK_OTHER_DEVICE) {
      ctx.onMountPoint?.(item.path); // --one-file-system: a mount point, not ours
      continue;
    }
    if (dir.status < 0) {
      // Deleted, renamed (or an ancestor renamed) since it was listed, or replaced by a non-directory.
      if (dir.status === -ENOENT || dir.status === -ENOTDIR) {
        if (item.parent !== NO_NODE) counts.vanished.push({ parent: item.parent, name: item.name });
        continue;
      }
      if (dir.status === -ELOOP) continue; // now a symlink: nothing to watch
      counts.errors++;
      ctx.onWarning(`cannot read directory "${describe(ctx, item.path)}": ${errnoName(-dir.status)}; changes in it will not be seen`);
      if (dir.wd <= 0) continue;
    }
    if (item.parent !== NO_NODE && !table.isLive(item.parent)) continue;
    let wd = NO_WD;
    let refused = false;
    if (dir.wd > 0) {
      const owner = table.nodeOfWd(dir.wd);
      if (owner !== NO_NODE) {
        if (sameObject(ctx, table.pathOf(owner), item.path) || table.contains(owner, item.parent)) {
          // Same directory reached twice (bind mount, or mounted inside itself): descending would loop.
          ctx.onWarning(`"${describe(ctx, item.path)}" is the same directory as "${describe(ctx, table.pathOf(owner))}" (bind mount?); not descending into it again`);
          continue;
        }
        // The directory moved where no event showed it go (exchanged with, or renamed into, a directory
        // not watched yet): the node at its old path is stale, and events from its watch (the same one,
        // met again here) would name the old path. Forget it and mark the directory where it is.
        table.removeSubtree(owner);
      }
      wd = dir.wd;
      counts.watches++;
    } else if (dir.wd === -ENOSPC || (dir.wd === 0 && item.decision & WalkDecision.MONITOR && ctx.inotify)) {
      // ENOSPC, or not asked because an earlier directory of this marking hit it
      refused = true;
      counts.watchesRefused++;
    } else if (dir.wd < 0) {
      if (dir.wd === -ENOENT || dir.wd === -ENOTDIR) {
        if (item.parent !== NO_NODE) counts.vanished.push({ parent: item.parent, name: item.name });
        continue;
      }
      counts.errors++;
      ctx.onWarning(`cannot watch directory "${describe(ctx, item.path)}": ${errnoName(-dir.wd)}; changes in it will not be seen`);
    }
    const node = item.parent === NO_NODE ? table.setRoot(wd) : table.addChild(item.parent, item.name, wd);
    if (refused) counts.unwatched.push(node);
    counts.dirs++;
    counts.files += dir.others;
    if (dir.status < 0 || !(item.decision & WalkDecision.WALK)) continue;
    const { names, types } = dir;
    for (let j = 0; j < names.length; j++) {
      const path = joinPath(item.path, names[j]);
      if (types[j] === DT_DIR) {
        const decision = ctx.filter(path, true);
        if (decision & (WalkDecision.WALK | WalkDecision.MONITOR)) next.push({ parent: node, name: names[j], path, decision });
      } else {
        counts.files++;
        if (ctx.reportFiles) ctx.filter(path, false);
        if (types[j] & DT_LINKED) counts.linked.push(path);
      }
    }
  }
}

/** Do the two paths (relative to the watch dir) name one object now (same device and inode)? */
function sameObject(ctx: MarkContext, a: RelPath, b: RelPath): boolean {
  const stat = (p: RelPath) => {
    try {
      return lstatSync(Buffer.concat([Buffer.from(ctx.watchDir, 'utf8'), Buffer.from(p === '' ? '' : '/' + p, 'latin1')]), { throwIfNoEntry: false });
    } catch {
      return undefined; // ENOTDIR
    }
  };
  const x = stat(a);
  const y = stat(b);
  return x !== undefined && y !== undefined && x.ino === y.ino && x.dev === y.dev;
}

function describe(ctx: MarkContext, path: RelPath): string {
  const abs = path === '' ? ctx.watchDir : ctx.watchDir + '/' + Buffer.from(path, 'latin1').toString('utf8');
  return abs;
}


async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
