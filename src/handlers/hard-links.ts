import { lstatSync, type Stats } from 'node:fs';
import { bytesOf } from '../bytes.js';
import type { Change } from '../queue/index.js';
import type { FilesFromRun } from '../rsync/index.js';
import { IN } from '../types.js';

/**
 * How many hard-linked files (by device and inode) are remembered. Enough for
 * the names of a burst that land in different batches; a link to a file
 * from long ago is the documented limitation.
 */
const REMEMBERED = 65_536;

/** Event bits after which a file may have become (part of) a hard-link group. */
const NEW_NAME_BITS = IN.CREATE | IN.MOVED_TO | IN.CLOSE_WRITE;

/**
 * rsync `-H` links only names that are in the same transfer. When a new name
 * of a hard-linked file arrives in a later batch than its partner (`ln a b`
 * right after `a` was synced), the partner is added to the new name's run,
 * so the destination gets a link, not a copy. Remembers recently created or
 * written files by device and inode (a file gets its second name only later).
 */
export class HardLinkPartners {
  private readonly byInode = new Map<string, string>();

  constructor(private readonly watchDir: string) {}

  /**
   * Add known partners to the runs that send hard-linked files, then
   * remember this batch's files. `stat` is the batch's lstat of a source
   * path (shared with the planner, so a file is looked at once per batch).
   */
  addPartners(runs: Array<{ kind: FilesFromRun; paths: string[] }>, changes: readonly Change[], stat: SourceStat): void {
    for (const run of runs) {
      if (run.kind !== 'inplace' && run.kind !== 'recursive') continue;
      const listed = new Set(run.paths);
      for (const path of run.paths) {
        const key = inodeKey(stat(path), true);
        const partner = key && this.byInode.get(key);
        // the partner is looked at now: it may have been renamed or replaced since it was remembered
        if (!partner || listed.has(partner) || inodeKey(this.lstat(partner), false) !== key) continue;
        run.paths.push(partner);
        listed.add(partner);
      }
    }
    for (const c of changes) {
      if (c.state === 'deleted' || c.isDir || !(c.mask & NEW_NAME_BITS)) continue;
      const key = inodeKey(stat(c.path), false);
      if (!key) continue;
      this.byInode.delete(key);
      this.byInode.set(key, c.path);
      if (this.byInode.size > REMEMBERED) this.byInode.delete(this.byInode.keys().next().value!);
    }
  }

  private lstat(path: string): Stats | undefined {
    try {
      return lstatSync(bytesOf(this.watchDir + '/' + path), { throwIfNoEntry: false });
    } catch {
      return undefined; // ENOTDIR: an ancestor is a file now
    }
  }
}

/** lstat of a source path relative to the watch dir; undefined when gone. */
export type SourceStat = (path: string) => Stats | undefined;

/** "dev:ino" of a regular file (with more than one link if `linked`), or undefined. */
function inodeKey(st: Stats | undefined, linked: boolean): string | undefined {
  return st?.isFile() && (!linked || st.nlink > 1) ? `${st.dev}:${st.ino}` : undefined;
}
