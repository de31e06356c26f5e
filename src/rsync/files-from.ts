/**
 * Syncs whose cost grows with the number of changes, not the size of the
 * tree (SPEC §10): rsync is handed exactly the changed paths with
 * `--files-from` (NUL-separated, so every legal name survives), instead of an
 * include filter that rsync matches against every entry of every directory
 * it descends into.
 *
 * One batch becomes up to three rsync runs, because rsync's options apply to
 * a whole run:
 * - `recursive`: new or moved-in directories, synced with all their content
 *   (`-r --delete`, the rules' exclusions applied with `--exclude-from`);
 * - `content`: files whose data was written. `--ignore-times` makes rsync
 *   transfer them even when size and mtime match (a same-size rewrite that
 *   restores the mtime is invisible to rsync's quick check, not to inotify);
 * - `verify`: files created while a sync ran, which that sync may already
 *   have copied (a burst of new files in new directories: the recursive run
 *   of a directory finds most of the files whose events come next).
 *   `--checksum` sends them only when the content differs: as exact as
 *   `--ignore-times`, and about half the cost when the copy is already there
 *   (measured: 10k files of 0–4 KiB, 0.42 s of rsync CPU instead of 0.81 s;
 *   the same 0.87 s when it is not).
 * - `recursive-verify`: new directories created while a sync ran, which
 *   that sync may have copied in part (half-written files included): synced
 *   with all their content and `--checksum`. Exact whatever the destination
 *   holds, and each file is read once more instead of sent twice (once by
 *   the recursive run, then again by a `content` run after it, as before: a
 *   200k-file burst is mostly such directories).
 * - `plain`: everything else — attribute changes, deletions, renamed files,
 *   symlinks, directories themselves (no recursion).
 * - `link`: other changed names of files with more than one hard link
 *   (attributes changed; reported by a walk), with a partner so `-H` links
 *   them, after the `inplace` run, and with `--inplace` but the quick
 *   check: sent in a plain run, a name whose data changed through another
 *   name (before or while the run goes) would be replaced by a new file.
 * - `inplace`: written (or new, or renamed) files with more than one hard
 *   link, also with `--inplace`, so the destination's copy of the group is
 *   updated in place and every name of it sees the new data (rsync would
 *   otherwise replace the one name with a new file and split the group).
 *   New files with more than one link inside a new directory join that
 *   directory's recursive run, so `-H` sees the whole new group in one
 *   transfer; those written in the window, or that came by a rename, or
 *   lie below a renamed or replaced directory, are also written in place
 *   after it (the quick check against the group's copy at the destination
 *   misses a same-size rewrite that restored the mtime).
 * Every run passes `--delete-missing-args` (where the rsync can: see
 * src/handlers/deletions.ts): a listed path that no longer exists at the
 * source is deleted at the destination (directories with their content),
 * which is how deletions, moves out and renames reach it.
 *
 * A recursive run trusts rsync's quick check. That is right for a brand-new
 * directory, but not where the destination may already hold older files of
 * the same size and mtime: a directory renamed within the tree (renamed at
 * the destination first, see the handler), or one deleted and created
 * again in the window. Files written in those during the window — under
 * the old or the new path — get a second `content` run after the recursive
 * one. (A directory created while a sync ran goes to `recursive-verify`.)
 * Nor where an exchange (renameat2 RENAME_EXCHANGE) put another directory:
 * the destination holds the other name's files there, same sizes and
 * mtimes, and no write event tells which differ; the recursive run that
 * covers an exchanged path is a `recursive-verify` run. Unless the handler
 * replayed the exchange at the destination first (`replayedExchanges`):
 * then each name there holds its object, as after a replayed rename, and
 * files written in the window below either name are sent again under both
 * names (a write before the exchange is now under the other one).
 */
import { IN, type RelPath } from '../types.js';

/** Which kind of run a path goes to. */
export type FilesFromRun = 'recursive' | 'recursive-verify' | 'content' | 'verify' | 'inplace' | 'link' | 'plain';

/** Hard-link count of a source path (1 when unknown or gone). */
export type LinkCount = (path: RelPath) => number;

/** What the planner needs of a change (a queue Change fits). */
export interface FilesFromChange {
  path: RelPath;
  mask: number;
  recursive: boolean;
  state: 'created' | 'modified' | 'deleted';
  /** a directory created by a rename within the tree: its old path */
  movedFrom?: RelPath;
  /** the destination may already hold an object at this path (see Change) */
  maybeAtDestination?: boolean;
  /** the object came by an exchange: the destination may hold the other name's (see Change) */
  exchanged?: boolean;
}

