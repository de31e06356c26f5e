import type { EntryStat, SourceTree } from '../tree/source.js';
import type { Change } from '../queue/index.js';
import { ancestorIn, type FilesFromRun } from '../rsync/index.js';
import { IN } from '../types.js';
import { RecentMap } from './recent-map.js';

/**
 * How many hard-linked files (by device and inode) are remembered. Enough for
 * the names of a burst that land in different batches; a link to a file
 * from long ago is the documented limitation.
 */
const REMEMBERED = 65_536;

/** How many files written with more than one link keep the names found for them (see `groups`). */
const REMEMBERED_GROUPS = 4_096;

/**
 * Directories synced recursively that are searched first for the partner of
 * a new hard link nobody remembers (their files were never in a batch one
 * by one): the most recent ones, for so long. Then the whole tree is, with
 * a bound on the entries read per batch, so a burst of links to old files
 * cannot turn every sync into a scan of a big tree.
 */
const RECENT_ROOTS = 64;
const RECENT_ROOT_MS = 60_000;
export const SEARCH_BUDGET = 50_000;

/** Event bits after which a file may have become (part of) a hard-link group. */
const NEW_NAME_BITS = IN.CREATE | IN.MOVED_TO | IN.CLOSE_WRITE;

/**
 * rsync `-H` links only names that are in the same transfer. When a new name
 * of a hard-linked file arrives in a later batch than its partner (`ln a b`
 * right after `a` was synced), the partner is added to the new name's run,
 * so the destination gets a link, not a copy. Remembers recently created or
 * written files by device and inode (a file gets its second name only later),
 * and searches recently synced new directories for the partners it does not
 * remember (`mkdir d; echo > d/a; ln d/a b` with `d` and `b` in two batches).
 */
export class HardLinkPartners {
  private readonly byInode = new RecentMap<string, string>(REMEMBERED);
  /**
   * Every name found for a written hard-linked file, with its link count
   * then: while the count is the same and the names still are the file's,
   * a file written again and again is not searched for again.
   */
  private readonly groups = new RecentMap<string, { nlink: number; names: string[] }>(REMEMBERED_GROUPS);
  /** recursive roots synced lately, oldest first */
  private readonly recentRoots: Array<{ path: string; at: number }> = [];

  /** `tree`: reads of the watched tree that never follow a symlink (a partner found through one would make rsync copy what it points to) */
  constructor(private readonly tree: SourceTree) {}

  /**
   * Add known partners to the runs that send hard-linked files, then
   * remember this batch's files. `stat` is the batch's lstat of a source
   * path (shared with the planner, so a file is looked at once per batch).
   */
  addPartners(runs: Array<{ kind: FilesFromRun; paths: string[] }>, changes: readonly Change[], stat: SourceStat): void {
    // This batch's recursive roots first: a new name's partner may be in a new directory of the same batch.
    const now = Date.now();
    for (const run of runs) {
      if (!isRecursive(run.kind)) continue;
      for (const path of run.paths) this.recentRoots.push({ path, at: now });
    }
    this.recentRoots.splice(0, Math.max(0, this.recentRoots.length - RECENT_ROOTS));
    const fresh = freshNames(runs, changes);
    const budget = { entries: SEARCH_BUDGET };
    for (const run of runs) {
      if (run.kind !== 'inplace' && run.kind !== 'link' && !isRecursive(run.kind)) continue;
      this.addPartnersTo(run.paths, 0, stat, fresh, budget, run.kind === 'inplace');
    }
    // Files inside this batch's recursive runs are not remembered one by one: the search of recent
    // recursive roots finds them (and sparing their lstat matters in a churn).
    for (const c of changes) {
      if (c.state === 'deleted' || c.isDir || !(c.mask & NEW_NAME_BITS)) continue;
      if (fresh.roots.size > 0 && ancestorIn(c.path, fresh.roots) !== undefined) continue;
      const key = inodeKey(stat(c.path), false);
      if (!key) continue;
      this.byInode.set(key, c.path);
    }
  }

  /** Names remembered for the file `key` that still are it (an lstat each): none listed in the run is left. */
  knownNames(key: string): string[] {
    const names = [...(this.groups.get(key)?.names ?? []), this.byInode.get(key)].filter((name): name is string => name !== undefined);
    return [...new Set(names)].filter((name) => inodeKey(this.lstat(name), false) === key);
  }

