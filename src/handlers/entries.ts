/**
 * What the program modes (simple, direct, shell) tell their handler: one
 * entry per object, with the inotify mask of what happened to it. A batch
 * gives one entry per change; the initial sync walks the tree and gives one
 * per object the rules let through, as the C clsync does (mask IN_CREATE,
 * with IN_ISDIR for a directory), the root first.
 */
import { SourceTree } from '../tree/source.js';
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

/** The entries of a batch, in its order. */
export function batchEntries(changes: readonly Change[]): SyncEntry[] {
  return changes.map((c) => ({ path: c.path, mask: c.mask | (c.isDir ? IN.ISDIR : 0), recursive: c.recursive }));
}

/**
 * Every object of the tree below the watch dir that the rules let through
 * (`excluded`: what the walks found excluded; nothing below an excluded
 * directory is listed), read without following symlinks, depth first.
 */
export function treeEntries(watchDir: string, excluded: readonly ExcludedObject[]): SyncEntry[] {
  const skip = new Set(excluded.map((e) => e.path));
  const tree = new SourceTree(watchDir);
  const out: SyncEntry[] = [{ path: '', mask: IN.CREATE | IN.ISDIR, recursive: false }];
  try {
    const stack: RelPath[] = [''];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const entries = tree.list(dir) ?? [];
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const below: RelPath[] = [];
      for (const e of entries) {
        const path = dir === '' ? e.name : `${dir}/${e.name}`;
        if (skip.has(path)) continue;
        out.push({ path, mask: IN.CREATE | (e.isDirectory ? IN.ISDIR : 0), recursive: false });
        if (e.isDirectory) below.push(path);
      }
      for (let i = below.length - 1; i >= 0; i--) stack.push(below[i]);
    }
  } finally {
    tree.close();
  }
  return out;
}

/** A path as the C tool hands it to `%INCLUDE-LIST%` in batched modes: relative, `.` for the root. */
export function relativeArg(path: RelPath): string {
  return path === '' ? '.' : path;
}

/** A path as absolute (the watch dir's path joined), as simple mode and `initialsync` runs get it. */
export function absoluteArg(watchDir: string, path: RelPath): string {
  return path === '' ? watchDir : `${watchDir}/${path}`;
}
