/**
 * A walk of the objects below a directory of the tree, read without
 * following symlinks (SourceTree), depth first in name order, with the
 * caller deciding for each object whether it is reported and whether the
 * walk goes below it. For what the kernel walk (mark.ts) does not report:
 * the objects a program handler is told about one by one, and the content
 * of a new directory the rules keep out of syncs while walking into it.
 */
import type { RelPath } from '../types.js';
import type { SourceTree } from './source.js';

/** What to do with one object. */
export interface WalkVisit {
  report: boolean;
  /** for a directory: walk below it */
  descend: boolean;
}

/** Call `found` for every object below `root` (relative; '' = the watch dir) that `visit` reports. */
export function walkBelow(
  tree: SourceTree,
  root: RelPath,
  visit: (path: RelPath, isDir: boolean) => WalkVisit,
  found: (path: RelPath, isDir: boolean) => void,
): void {
  const stack: RelPath[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const entries = tree.list(dir) ?? [];
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const below: RelPath[] = [];
    for (const e of entries) {
      const path = dir === '' ? e.name : `${dir}/${e.name}`;
      const v = visit(path, e.isDirectory);
      if (v.report) found(path, e.isDirectory);
      if (e.isDirectory && v.descend) below.push(path);
    }
    for (let i = below.length - 1; i >= 0; i--) stack.push(below[i]);
  }
}
