/**
 * Pairing the inotify backend's move records: a MOVED_FROM with the
 * MOVED_TO of the same cookie, and the four records of an exchange
 * (renameat2 RENAME_EXCHANGE), whole or with one name outside what this
 * monitor sees. What is decided here changes the watch table (directories
 * renamed or swapped in place) and which events a batch carries.
 */
import { IN, type FsEvent, type RelPath } from '../types.js';
import { log } from '../log.js';
import { NO_NODE, type NodeId } from '../tree/watch-table.js';
import type { MarkRoot } from '../tree/mark.js';
import type { SourceTree } from '../tree/source.js';
import { lstatEventPath } from './event-lstat.js';
import { nextNotSelf, type RawRecord } from './inotify-records.js';
import type { InotifyWatches } from './inotify-watches.js';

/**
 * How long a MOVED_FROM that ended a buffer waits for its MOVED_TO. The
 * kernel queues both in the same rename(), so the pair is split only when
 * the reader thread read between them; a few ms is plenty.
 */
export const MOVE_PAIR_WAIT_MS = 20;

/** A MOVED_FROM waiting for its MOVED_TO. */
export interface PendingMove {
  cookie: number;
  node: NodeId; // a directory's node; NO_NODE for other objects, or a directory not in the table (excluded, or not walked yet)
  /** the record: its parent's wd, name, mask and path (an exchange needs them all) */
  wd: number;
  name: string;
  mask: number;
  path: RelPath;
  /** index of its event in the batch being built; -1 once that batch was handed on */
  eventIndex: number;
}

/** A name no directory entry can have (names hold no NUL): a node's place while two nodes swap. */
const SWAP_NAME = '\0exchange';

/** The pending move with this cookie, taken out of `moves`; null when there is none. */
export function takeMove(moves: PendingMove[] | null, cookie: number): PendingMove | null {
  if (!moves) return null;
  for (let i = 0; i < moves.length; i++) {
    if (moves[i].cookie === cookie) return moves.splice(i, 1)[0];
  }
  return null;
}

/**
 * The MOVED_FROM right after an unpaired MOVED_TO of the same name (parent
 * `wd`, `name`), when the two are one exchange with a name this monitor
 * does not see (outside the tree, or in a directory not watched yet):
 * renameat2(RENAME_EXCHANGE) of that name (first) with ours queues MOVED_TO
 * ours, then MOVED_FROM ours (the object that left) with the next cookie.
 * Taken as a deletion after the MOVED_TO, it dropped the object that is
 * there now (fuzz seeds 174, 198: a directory exchanged in was sent without
 * its content). Only when the name holds an object of the moved-in type
 * now: `mv out/a x; mv x out/b` gives the same records, and x is gone then.
 */
export function halfExchangeAfter(
  buf: Buffer,
  off: number,
  end: number,
  wd: number,
  name: string,
  cookie: number,
  mask: number,
  source: SourceTree,
  path: RelPath,
): RawRecord | null {
  const r = nextNotSelf(buf, off, end);
  if (!r || !(r.mask & IN.MOVED_FROM) || r.wd !== wd || r.name !== name || r.cookie === cookie) return null;
  const st = lstatEventPath(source, path);
  return st && st.isDirectory() === ((mask & IN.ISDIR) !== 0) ? r : null;
}

/**
 * Whether the MOVED_TO (parent `wd`, `name`) just read, paired with `from`,
 * is the first half of an exchange: renameat2(RENAME_EXCHANGE) queues
 * MOVED_FROM a, MOVED_TO b, then MOVED_FROM b, MOVED_TO a with a second
 * cookie, in one syscall (MOVE_SELF records between). `off` is the offset
 * after the MOVED_TO; 'end' when the buffer ends right after it (as it does
 * after most plain renames), 'partial' when it ends inside the pattern.
 */
export function exchangeAfter(buf: Buffer, off: number, end: number, from: PendingMove, wd: number, name: string): { r3: RawRecord; r4: RawRecord } | 'no' | 'end' | 'partial' {
  const r3 = nextNotSelf(buf, off, end);
  if (!r3) return 'end';
  if (!(r3.mask & IN.MOVED_FROM) || r3.wd !== wd || r3.name !== name) return 'no';
  const r4 = nextNotSelf(buf, r3.next, end);
  if (!r4) return 'partial';
  if (!(r4.mask & IN.MOVED_TO) || r4.cookie !== r3.cookie || r4.wd !== from.wd || r4.name !== from.name) return 'no';
  return { r3, r4 };
}