/** One rsync run of a plan (split further by --rsync-inclimit). */
export interface FilesFromRunPlan {
  kind: FilesFromRun;
  paths: RelPath[];
  /**
   * Runs of a lower stage end before a higher stage starts; runs of one
   * stage touch disjoint paths and may go at the same time (the handler
   * checks that no path is listed twice, since hard-link partners are added
   * to runs after planning).
   */
  stage: number;
}

/** The paths of each run, in the order the runs must go. */
export interface FilesFromPlan {
  /** the whole tree must be synced (overflow, USR2): run a full sync, then `runs` (only `link`) */
  full: boolean;
  runs: FilesFromRunPlan[];
  /**
   * The watch dir's own attributes must be synced last (its mtime changes
   * with what is created or deleted directly in it). rsync sends the
   * attributes of a listed path's parents, but never of the transfer root,
   * and listing "." would send the root's whole first level.
   */
  root: boolean;
}

/**
 * Event bits that mean the file's data may differ from the destination's
 * copy: written, or a new name (a new file, a new hard link, a rename).
 */
const CONTENT_BITS = IN.MODIFY | IN.CLOSE_WRITE | IN.CREATE | IN.MOVED_TO;

/** Event bits of a name coming or going: they change the parent directory's mtime. */
const NAME_BITS = IN.CREATE | IN.DELETE | IN.MOVED_FROM | IN.MOVED_TO;

/** The batch needs the whole tree synced (the root is recursive: overflow, USR2): planFilesFrom's `full`. */
export function needsFullSync(changes: readonly FilesFromChange[]): boolean {
  return changes.some((c) => c.path === '' && c.recursive && c.state !== 'deleted');
}

/**
 * Sort changes into runs. Paths below a recursive entry are dropped (the
 * recursive run covers them). Deletions and plain changes go first so a name
 * freed by a deletion is free before a recursive run reuses it.
 */
