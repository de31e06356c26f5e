/**
 * Folding a destination's backlog when it grows past its bound (a
 * destination down while the tree changes), as Syncthing's aggregator
 * does: changed paths give way to their directories, synced with all below
 * them, one level at a time, until few enough are left; at the top, one
 * sync of the whole tree. Memory stays bounded and nothing is lost.
 */
import type { RelPath } from '../types.js';

function parentOf(path: RelPath): RelPath {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Drop every path below another one of the set (a directory synced whole covers it). */
function outermost(paths: Iterable<RelPath>): RelPath[] {
  const sorted = [...new Set(paths)].sort();
  const out: RelPath[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && (last === '' || p.startsWith(`${last}/`))) continue;
    out.push(p);
  }
  return out;
}

/**
 * The paths to sync whole instead of `paths`: at most `max` of them (at
 * least one), each a directory of one or more of `paths`, or `['']` (the
 * whole tree). The deepest paths are folded first, so shallow changes keep
 * their own path as long as possible.
 */
export function collapseBacklog(paths: readonly RelPath[], max: number): RelPath[] {
  let current = outermost(paths.map(parentOf));
  while (current.length > Math.max(1, max)) {
    let depth = 0; // a loop, not Math.max(...): a backlog has more paths than a call takes arguments
    for (const p of current) depth = Math.max(depth, p === '' ? 0 : p.split('/').length);
    if (depth === 0) break;
    current = outermost(current.map((p) => (p !== '' && p.split('/').length === depth ? parentOf(p) : p)));
  }
  return current.length > Math.max(1, max) ? [''] : current;
}
