/**
 * The include list handed to rsync with `--include-from` (then `--exclude=*`
 * excludes everything else).
 *
 * rsync only descends into included directories, so each changed path comes
 * with every parent directory (`/a`, `/a/b`, then `/a/b/c`). A path that must
 * be synced with all its content — a recursive change, or a deleted path
 * (rsync refuses to delete a directory whose content is excluded) — is
 * written as two lines, `/path` and `/path/***`: rsync reads `dir/***` "as if
 * `dir/` had been specified", so it matches only a *directory* named path
 * (and its content); `/path` covers a file of that name (measured with rsync
 * 3.5: a deleted file listed only as `/f/***` is not deleted). Paths under a
 * recursive ancestor are dropped: already covered.
 *
 * Names containing "\n" or "\r" cannot be written to a newline-separated list
 * (rsync ends lines at either). When the list must be newline-separated, such
 * a path is replaced by the parent directory of its first component holding
 * one of them, synced recursively: more is synced than changed, nothing is
 * missed. NUL-separated lists (`--from0`, our default) need no such detour.
 */
import type { RelPath } from '../types.js';
import { rsyncPattern } from './escape.js';
import type { ListSeparator } from './separator.js';

/** What the list needs to know about one change (a queue Change fits). */
export interface ListChange {
  path: RelPath;
  recursive: boolean;
  state?: 'created' | 'modified' | 'deleted';
}

/** Options for building include lists. */
export interface IncludeListOptions {
  separator: ListSeparator;
  /** --rsync-inclimit: most lines per list; a longer list is split into several runs. 0 = no limit. */
  limit?: number;
}

const LINE_BREAK = /[\n\r]/;

/** A name in `path` holds "\n" or "\r": it cannot be one line of a newline-separated list. */
export function hasLineBreak(path: RelPath): boolean {
  return LINE_BREAK.test(path);
}

/** The ancestor to name instead of a path with a line break (hasLineBreak): the parent of its first such name. */
export function newlineSafeAncestor(path: RelPath): RelPath {
  const at = path.search(LINE_BREAK);
  const slash = path.lastIndexOf('/', at);
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * Reduces changes to the set of paths to list, each with its recursive flag:
 * merged per path, line-break names redirected, and paths below a recursive
 * ancestor dropped. Returned sorted by bytes.
 */
export function includeEntries(changes: readonly ListChange[], separator: ListSeparator): Array<[RelPath, boolean]> {
  const wanted = new Map<RelPath, boolean>();
  for (const change of changes) {
    let path = change.path;
    let recursive = change.recursive || change.state === 'deleted';
    if (separator === 'newline' && hasLineBreak(path)) {
      path = newlineSafeAncestor(path);
      recursive = true;
    }
    if (!wanted.get(path)) wanted.set(path, recursive);
  }
  const recursiveRoot = wanted.get('') === true;
  const kept: Array<[RelPath, boolean]> = [];
  for (const [path, recursive] of wanted) {
    if (path === '') {
      // The transfer root itself is always sent; list it only when recursive.
      if (recursive) kept.push([path, true]);
      continue;
    }
    if (recursiveRoot || coveredByAncestor(path, wanted)) continue;
    kept.push([path, recursive]);
  }
  kept.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return kept;
}

/** Is some proper ancestor of `path` listed recursively? */
function coveredByAncestor(path: RelPath, wanted: ReadonlyMap<RelPath, boolean>): boolean {
  let slash = path.lastIndexOf('/');
  while (slash > 0) {
    if (wanted.get(path.slice(0, slash)) === true) return true;
    slash = path.lastIndexOf('/', slash - 1);
  }
  return false;
}

/**
 * Builds the include list(s) for these changes: one Buffer per rsync run
 * (more than one only when `limit` splits it; each part repeats the parent
 * directories it needs). Lines are the latin1 bytes of the patterns, each
 * terminated by the separator; within a part they are sorted.
 */
export function buildIncludeLists(changes: readonly ListChange[], options: IncludeListOptions): Buffer[] {
  const terminator = options.separator === 'nul' ? '\0' : '\n';
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
  return splitByLimit(includeEntries(changes, options.separator), limit, terminator);
}

/** The general splitting builder: entries into parts of at most `limit` lines. */
function splitByLimit(entries: ReadonlyArray<[RelPath, boolean]>, limit: number, terminator: string): Buffer[] {
  const parts: Buffer[] = [];
  let lines: string[] = [];
  let listed = new Set<RelPath>();
  const needed: RelPath[] = [];
  for (const [path, recursive] of entries) {
    needed.length = 0;
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const parent = path.slice(0, slash);
      if (listed.has(parent)) break;
      needed.push(parent);
    }
    if (lines.length > 0 && lines.length + needed.length + (recursive ? 2 : 1) > limit) {
      lines.sort();
      parts.push(Buffer.from(lines.join(terminator) + terminator, 'latin1'));
      lines = [];
      listed = new Set();
      // Recompute for the fresh part: every parent is needed again.
      needed.length = 0;
      for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) needed.push(path.slice(0, slash));
    }
    for (const parent of needed) {
      listed.add(parent);
      lines.push(rsyncPattern(parent, false));
    }
    if (!listed.has(path) && path !== '') lines.push(rsyncPattern(path, false));
    if (recursive) lines.push(rsyncPattern(path, true));
    listed.add(path);
  }
  if (lines.length > 0) {
    lines.sort();
    parts.push(Buffer.from(lines.join(terminator) + terminator, 'latin1'));
  }
  return parts;
}
