/**
 * The inotify backend's watch table kept in step with the kernel: every
 * change to the table that ends a directory's watch also removes the
 * kernel's (the kernel would otherwise keep watching a directory that left
 * the tree, and use up the watch limit).
 */
import { basename, dirname, resolve } from 'node:path';
import { byteString } from '../bytes.js';
import { IN, WalkDecision, type RelPath, type WalkFilter } from '../types.js';
import { native, type InotifyHandle } from '../native.js';
import { WatchTable, NO_NODE, NO_WD, type NodeId } from '../tree/watch-table.js';

/** The watch table and the inotify handle its watches belong to. */
export class InotifyWatches {
  /** replaced whole by a rescan (replaceTable): node ids of one table mean nothing in another */
  table = new WatchTable();
  /** null before start and after close */
  handle: InotifyHandle | null = null;
  /** the watch on the watch dir's parent (watchRootEntry), or -1 */
  rootEntryWd = -1;
  private rootName = '';

  constructor(private readonly filter: WalkFilter) {}

  /** Take a rescan's `fresh` table; remove the kernel watches only the old one had. */
  replaceTable(fresh: WatchTable): void {
    const old = this.table;
    this.table = fresh;
    const handle = this.handle;
    if (handle) {
      old.forEachWd((wd) => {
        if (fresh.nodeOfWd(wd) === NO_NODE) native.inotifyRmWatch(handle, wd);
      });
    }
  }

  /** A directory of that name is still in the table (its removal was not seen yet): drop it before re-adding. */
  replaceStale(parent: NodeId, name: string): void {
    const stale = this.table.child(parent, name);
    if (stale !== NO_NODE) this.dropSubtree(stale, NO_WD);
  }

  /** Drop a subtree; remove the kernel watches still alive (all but `deadWd`, which the kernel already dropped). */
  dropSubtree(node: NodeId, deadWd: number): void {
    const handle = this.handle;
    this.table.removeSubtree(node, (wd) => {
      if (wd !== deadWd && handle) native.inotifyRmWatch(handle, wd);
    });
  }

  /** A rename inside the tree: O(1) in the table, unless the rules now exclude the new path. */
  renameDir(node: NodeId, newParent: NodeId, name: string, path: RelPath): void {
    const handle = this.handle;
    this.table.rename(node, newParent, name, (wd) => {
      if (handle) native.inotifyRmWatch(handle, wd);
    });
    // Rules match full paths: a directory renamed into an excluded name is no longer watched.
    // (Descendants keep their earlier decisions; re-evaluating them would cost a walk per rename.)
    if (!(this.filter(path, true) & (WalkDecision.WALK | WalkDecision.MONITOR))) this.dropSubtree(node, NO_WD);
  }

  /** MOVED_FROM without MOVED_TO: the directory left the tree; the kernel would keep watching it. */
  movedOut(node: NodeId): void {
    if (this.table.isLive(node)) this.dropSubtree(node, NO_WD);
  }

  /** The directories watched now, relative to the watch dir ('' = the root). */
  listDirs(): RelPath[] {
    const out: RelPath[] = [];
    this.table.forEachWd((_wd, id) => out.push(this.table.pathOf(id)));
    return out;
  }

  /**
   * Watch the watch dir's parent for the watch dir's own name there
   * (`watchDir`: native string). IN_DELETE_SELF comes only once nothing holds
   * the watch dir open, and a handler (rsync's sender, a script's working
   * directory) may hold it long; its entry in the parent goes at once. Best
   * effort: without it (no access to the parent, the watch limit) the
   * IN_DELETE_SELF still comes, later.
   */
  watchRootEntry(watchDir: string): void {
    const root = resolve(watchDir);
    if (root === '/' || !this.handle) return;
    this.rootName = byteString(basename(root));
    const wd = native.inotifyAddWatch(this.handle, Buffer.from(dirname(root)), IN.DELETE | IN.MOVED_FROM | IN.ONLYDIR);
    if (wd > 0 && this.table.nodeOfWd(wd) === NO_NODE) this.rootEntryWd = wd;
  }

  /** For a record of rootEntryWd (its name at `nameStart` up to `end`): 'deleted' or 'moved' when it is the watch dir's. */
  rootEntryGone(mask: number, buf: Buffer, nameStart: number, end: number): 'deleted' | 'moved' | undefined {
    const nul = buf.indexOf(0, nameStart);
    const name = buf.toString('latin1', nameStart, nul === -1 || nul > end ? end : nul);
    if (!(mask & IN.ISDIR) || !(mask & (IN.DELETE | IN.MOVED_FROM)) || name !== this.rootName) return undefined;
    return mask & IN.MOVED_FROM ? 'moved' : 'deleted';
  }
}