export function planFilesFrom(
  changes: readonly FilesFromChange[],
  linkCount: LinkCount = () => 1,
  /** see NO_EXCHANGES */
  replayedExchanges: ReadonlyMap<RelPath, RelPath | null> = NO_EXCHANGES,
): FilesFromPlan {
  const recursiveRoots = new Set<RelPath>();
  /** renamed directories, old path → new path, in the order they happened (the queue's order) */
  const renamed: Array<[RelPath, RelPath]> = [];
  /** recursive roots where the destination may hold older files: renamed, or replaced */
  const untrusted = new Set<RelPath>();
  /** new recursive roots that the last sync may have copied in part */
  const verifyRoots = new Set<RelPath>();
  for (const c of changes) {
    if (!c.recursive || c.state === 'deleted') continue;
    if (c.path === '') return fullPlan(changes, linkCount);
    recursiveRoots.add(c.path);
    if (c.movedFrom !== undefined) renamed.push([c.movedFrom, c.path]);
    if (c.movedFrom !== undefined || c.state !== 'created') untrusted.add(c.path);
    else if (c.maybeAtDestination) verifyRoots.add(c.path);
  }
  const renames = new Renames(renamed);
  // An exchanged directory holds the other name's files, which the destination has under that name
  // with the same sizes and mtimes: the recursive run that covers it (where it is now) checks content.
  for (const c of changes) {
    if (!c.exchanged || c.state === 'deleted' || recursiveRoots.size === 0 || replayedExchanges.has(c.path)) continue;
    const now = renames.currentPath(c.path) ?? c.path;
    const root = recursiveRoots.has(now) ? now : ancestorIn(now, recursiveRoots);
    if (root !== undefined) verifyRoots.add(root);
  }
  const plain: RelPath[] = [];
  const content: RelPath[] = [];
  const verify: RelPath[] = [];
  const recursive: RelPath[] = [];
  const recursiveVerify: RelPath[] = [];
  /** the recursive run that covers `path` (below root) */
  const recursiveRunOf = (root: RelPath): RelPath[] => (verifyRoots.has(root) ? recursiveVerify : recursive);
  const contentAfter: RelPath[] = [];
  const inplace: RelPath[] = [];
  const inplaceAfter: RelPath[] = [];
  const link: RelPath[] = [];
  let root = false;
  for (const c of changes) {
    // The root's mtime moves only when names in it come or go (a write to a top-level file leaves it).
    if (c.path === '' || (c.path.indexOf('/') < 0 && (c.state !== 'modified' || c.mask & NAME_BITS))) root = true;
    if (c.path === '') continue;
    // A deleted file may be back by the time rsync runs (rm, then recreated with the same size in the
    // same second): sending it with --ignore-times costs nothing when it is really gone.
    const written = !(c.mask & IN.ISDIR) && (c.state === 'deleted' ? !c.recursive : (c.mask & CONTENT_BITS) !== 0);
    const file = isExistingFile(c);
    /** where a file below renamed directories is now */
    const renamedTo = (written || file) && renamed.length > 0 ? renames.currentPath(c.path) : undefined;
    if (file && c.state === 'created' && recursiveRoots.size > 0) {
      // A new hard link inside a new or renamed directory is listed in the recursive run on its own
      // too, so the file's other names can join that run and -H links it (cp -al, ln into a new dir).
      const now = renamedTo ?? c.path;
      const root = ancestorIn(now, recursiveRoots);
      if (root !== undefined && linkCount(now) > 1) {
        recursiveRunOf(root).push(now);
        // -H links the name to the destination's copy of the group, which the quick check finds current
        // when a write kept size and mtime: a name written in this window, one that came by a rename
        // (written under its old name), or one below a renamed or replaced directory is written in place
        // after the recursive run (fuzz seeds 1607, 1633), as a single-link file there is sent again
        // (contentAfter). A plain new link (cp -al) needs nothing: a write through another name is that
        // name's own change.
        if (c.mask & (IN.MOVED_TO | IN.MODIFY | IN.CLOSE_WRITE) || ancestorIn(now, untrusted) !== undefined) inplaceAfter.push(now);
        continue;
      }
    }
    if (written && untrusted.size > 0) {
      /** below a replayed exchange: the same path below the other name (where it is if written before) */
      const swapped = replayedExchanges.size > 0 ? swappedPaths(c.path, replayedExchanges) : NO_PATHS;
      if (renamedTo !== undefined || swapped.length > 0 || ancestorIn(c.path, untrusted) !== undefined) {
        // the old path itself needs nothing: the renamed directory's own entry deletes it;
        // a hard-linked file is written in place (after the recursive run), keeping its group
        const paths = [renamedTo ?? c.path];
        for (const other of swapped) paths.push(renames.currentPath(other) ?? other);
        for (const path of paths) {
          if (c.state !== 'deleted' && linkCount(path) > 1) inplaceAfter.push(path);
          else contentAfter.push(path);
        }
        continue;
      }
    }
    if (ancestorIn(c.path, recursiveRoots) !== undefined) continue;
    if (c.recursive && c.state !== 'deleted') recursiveRunOf(c.path).push(c.path);
    else if (file && linkCount(c.path) > 1) (written ? inplace : link).push(c.path);
    else if (written && c.state === 'created' && c.maybeAtDestination) verify.push(c.path);
    else if (written) content.push(c.path);
    else plain.push(c.path);
  }
  // Deletions first (they free names the others may reuse). Then hard-linked files, in place with
  // their partners (which join the run), before any recursive run lists a partner too: a recursive
  // run would replace a partner whose data changed with a new file, splitting it from its names not in
  // that run. Then new files, written files and new directories, which are disjoint subtrees (paths
  // below a recursive root were dropped); the re-sends below untrusted roots after the recursive run.
  const runs: FilesFromRunPlan[] = [];
  // Each path once: a name listed twice miscounted its hard-link group (seed 1853). Changes have one path
  // each; only a rename or a replayed exchange can lead two of them to one (a write under a renamed
  // directory's old name and one under its new name), so a batch without them skips the Set.
  const mapped = renamed.length > 0 || replayedExchanges.size > 0;
  const add = (kind: FilesFromRun, paths: RelPath[], stage: number): void => {
    if (paths.length) runs.push({ kind, paths: mapped ? [...new Set(paths)] : paths, stage });
  };
  add('plain', plain, 0);
  add('inplace', inplace, 1);
  add('link', link, 2);
  add('content', content, 3);
  add('verify', verify, 3);
  add('recursive', recursive, 3);
  add('recursive-verify', recursiveVerify, 3);
  add('inplace', inplaceAfter, 4);
  add('content', contentAfter, 5);
  return { full: false, runs, root };
}

