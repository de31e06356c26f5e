import { readdirSync, type Stats } from 'node:fs';
import { bytesOf, lstatBytes } from '../bytes.js';
import type { Change } from '../queue/index.js';
import { ancestorIn, type FilesFromRun } from '../rsync/index.js';
import { IN } from '../types.js';

/**
 * How many hard-linked files (by device and inode) are remembered. Enough for
 * the names of a burst that land in different batches; a link to a file
 * from long ago is the documented limitation.
 */
const REMEMBERED = 65_536;

/**
 * Directories synced recursively that are searched first for the partner of
 * a new hard link nobody remembers (their files were never in a batch one
 * by one): the most recent ones, for so long. Then the whole tree is, with
 * a bound on the entries read per batch, so a burst of links to old files
 * cannot turn every sync into a scan of a big tree.
 */
const RECENT_ROOTS = 64;
const RECENT_ROOT_MS = 60_000;
const SEARCH_BUDGET = 50_000;

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
  /** recursive roots synced lately, oldest first */
  private readonly recentRoots: Array<{ path: string; at: number }> = [];

  constructor(private readonly watchDir: string) {}

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
    const budget = { entries: SEARCH_BUDGET };
    for (const run of runs) {
      if (run.kind !== 'inplace' && run.kind !== 'link' && !isRecursive(run.kind)) continue;
      const listed = new Set(run.paths);
      // partners pushed meanwhile are visited too (a partner's own partner)
      for (const path of run.paths) this.addPartner(run.paths, listed, path, stat, budget);
    }
    // Files inside this batch's recursive runs are not remembered one by one: the search of recent
    // recursive roots finds them (and sparing their lstat matters in a churn).
    const roots = new Set<string>();
    for (const run of runs) if (isRecursive(run.kind)) for (const p of run.paths) roots.add(p);
    for (const c of changes) {
      if (c.state === 'deleted' || c.isDir || !(c.mask & NEW_NAME_BITS)) continue;
      if (roots.size > 0 && ancestorIn(c.path, roots) !== undefined) continue;
      const key = inodeKey(stat(c.path), false);
      if (!key) continue;
      this.byInode.set(key, c.path);
    }
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
    const budget = { entries: SEARCH_BUDGET };
    // as in addPartners, partners pushed meanwhile are visited too
    for (let i = start; i < run.paths.length; i++) this.addPartner(run.paths, listed, run.paths[i], stat, budget);
  }

  /** List a partner of `path` (another name of its inode) in `paths`, when it has one and it is not listed yet. */
  private addPartner(paths: string[], listed: Set<string>, path: string, stat: SourceStat, budget: { entries: number }): void {
    const st = stat(path);
    const key = inodeKey(st, true);
    if (!key) return;
    let partner = this.byInode.get(key);
    // the partner is looked at now: it may have been renamed or replaced since it was remembered
    if (partner !== undefined && partner !== path && inodeKey(this.lstat(partner), false) !== key) partner = undefined;
    if (partner === undefined || partner === path) {
      partner = this.searchRecentRoots(st!, path, budget);
      if (partner !== undefined) this.byInode.set(key, partner);
    }
    if (partner === undefined || listed.has(partner)) return;
    paths.push(partner);
    listed.add(partner);
  }

  /**
   * Another name of `st`'s inode in a recently synced new directory, or
   * undefined. Reads at most `budget.entries` directory entries (shared by
   * the batch), newest roots first.
   */
  private searchRecentRoots(st: Stats, path: string, budget: { entries: number }): string | undefined {
    const oldest = Date.now() - RECENT_ROOT_MS;
    for (let i = this.recentRoots.length - 1; i >= 0 && budget.entries > 0; i--) {
      const root = this.recentRoots[i];
      if (root.at < oldest) break;
      const found = this.findInode(root.path, st, path, budget);
      if (found !== undefined) return found;
    }
    // Then the whole tree, as far as the budget goes: a link to a file from before the daemon started.
    return this.findInode('', st, path, budget);
  }

  /** Search below `dir` for a regular file with st's inode, other than `except`. */
  private findInode(dir: string, st: Stats, except: string, budget: { entries: number }): string | undefined {
    for (const child of this.filesBelow(dir, budget)) {
      if (child === except) continue;
      const other = this.lstat(child);
      if (other && other.ino === st.ino && other.dev === st.dev) return child;
    }
    return undefined;
  }

  /**
   * The regular files below `dir` (relative, byte string; '' the watch dir),
   * depth first, while `budget.entries` (every entry read counts) lasts.
   */
  private *filesBelow(dir: string, budget: { entries: number }): Generator<string> {
    const stack = [dir];
    while (stack.length > 0 && budget.entries > 0) {
      const rel = stack.pop()!;
      let entries;
      try {
        entries = readdirSync(bytesOf(rel === '' ? this.watchDir : this.watchDir + '/' + rel), { withFileTypes: true, encoding: 'buffer' });
      } catch {
        continue; // gone, or not a directory any more
      }
      budget.entries -= entries.length;
      for (const e of entries) {
        const name = e.name.toString('latin1');
        const child = rel === '' ? name : rel + '/' + name;
        if (e.isDirectory()) stack.push(child);
        else if (e.isFile()) yield child;
      }
    }
  }

  private lstat(path: string): Stats | undefined {
    return lstatBytes(this.watchDir + '/' + path);
  }
}

function isRecursive(kind: FilesFromRun): boolean {
  return kind === 'recursive' || kind === 'recursive-verify';
}

/** lstat of a source path relative to the watch dir; undefined when gone. */
export type SourceStat = (path: string) => Stats | undefined;

/** "dev:ino" of a regular file (with more than one link if `linked`), or undefined. */
function inodeKey(st: Stats | undefined, linked: boolean): string | undefined {
  return st?.isFile() && (!linked || st.nlink > 1) ? `${st.dev}:${st.ino}` : undefined;
}

/**
 * A map that keeps about the `capacity` most recently set keys, in two
 * generations: when the young one is full it becomes the old one and the
 * old one is dropped. (Evicting a Map's first key one at a time is
 * quadratic: V8 skips the deleted entries on every `keys().next()`; 200k
 * files in a burst cost 6.5 s.)
 */
class RecentMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  set(key: K, value: V): void {
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}