/**
 * renameat2(RENAME_EXCHANGE) swapped the objects at `from.path` and
 * `path` (`mv --exchange`, atomic deploys): both names exist before and
 * after, each now holding the other's object. The table's directory
 * nodes swap places (a plain pairing of the two moves would rename one
 * node twice and drop the other's watches), directories the table does
 * not know are pushed to `newDirs` to be walked as new, and each name gets
 * one event in `batch`: MOVED_TO with `exchangedWith` (see FsEvent). False
 * (nothing done) when it cannot be an exchange after all; 'stale' (nothing
 * done, the events are the rescan's) when the table is behind the tree, or
 * cannot tell an exchange from two renames back and forth.
 */
export function swapExchanged(
  watches: InotifyWatches,
  source: SourceTree,
  batch: FsEvent[],
  newDirs: MarkRoot[],
  from: PendingMove,
  parentB: NodeId,
  nameB: string,
  pathB: RelPath,
  fromB: RawRecord,
): boolean | 'stale' {
  const table = watches.table;
  const parentA = table.nodeOfWd(from.wd);
  if (parentA === NO_NODE || from.path === pathB) return false;
  const aIsDir = (from.mask & IN.ISDIR) !== 0;
  const bIsDir = (fromB.mask & IN.ISDIR) !== 0;
  const nodeA = aIsDir && table.isLive(from.node) ? from.node : NO_NODE;
  const childB = bIsDir ? table.child(parentB, nameB) : NO_NODE;
  const nodeB = childB !== nodeA ? childB : NO_NODE;
  // The table may be behind the tree (moves it never saw): swapping a directory with one it holds below
  // would make a node its own ancestor. The caller walks the tree again instead (fuzz seed 1766).
  if ((nodeA !== NO_NODE && table.contains(nodeA, parentB)) || (nodeB !== NO_NODE && table.contains(nodeB, parentA))) return 'stale';
  // `mv a b; mv b a` over an unwatched empty directory b gives the same four records; after an
  // exchange both names exist. Looked at only when a directory is unknown (walking it could clash),
  // and only between two directories: rename(2) never puts a directory over a file or back, so a
  // directory and a file in these records are an exchange (by now a later rename may have moved a
  // name away: fuzz seed 1183). With a name gone now, either may have happened (an exchange, then
  // a rename of one of the two: fuzz seed 492): pairing the records as two renames would put the
  // known directory's watch back at its old name, so the tree is walked again instead.
  if (aIsDir === bIsDir && ((aIsDir && nodeA === NO_NODE) || (bIsDir && nodeB === NO_NODE))) {
    if (!lstatEventPath(source, from.path) || !lstatEventPath(source, pathB)) return nodeA === NO_NODE && nodeB === NO_NODE ? false : 'stale';
  }
  if (nodeA !== NO_NODE) table.rename(nodeA, parentA, SWAP_NAME);
  if (nodeB !== NO_NODE) watches.renameDir(nodeB, parentA, from.name, from.path);
  else if (bIsDir) newDirs.push({ parent: parentA, name: from.name });
  if (nodeA !== NO_NODE) watches.renameDir(nodeA, parentB, nameB, pathB);
  else if (aIsDir) newDirs.push({ parent: parentB, name: nameB });
  const recursive = aIsDir || bIsDir;
  const atA: FsEvent = { path: from.path, mask: IN.MOVED_TO | (fromB.mask & IN.ISDIR), recursive, exchangedWith: pathB };
  const atB: FsEvent = { path: pathB, mask: IN.MOVED_TO | (from.mask & IN.ISDIR), recursive, exchangedWith: from.path };
  // in the place of the first MOVED_FROM when it is in this batch (the queue would take it for a deletion)
  if (from.eventIndex >= 0) batch[from.eventIndex] = atA;
  else batch.push(atA);
  batch.push(atB);
  log.debug(2, `exchange of ${from.path} and ${pathB}`);
  return true;
}