/**
 * Both names of each exchange replayed at the destination: each → the
 * other, or null when the other holds no directory now (nothing written
 * below this name before the exchange can be below it).
 */
const NO_EXCHANGES: ReadonlyMap<RelPath, RelPath | null> = new Map();

const NO_PATHS: readonly RelPath[] = [];

/**
 * For `path` below names of replayed exchanges: every other path its file
 * may be at now, whichever of those exchanges came before its write (the
 * same path below the other name, at each exchanged ancestor, and so on).
 * Empty when no exchanged name is above it. O(depth) per path found.
 */
function swappedPaths(path: RelPath, exchanges: ReadonlyMap<RelPath, RelPath | null>): readonly RelPath[] {
  if (ancestorIn(path, exchanges) === undefined) return NO_PATHS;
  const found = new Set<RelPath>([path]);
  const todo = [path];
  while (todo.length > 0) {
    const at = todo.pop()!;
    for (let i = at.indexOf('/'); i > 0; i = at.indexOf('/', i + 1)) {
      const other = exchanges.get(at.slice(0, i));
      if (other === undefined || other === null) continue;
      const moved = other + at.slice(i);
      if (found.has(moved)) continue;
      found.add(moved);
      todo.push(moved);
    }
  }
  found.delete(path);
  return [...found];
}

/** A change of something that is not a directory and was not deleted (a file, a symlink, …). */
function isExistingFile(c: FilesFromChange): boolean {
  return !(c.mask & IN.ISDIR) && c.state !== 'deleted';
}

/**
 * The whole tree is due (overflow, USR2). It is synced one top-level
 * subtree per rsync, and -H links only names in the same run: the names of
 * hard-linked files in this batch (a rescan reports them all) get a `link`
 * run after it, which joins groups the parallel runs copied apart.
 */
function fullPlan(changes: readonly FilesFromChange[], linkCount: LinkCount): FilesFromPlan {
  const link: RelPath[] = [];
  for (const c of changes) if (c.path !== '' && isExistingFile(c) && linkCount(c.path) > 1) link.push(c.path);
  return { full: true, runs: link.length ? [{ kind: 'link', paths: link, stage: 0 }] : [], root: true };
}

/**
 * Where a path below renamed directories is now, or undefined when no rename
 * concerns it. Renames apply in the order they happened, so chains (a child
 * renamed, then its parent) end at the current path. Indexed by old path:
 * O(depth × renames that apply) per path, not O(renames) — a churn with
 * thousands of directory renames and written files was quadratic.
 */
class Renames {
  /** old path → (order, new path), in order */
  private readonly byFrom = new Map<RelPath, Array<[number, RelPath]>>();

  constructor(renamed: ReadonlyArray<readonly [RelPath, RelPath]>) {
    renamed.forEach(([from, to], order) => {
      const list = this.byFrom.get(from);
      if (list) list.push([order, to]);
      else this.byFrom.set(from, [[order, to]]);
    });
  }

  currentPath(path: RelPath): RelPath | undefined {
    if (this.byFrom.size === 0) return undefined;
    let now: RelPath | undefined;
    let after = -1;
    for (;;) {
      const current = now ?? path;
      // the earliest rename after the last one applied, of any ancestor of the current path
      let best: [number, RelPath] | undefined;
      let bestFrom = 0;
      for (let k = current.indexOf('/'); k > 0; k = current.indexOf('/', k + 1)) {
        const list = this.byFrom.get(current.slice(0, k));
        if (!list) continue;
        for (const entry of list) {
          if (entry[0] <= after) continue;
          if (!best || entry[0] < best[0]) {
            best = entry;
            bestFrom = k;
          }
          break;
        }
      }
      if (!best) return now;
      now = best[1] + current.slice(bestFrom);
      after = best[0];
    }
  }
}

const SLASH = 0x2f;

/** The ancestor of `path` (strictly above it) that is a key of `roots`, or undefined. O(depth). */
export function ancestorIn(path: RelPath, roots: ReadonlySet<RelPath> | ReadonlyMap<RelPath, unknown>): RelPath | undefined {
  if (roots.size === 0) return undefined;
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    const ancestor = path.slice(0, i);
    if (roots.has(ancestor)) return ancestor;
  }
  return undefined;
}
