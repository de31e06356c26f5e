/**
 * The exclude list handed to rsync with `--exclude-from` (read before the
 * include list, so it wins): the objects the rules exclude, `/path` for a
 * non-directory and `/path/***` for a directory (it and all its content;
 * rsync matches `dir/***` against directories only — see include-list.ts).
 */
import type { RelPath } from '../types.js';
import { rsyncPattern } from './escape.js';
import type { ListSeparator } from './separator.js';

/** One object the rules exclude. */
export interface ExcludedObject {
  path: RelPath;
  isDir: boolean;
  /** a directory the rules let the walks into (its content has its own rules); default true */
  walked?: boolean;
}

/** The exclude list, and the objects that could not be written to it. */
export interface ExcludeList {
  list: Buffer;
  /**
   * Objects left out because their names hold "\n" or "\r" and the list is
   * newline-separated: rsync cannot read such a pattern, and a wildcard in
   * its place could exclude other objects. The caller should warn; these
   * objects will be synced. (NUL-separated lists have none.)
   */
  unlisted: RelPath[];
}

const LINE_BREAK = /[\n\r]/;

/** Builds the exclude list (sorted, deduplicated, one pattern per line). */
export function buildExcludeList(excluded: readonly ExcludedObject[], separator: ListSeparator): ExcludeList {
  const terminator = separator === 'nul' ? '\0' : '\n';
  const lines = new Set<string>();
  const unlisted: RelPath[] = [];
  for (const object of excluded) {
    // the watch dir itself: the rsync modes always sync it (as the C tool's initial sync does); it is in the
    // list only for the modes that name objects one by one
    if (object.path === '') continue;
    if (separator === 'newline' && LINE_BREAK.test(object.path)) {
      unlisted.push(object.path);
      continue;
    }
    lines.add(rsyncPattern(object.path, object.isDir));
  }
  const sorted = [...lines].sort();
  const text = sorted.length === 0 ? '' : sorted.join(terminator) + terminator;
  return { list: Buffer.from(text, 'latin1'), unlisted };
}
