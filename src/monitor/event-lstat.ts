/**
 * The monitor's one look at the disk for a path an event named (is the
 * object there, and of which kind). Kept in this one function so that what
 * every such look does (the guard below, a way to cancel it) is decided in
 * one place.
 *
 * Through SourceTree, beneath the watch dir's fd and never through a
 * symlink: a writer of the tree can swap a directory for a symlink to
 * somewhere else between the event and the look, and a look by absolute
 * path would then report what is outside the tree.
 */
import type { RelPath } from '../types.js';
import type { EntryStat, SourceTree } from '../tree/source.js';

/** lstat of an event's `path` (relative to the watch dir); undefined when it is gone, or below a symlink or a file. */
export function lstatEventPath(source: SourceTree, path: RelPath): EntryStat | undefined {
  return source.lstat(path);
}
