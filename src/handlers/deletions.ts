/**
 * How deletions reach the destination (rsyncdirect, `--files-from` runs).
 *
 * - `missing-args`: every run passes `--delete-missing-args`, so a listed
 *   path missing at the source is deleted by rsync. Chosen when the probe
 *   (src/rsync/probe.ts) shows the handler's rsync can.
 * - `door`: a local destination whose rsync cannot (bug #910): paths missing
 *   at the source are removed beneath the destination fd (src/destination/)
 *   before each run, and only the rest is listed.
 * - `per-parent`: any other destination (remote, or given by the user's
 *   arguments: the receiver's rsync is unknown): one `-d --delete` run over
 *   the parents of the missing paths (src/rsync/delete-parents.ts).
 *
 * Without `--delete-missing-args` a path that vanishes between our look and
 * rsync's makes rsync exit 23, a race code: the run goes again with a fresh
 * look, which now finds it missing.
 */
import { log, showPath } from '../log.js';
import { ancestorIn } from '../rsync/index.js';
import { errnoName, Errno, type DestinationDoor } from '../destination/index.js';
import type { RelPath } from '../types.js';
import type { EntryStat, SourceTree } from '../tree/source.js';

/** A way to delete at the destination (see the module comment). */
export type DeletionStrategy = 'missing-args' | 'door' | 'per-parent';

const STRATEGIES: readonly DeletionStrategy[] = ['missing-args', 'door', 'per-parent'];

/**
 * For tests only: `CLSYNC_TEST_DELETION=missing-args|door|per-parent` forces
 * a strategy, so each is tested whatever rsync is installed.
 */
export function forcedDeletionStrategy(): DeletionStrategy | undefined {
  const value = process.env.CLSYNC_TEST_DELETION;
  if (!value) return undefined;
  if (!(STRATEGIES as readonly string[]).includes(value)) {
    throw new Error(`CLSYNC_TEST_DELETION=${value} is not one of ${STRATEGIES.join(', ')}; unset it`);
  }
  return value as DeletionStrategy;
}

/** A run's paths as the source has them now. */
export interface SourceSplit {
  /** paths to list: present ones, and for a path below a non-directory, that ancestor */
  present: RelPath[];
  /** the topmost missing component of each missing path (none below another): to delete */
  missing: RelPath[];
}

/**
 * Split `paths` by what the source holds now, looked at without following
 * any symlink (src/tree/source.ts). One lstat for a present path; a path
 * that is not there, or lies below a symlink or a file, is walked from the
 * top to its first component that is not a directory: missing (the path
 * itself or an ancestor), it is what to delete; a symlink or a file (the
 * path's parent became one), it is
 * listed instead (rsync sends it as what it is, and `--force` replaces the
 * destination's directory; listing the path below it would make rsync's
 * sender follow the symlink), unless it is a hard-linked file, which is
 * left to the batch that has its creation (sent alone, without its
 * partners, it would split its group at the destination).
 */
export function splitBySource(tree: SourceTree, paths: readonly RelPath[]): SourceSplit {
  const present: RelPath[] = [];
  const missing = new Set<RelPath>();
  const seen = new Map<RelPath, EntryStat | null>();
  const look = (rel: RelPath): EntryStat | null => {
    let st = seen.get(rel);
    if (st === undefined) {
      st = tree.lstat(rel) ?? null;
      seen.set(rel, st);
    }
    return st;
  };
  const listed = new Set<RelPath>();
  for (const path of paths) {
    if (look(path)) {
      present.push(path);
      continue;
    }
    let at = path.indexOf('/');
    while (at > 0 && look(path.slice(0, at))?.isDirectory()) at = path.indexOf('/', at + 1);
    const first = at > 0 ? path.slice(0, at) : path;
    const st = look(first);
    // An ancestor gone: deleted at the destination here, not left to its own change. When it was
    // renamed, the next batch would replay the rename at the destination and trust the copy there,
    // but a write below it that only this batch knows of (a same-size rewrite with the mtime
    // restored) would stay old: the renamed directory is copied whole instead.
    if (!st) {
      missing.add(first);
      continue;
    }
    if (!(st.isFile() && st.nlink > 1) && !listed.has(first)) {
      listed.add(first);
      present.push(first);
    }
  }
  return { present, missing: [...missing].filter((p) => ancestorIn(p, missing) === undefined) };
}

/** Removals through the door at once: the thread pool has 4 threads, and each removal is short. */
const REMOVALS_AT_ONCE = 4;

/**
 * Remove `paths` beneath the destination through `door`; resolves to those
 * it could not remove (for another strategy to try). Nothing there (ENOENT),
 * or a component that is a symlink or a file at the destination (ELOOP,
 * ENOTDIR: nothing below it is ours to delete, and the run for that
 * component replaces it), counts as done.
 */
export async function removeThroughDoor(door: DestinationDoor, paths: readonly RelPath[]): Promise<RelPath[]> {
  const left: RelPath[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++];
      const result = await door.remove(path);
      if (result === 0) {
        log.debug(2, `deleted ${showPath(path)} at the destination`);
      } else if (result === -Errno.ENOENT || result === -Errno.ELOOP || result === -Errno.ENOTDIR) {
        log.debug(2, `${showPath(path)}: nothing to delete at the destination (${errnoName(result)})`);
      } else {
        log.debug(1, `cannot delete ${showPath(path)} at the destination (${errnoName(result)}); rsync deletes it`);
        left.push(path);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REMOVALS_AT_ONCE, paths.length) }, worker));
  return left;
}
