/**
 * Directory renames and exchanges of a batch, done at a local destination
 * before rsync runs (through the door: never through a symlink there), so
 * the recursive runs find the content in place instead of copying it.
 */
import { log, showPath } from '../../log.js';
import type { Change } from '../../queue/index.js';
import { ancestorIn } from '../../rsync/index.js';
import type { RelPath } from '../../types.js';
import { errnoName, Errno, RenameFlag, type DestinationDoor } from '../../destination/index.js';

/** What replayDirectoryMoves did at the destination. */
export interface ReplayedMoves {
  /** new paths of renamed directories the destination could not rename: their recursive runs copy them */
  copied: RelPath[];
  /** both names of each exchange swapped at the destination, each → the other, or null when that holds no directory now (see planFilesFrom) */
  exchanged: ReadonlyMap<RelPath, RelPath | null>;
}

export const NO_EXCHANGES: ReadonlyMap<RelPath, RelPath | null> = new Map();

/**
 * Directories renamed within the tree, and exchanges (renameat2
 * RENAME_EXCHANGE) with a directory on either side, are done at a local
 * destination too, before rsync runs, in the order they happened
 * (Change.replayOrder): the recursive runs then find the content in place
 * (rsync's quick check) instead of copying it all again, or for an
 * exchange instead of reading every file on both sides (--checksum).
 * Renames only when the old copy exists and the new name is free
 * (RENAME_NOREPLACE); exchanges only when both names exist there; never
 * through a symlink at the destination (the door: a hostile source's link
 * there may point anywhere; a symlink standing at a name is swapped as
 * itself). Anything refused is left to rsync, which is always right, only
 * slower (a refused exchange is verified, see planFilesFrom).
 */
export function replayDirectoryMoves(changes: readonly Change[], door: DestinationDoor): ReplayedMoves {
  const moves: Array<{ order: number; rename?: Change & { movedFrom: RelPath }; exchange?: [Change, Change] }> = [];
  const exchanges = replayableExchanges(changes);
  for (const pair of exchanges) moves.push({ order: Math.min(pair[0].replayOrder ?? 0, pair[1].replayOrder ?? 0), exchange: pair });
  for (const c of changes) if (isDirectoryRename(c)) moves.push({ order: c.replayOrder ?? 0, rename: c });
  moves.sort((x, y) => x.order - y.order);
  const copied: RelPath[] = [];
  const exchanged = new Map<RelPath, RelPath | null>();
  for (const { rename, exchange } of moves) {
    if (rename) {
      // renameat2 itself refuses a missing source, a taken target and a symlink on the way; the old path
      // must hold a directory (a run of this batch may have put the symlink that replaced it there, and
      // renaming that would leave the real directory's copy, hard links and all, to be copied again).
      // Whatever it moves or refuses, the recursive run makes right.
      const result = door.rename(rename.movedFrom, rename.path, RenameFlag.NOREPLACE | RenameFlag.ONLY_DIRECTORY);
      if (result === 0) {
        log.debug(2, `renamed ${showPath(rename.movedFrom)} to ${showPath(rename.path)} at the destination`);
        continue;
      }
      copied.push(rename.path);
      if (result !== -Errno.ENOENT) {
        log.debug(1, `rename of ${showPath(rename.movedFrom)} at the destination refused (${errnoName(result)}); rsync copies it`);
      }
    } else if (exchange) {
      const [a, b] = exchange;
      const result = door.rename(a.path, b.path, RenameFlag.EXCHANGE);
      if (result === 0) {
        log.debug(2, `exchanged ${showPath(a.path)} and ${showPath(b.path)} at the destination`);
        exchanged.set(a.path, b.isDir ? b.path : null).set(b.path, a.isDir ? a.path : null);
      } else {
        log.debug(1, `exchange of ${showPath(a.path)} and ${showPath(b.path)} at the destination refused (${errnoName(result)}); rsync verifies both`);
      }
    }
  }
  return { copied, exchanged };
}

/**
 * The exchanges of a batch that can be replayed: two changes that name
 * each other (Change.exchangedWith), a directory on at least one side
 * (swapping two files saves nothing: a written file is sent whole), and
 * neither name at or below the name of another exchange of the batch
 * (nested exchanges are verified instead: which path a file written below
 * them is at now depends on their order).
 */
function replayableExchanges(changes: readonly Change[]): Array<[Change, Change]> {
  const named = new Map<RelPath, Change>();
  for (const c of changes) if (c.exchangedWith !== undefined) named.set(c.path, c);
  if (named.size === 0) return [];
  const pairs: Array<[Change, Change]> = [];
  for (const a of named.values()) {
    const b = named.get(a.exchangedWith!);
    if (!b || b.exchangedWith !== a.path || a.path > b.path || !(a.isDir || b.isDir)) continue;
    if (ancestorIn(a.path, named) !== undefined || ancestorIn(b.path, named) !== undefined) continue;
    if (hasNamedBelow(a.path, named) || hasNamedBelow(b.path, named)) continue;
    pairs.push([a, b]);
  }
  return pairs;
}

/** Some key of `named` is strictly below `path`. O(keys): only for the few exchanges of a batch. */
function hasNamedBelow(path: RelPath, named: ReadonlyMap<RelPath, Change>): boolean {
  const prefix = path + '/';
  for (const other of named.keys()) if (other.startsWith(prefix)) return true;
  return false;
}

/**
 * The directory renames of a batch in the order they happened, when they
 * can be replayed without exchanges (a remote destination: exchanges are
 * not replayed there, and a rename after one may name what the exchange
 * moved): none when the batch has an exchange.
 */
export function plainDirectoryRenames(changes: readonly Change[]): Array<{ from: RelPath; to: RelPath }> {
  if (changes.some((c) => c.exchangedWith !== undefined)) return [];
  return changes
    .filter(isDirectoryRename)
    .sort((x, y) => (x.replayOrder ?? 0) - (y.replayOrder ?? 0))
    .map((c) => ({ from: c.movedFrom, to: c.path }));
}

/** Directories renamed within the tree (a destination that cannot rename copies them). */
export function renamedRoots(changes: readonly Change[]): RelPath[] {
  return changes.filter(isDirectoryRename).map((c) => c.path);
}

/** The new path of a directory renamed within the tree (its `movedFrom` is the old one). */
function isDirectoryRename(c: Change): c is Change & { movedFrom: RelPath } {
  return c.movedFrom !== undefined && c.state === 'created';
}
