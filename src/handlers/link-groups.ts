/**
 * The checks of hard-link groups around rsync runs (see HardLinkPartners
 * for how runs get their partners): the inodes an in-place run was planned
 * with, the names replaced while it ran, and after a batch the groups that
 * are not at the destination what they are at the source.
 */
import type { EntryStat, SourceTree } from '../tree/source.js';
import type { FilesFromRun } from '../rsync/index.js';
import { HardLinkPartners, inodeKey, isInPlace, SEARCH_BUDGET, type PlannedInodes, type SourceStat } from './hard-links.js';

export class LinkGroupChecks {
  constructor(
    private readonly partners: HardLinkPartners,
    private readonly tree: SourceTree,
  ) {}

  /**
   * The inode ("dev:ino") of each hard-linked file listed in the `inplace`
   * and `link` runs, as the batch was planned (`stat`: the batch's lstat;
   * partners added by addPartners are looked at here). replacedDuring
   * compares them after the run. Empty, at no cost, without such runs.
   */
  plannedInodes(runs: ReadonlyArray<{ kind: FilesFromRun; paths: string[] }>, stat: SourceStat): PlannedInodes {
    const planned = new Map<string, string>();
    for (const run of runs) {
      if (!isInPlace(run.kind)) continue;
      for (const path of run.paths) {
        const key = inodeKey(stat(path), true);
        if (key) planned.set(path, key);
      }
    }
    return planned;
  }

  /**
   * After an in-place run of `paths`: the names that were another file when
   * planned (another inode now, or gone), and for each such file the names
   * that still are it. rsync wrote in place through a replaced name: its new
   * data went into the destination's copy of the planned file, which every
   * name of that file shares there (fuzz seed 2: a rename over the name just
   * before rsync read it). The replaced names want a copy of their own, the
   * others their file's data again, in place. Undefined when nothing was
   * replaced: one lstat per hard-linked name listed.
   */
  replacedDuring(paths: readonly string[], planned: PlannedInodes): { replaced: string[]; others: string[] } | undefined {
    if (planned.size === 0) return undefined;
    const replaced: string[] = [];
    const replacedKeys = new Set<string>();
    const kept = new Map<string, string[]>();
    for (const path of paths) {
      const key = planned.get(path);
      if (key === undefined) continue;
      if (inodeKey(this.tree.lstat(path), false) === key) {
        const names = kept.get(key);
        if (names) names.push(path);
        else kept.set(key, [path]);
      } else {
        replaced.push(path);
        replacedKeys.add(key);
      }
    }
    if (replaced.length === 0) return undefined;
    const others: string[] = [];
    for (const key of replacedKeys) {
      const names = kept.get(key) ?? this.partners.knownNames(key);
      // one name still of the file is enough: written in place, its copy is every name's
      if (names.length > 0) others.push(...names);
    }
    return { replaced, others };
  }

  /**
   * After a batch's runs: the names to remove at the destination and send
   * again so that each hard-linked file the batch listed is one group
   * there, of its names in the tree and no others. rsync reads a name's
   * inode when it builds its list, so a name exchanged or renamed over while
   * it runs joins two groups there (fuzz seed 340); a run that listed only
   * some names of a file whose data changed splits one (seed 262). Checked
   * by link counts and inodes: one lstat on each side per listed name that
   * was hard-linked when the batch was planned (`planned`), and a search of
   * the tree (see everyName) only for a file whose copy has fewer names than
   * it has. `destination`: the destination's lstat, never through a symlink.
   * Empty when every group holds.
   */
  strayNames(listed: Iterable<string>, planned: SourceStat, destination: SourceStat): string[] {
    /** name → its source and destination inode keys, for hard-linked files listed */
    const keys = new Map<string, { source: string; copy: string }>();
    const sources = new Map<string, { names: string[]; st: EntryStat }>();
    const copies = new Map<string, { names: string[]; nlink: number }>();
    for (const name of listed) {
      if (keys.has(name)) continue;
      const was = planned(name);
      if (!was?.isFile() || was.nlink < 2) continue;
      const st = this.tree.lstat(name);
      const copy = destination(name);
      const source = inodeKey(st, false);
      const copyKey = inodeKey(copy, false);
      if (source === undefined || copyKey === undefined) continue; // not a file (any more): its own events follow
      keys.set(name, { source, copy: copyKey });
      const group = sources.get(source);
      if (group) group.names.push(name);
      else sources.set(source, { names: [name], st: st! });
      const copied = copies.get(copyKey);
      if (copied) copied.names.push(name);
      else copies.set(copyKey, { names: [name], nlink: copy!.nlink });
    }
    if (keys.size === 0) return [];
    const stray = new Set<string>();
    for (const { names, nlink } of copies.values()) {
      const sourceKeys = new Set(names.map((name) => keys.get(name)!.source));
      // one copy for two files, or a copy with more names than its file has
      if (sourceKeys.size > 1 || nlink > sources.get([...sourceKeys][0])!.st.nlink) for (const key of sourceKeys) stray.add(key);
    }
    const listedNames = new Set(keys.keys());
    const budget = { entries: SEARCH_BUDGET };
    const everyName = new Map<string, string[]>();
    for (const [source, { names, st }] of sources) {
      if (stray.has(source)) continue;
      const copyKeys = new Set(names.map((name) => keys.get(name)!.copy));
      if (copyKeys.size > 1) {
        stray.add(source); // one file, two copies
        continue;
      }
      const nlink = copies.get(keys.get(names[0])!.copy)!.nlink;
      if (nlink >= st.nlink) continue;
      // fewer names at the destination: a split, unless the others are outside the tree
      const others = this.partners.everyName(source, st, names, listedNames, budget);
      everyName.set(source, others);
      if (names.length + others.length > nlink) stray.add(source);
    }
    if (stray.size === 0) return [];
    // The files sharing a copy with a stray one are stray too: each is sent with all its names.
    for (let grown = true; grown; ) {
      grown = false;
      const strayCopies = new Set<string>();
      for (const k of keys.values()) if (stray.has(k.source)) strayCopies.add(k.copy);
      for (const k of keys.values()) {
        if (strayCopies.has(k.copy) && !stray.has(k.source)) {
          stray.add(k.source);
          grown = true;
        }
      }
    }
    const out: string[] = [];
    for (const source of stray) {
      const { names, st } = sources.get(source)!;
      out.push(...names, ...(everyName.get(source) ?? this.partners.everyName(source, st, names, listedNames, budget)));
    }
    return [...new Set(out)];
  }

}