  /**
   * A renamed directory the destination does not have is copied whole by
   * `run` (recursive), and `-H` links only names in that run: its hard-linked
   * files are listed in the run with a partner each (no walk reported them:
   * a rename is not a new directory). One lstat per file below `root`.
   */
  addLinkedBelow(run: { paths: string[] }, root: string, stat: SourceStat): void {
    const linked: string[] = [];
    for (const path of this.filesBelow(root, { entries: Infinity })) if ((stat(path)?.nlink ?? 1) > 1) linked.push(path);
    if (linked.length === 0) return;
    const listed = new Set(run.paths);
    const start = run.paths.length;
    for (const path of linked) {
      if (listed.has(path)) continue;
      run.paths.push(path);
      listed.add(path);
    }
    // the copied directory is new at the destination: names outside it are the ones to join
    const fresh: FreshNames = { paths: new Set(), roots: new Set([root]) };
    this.addPartnersTo(run.paths, start, stat, fresh, { entries: SEARCH_BUDGET });
  }

  /**
   * Give each hard-linked file listed in `paths` (from index `from` on) its
   * other names, for `-H` to join them to the group the destination has:
   * - nothing (and no search) when every name of the file is listed
   *   (`cp -al` of a new directory);
   * - when every listed name is fresh (the destination may have none of
   *   them), every other name the search finds: one of them is the
   *   destination's. One partner would not do: it may be a name made after
   *   the last sync whose event comes in the next batch, and `-H` would make
   *   a new group of new names beside the destination's one (two `ln` of an
   *   old file in one window, then a write through a new name, never
   *   reached the old name);
   * - when the file's data was written (`written`: an `inplace` run), every
   *   other name found too: a run of an earlier batch that listed one name
   *   while the data changed (this write, whose event came after that
   *   batch was planned) replaced that name's file with a new one, apart
   *   from the names not in that run; `-H` joins it again. One partner
   *   missed it whenever the remembered name was another (fuzz seeds 105,
   *   109: a renamed directory's recursive run, a new directory's run that
   *   listed partners after the `inplace` run of the same batch);
   * - otherwise (a listed name the destination has) one more name, the
   *   remembered one or the first found, in case the destination has the
   *   group apart.
   * The names of one file are looked at once, not once each.
   */
  private addPartnersTo(paths: string[], from: number, stat: SourceStat, fresh: FreshNames, budget: { entries: number }, written = false): void {
    const listed = new Set(paths);
    /** inode key → its listed names, each once (a name listed twice counted as two hid a partner: fuzz seed 1853), with the lstat of one */
    const groups = new Map<string, { names: string[]; st: EntryStat }>();
    for (const path of listed) {
      const st = stat(path);
      const key = inodeKey(st, true);
      if (!key) continue;
      const group = groups.get(key);
      if (group) group.names.push(path);
      else groups.set(key, { names: [path], st: st! });
    }
    const wanted = new Set<string>();
    for (let i = from; i < paths.length; i++) {
      const key = inodeKey(stat(paths[i]), true);
      if (key) wanted.add(key);
    }
    for (const key of wanted) {
      const { names, st } = groups.get(key)!;
      if (names.length >= st.nlink) continue;
      const anchored = names.some((name) => !isFresh(name, fresh));
      let found: string[];
      const remembered = this.byInode.get(key);
      if (written || !anchored) {
        // Every name: a run that is not in place writes a new file for a changed name and links only
        // the listed names to it. With every name fresh, the one partner remembered left the others
        // on the old data (fuzz seed 262: a renamed directory's copy of a name written through).
        found = this.everyName(key, st, names, listed, budget);
      } else if (remembered !== undefined && !listed.has(remembered) && !isFresh(remembered, fresh) && inodeKey(this.lstat(remembered), false) === key) {
        // the partner is looked at now: it may have been renamed or replaced since it was remembered
        found = [remembered];
      } else {
        found = this.searchNames(st, (path) => !listed.has(path), anchored ? 1 : st.nlink - names.length, budget);
        const old = found.find((name) => !isFresh(name, fresh));
        if (old !== undefined) this.byInode.set(key, old);
      }
      for (const partner of found) {
        paths.push(partner);
        listed.add(partner);
      }
    }
  }

  /**
   * The names of the file `key` not `listed`: those found for it before
   * when its link count and each of them still hold (an lstat each),
   * otherwise a search (bounded by `budget`) for the ones not listed.
   */
  everyName(key: string, st: EntryStat, names: readonly string[], listed: ReadonlySet<string>, budget: { entries: number }): string[] {
    const known = this.groups.get(key);
    if (known && known.nlink === st.nlink && known.names.every((name) => names.includes(name) || inodeKey(this.lstat(name), false) === key)) {
      return known.names.filter((name) => !listed.has(name));
    }
    const want = st.nlink - names.length;
    const found = this.searchNames(st, (path) => !listed.has(path), want, budget);
    // kept when the search was complete: every name found, or the whole tree read (the rest are outside it)
    if (found.length === want || budget.entries > 0) this.groups.set(key, { nlink: st.nlink, names: [...names, ...found] });
    return found;
  }

