/**
 * What the program modes (simple, direct, shell) tell their handler: one
 * entry per object, with the inotify mask of what happened to it. A batch
 * gives one entry per change (and per object inside a directory that came
 * with its content); the initial sync walks the tree and gives one per
 * object the rules let through, as the C clsync does (mask IN_CREATE, with
 * IN_ISDIR for a directory), the root first.
 */
import { SourceTree } from '../tree/source.js';
import { walkBelow, type WalkVisit } from '../tree/walk-below.js';
import { IN, type RelPath } from '../types.js';
import type { Change } from '../queue/index.js';
import type { ExcludedObject } from '../rsync/index.js';

/** One object a program handler is told about. */
export interface SyncEntry {
  /** relative to the watch dir ('' = the watch dir itself) */
  path: RelPath;
  /** inotify bits, IN_ISDIR for a directory */
  mask: number;
  /** it and everything below it changed (a directory created or moved in) */
  recursive: boolean;
}

/**
 * The entries of a batch, in its order. A directory that came with its
 * content (created or moved in: `recursive`) is followed by every object
 * below it that is not excluded, as the C tool queues them: a program
 * handler is told about objects one by one.
 */
export function batchEntries(changes: readonly Change[], watchDir: string, excluded: readonly ExcludedObject[]): SyncEntry[] {
  const out: SyncEntry[] = [];
  let below: ((root: RelPath) => void) | undefined;
  const tree = changes.some((c) => c.recursive && c.isDir && c.state !== 'deleted') ? new SourceTree(watchDir, false) : undefined;
  try {
    for (const c of changes) {
      out.push({ path: c.path, mask: c.mask | (c.isDir ? IN.ISDIR : 0), recursive: c.recursive });
      if (!tree || !c.recursive || !c.isDir || c.state === 'deleted') continue;
      below ??= lister(tree, excluded, out);
      below(c.path);
    }
  } finally {
    tree?.close();
  }
  // an object with a change of its own and below a new directory too is listed once
  const seen = new Set<RelPath>();
  return out.filter((e) => {
    if (seen.has(e.path)) return false;
    seen.add(e.path);
    return true;
  });
}

/**
 * Every object of the tree that the rules let through, the watch dir
 * first (`excluded`: what the walks found excluded; nothing below a
 * directory the walks do not enter is listed), read without following
 * symlinks, depth first.
 */
export function treeEntries(watchDir: string, excluded: readonly ExcludedObject[]): SyncEntry[] {
  const out: SyncEntry[] = excluded.some((e) => e.path === '') ? [] : [{ path: '', mask: IN.CREATE | IN.ISDIR, recursive: false }];
  const tree = new SourceTree(watchDir);
  try {
    lister(tree, excluded, out)('');
  } finally {
    tree.close();
  }
  return out;
}

/** A walk below a directory that adds each object not excluded to `out`, as created. */
function lister(tree: SourceTree, excluded: readonly ExcludedObject[], out: SyncEntry[]): (root: RelPath) => void {
  /** excluded path → whether the walks go below it (a directory whose content has rules of its own) */
  const skip = new Map(excluded.map((e) => [e.path, e.isDir && e.walked !== false]));
  const visit = (path: RelPath): WalkVisit => {
    const walked = skip.get(path);
    return { report: walked === undefined, descend: walked !== false };
  };
  const found = (path: RelPath, isDir: boolean): void => {
    out.push({ path, mask: IN.CREATE | (isDir ? IN.ISDIR : 0), recursive: false });
  };
  return (root) => walkBelow(tree, root, visit, found);
}

/** A path as the C tool hands it to `%INCLUDE-LIST%` in batched modes: relative, `.` for the root. */
export function relativeArg(path: RelPath): string {
  return path === '' ? '.' : path;
}

/** A path as absolute (the watch dir's path joined), as simple mode and `initialsync` runs get it. */
export function absoluteArg(watchDir: string, path: RelPath): string {
  return path === '' ? watchDir : `${watchDir}/${path}`;
}