  /**
   * Up to `want` `usable` names of `st`'s inode: in recently synced
   * recursive roots (newest first), then in the whole tree. Reads at most
   * `budget.entries` directory entries (shared by the batch).
   */
  private searchNames(st: EntryStat, usable: (path: string) => boolean, want: number, budget: { entries: number }): string[] {
    const found = new Set<string>();
    const oldest = Date.now() - RECENT_ROOT_MS;
    for (let i = this.recentRoots.length - 1; i >= 0 && budget.entries > 0 && found.size < want; i--) {
      const root = this.recentRoots[i];
      if (root.at < oldest) break;
      this.findInode(root.path, st, usable, found, want, budget);
    }
    // Then the whole tree, as far as the budget goes: a link to a file from before the daemon started.
    if (found.size < want) this.findInode('', st, usable, found, want, budget);
    return [...found];
  }

  /** Add to `found` the `usable` regular files below `dir` with st's inode, until it holds `want`. */
  private findInode(dir: string, st: EntryStat, usable: (path: string) => boolean, found: Set<string>, want: number, budget: { entries: number }): void {
    for (const child of this.filesBelow(dir, budget)) {
      if (found.has(child) || !usable(child)) continue;
      const other = this.lstat(child);
      if (!other || other.ino !== st.ino || other.dev !== st.dev) continue;
      found.add(child);
      if (found.size >= want) return;
    }
  }

  /**
   * The regular files below `dir` (relative, byte string; '' the watch dir),
   * depth first, while `budget.entries` (every entry read counts) lasts.
   */
  private *filesBelow(dir: string, budget: { entries: number }): Generator<string> {
    const stack = [dir];
    while (stack.length > 0 && budget.entries > 0) {
      const rel = stack.pop()!;
      const entries = this.tree.list(rel);
      if (!entries) continue; // gone, or not a directory of the tree any more
      budget.entries -= entries.length;
      for (const e of entries) {
        const child = rel === '' ? e.name : rel + '/' + e.name;
        if (e.isDirectory) stack.push(child);
        else if (e.isFile) yield child;
      }
    }
  }

  private lstat(path: string): EntryStat | undefined {
    return this.tree.lstat(path);
  }
}

/** The runs that write hard-linked files in place (`--inplace`): see files-from.ts. */
export function isInPlace(kind: FilesFromRun): boolean {
  return kind === 'inplace' || kind === 'link';
}

/**
 * Names of this batch's changes that got another object where the
 * destination may still hold the old one: moved in (IN_MOVED_TO: rename()
 * replaces silently), or deleted and created again in the window. That old
 * object may be a copy other names share there (a hard-linked file's): an
 * in-place run must not write through such a name (a hard-linked file
 * renamed over a name of another group wrote its data into that group's
 * copy, for good), so the handler removes it there first. A plain creation
 * (IN_CREATE, no delete before it) had nothing at the destination.
 */
export function replacingNames(changes: readonly Change[]): Set<string> {
  const names = new Set<string>();
  for (const c of changes) {
    if (c.isDir || c.state === 'deleted' || !c.maybeAtDestination) continue;
    if (c.mask & IN.MOVED_TO || (c.state === 'modified' && c.mask & IN.CREATE)) names.add(c.path);
  }
  return names;
}

/** path → "dev:ino" of the hard-linked files of in-place runs as planned (HardLinkPartners.plannedInodes). */
export type PlannedInodes = ReadonlyMap<string, string>;

function isRecursive(kind: FilesFromRun): boolean {
  return kind === 'recursive' || kind === 'recursive-verify';
}

/**
 * Names the destination may not have yet: made in this batch (created or
 * moved in), or below a directory this batch syncs recursively.
 */
interface FreshNames {
  paths: ReadonlySet<string>;
  roots: ReadonlySet<string>;
}

function freshNames(runs: ReadonlyArray<{ kind: FilesFromRun; paths: string[] }>, changes: readonly Change[]): FreshNames {
  const paths = new Set<string>();
  for (const c of changes) if (c.state === 'created' && !c.isDir) paths.add(c.path);
  const roots = new Set<string>();
  for (const run of runs) if (isRecursive(run.kind)) for (const p of run.paths) roots.add(p);
  return { paths, roots };
}

function isFresh(path: string, fresh: FreshNames): boolean {
  return fresh.paths.has(path) || fresh.roots.has(path) || ancestorIn(path, fresh.roots) !== undefined;
}

/** lstat of a source path relative to the watch dir; undefined when gone. */
export type SourceStat = (path: string) => EntryStat | undefined;

/** "dev:ino" of a regular file (with more than one link if `linked`), or undefined. */
export function inodeKey(st: EntryStat | undefined, linked: boolean): string | undefined {
  return st?.isFile() && (!linked || st.nlink > 1) ? `${st.dev}:${st.ino}` : undefined;
}
