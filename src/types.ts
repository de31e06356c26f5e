/**
 * Domain types shared by the pipeline stages (monitor → rules → queue →
 * handler → exec). Stage-specific types live in their stage.
 */

/**
 * A path relative to the watch dir, without a leading slash; the root is ''.
 *
 * It is a *byte string*: one JavaScript char per byte of the file name
 * (decoded as latin1), so every legal Linux name — invalid UTF-8 included —
 * survives the round trip exactly. Turn it back into a file-system path with
 * `Buffer.from(path, 'latin1')`; never decode names as UTF-8.
 */
export type RelPath = string;

/** inotify event bits (linux/inotify.h). fanotify events are mapped onto the same bits. */
export const IN = {
  ACCESS: 0x00000001,
  MODIFY: 0x00000002,
  ATTRIB: 0x00000004,
  CLOSE_WRITE: 0x00000008,
  CLOSE_NOWRITE: 0x00000010,
  OPEN: 0x00000020,
  MOVED_FROM: 0x00000040,
  MOVED_TO: 0x00000080,
  CREATE: 0x00000100,
  DELETE: 0x00000200,
  DELETE_SELF: 0x00000400,
  MOVE_SELF: 0x00000800,
  UNMOUNT: 0x00002000,
  Q_OVERFLOW: 0x00004000,
  IGNORED: 0x00008000,
  ONLYDIR: 0x01000000,
  DONT_FOLLOW: 0x02000000,
  EXCL_UNLINK: 0x04000000,
  MASK_CREATE: 0x10000000,
  MASK_ADD: 0x20000000,
  ISDIR: 0x40000000,
  ONESHOT: 0x80000000,
} as const;

/** The events clsync watches every directory for (SPEC §3). */
export const WATCH_MASK =
  IN.ATTRIB | IN.CLOSE_WRITE | IN.CREATE | IN.DELETE | IN.DELETE_SELF |
  IN.MOVE_SELF | IN.MOVED_FROM | IN.MOVED_TO | IN.MODIFY;

/**
 * One normalised change notice, as a monitor hands it on.
 *
 * `mask` holds the kernel bits (IN_*), IN.ISDIR included for directories.
 * `recursive` means "this object and everything below it must be synced":
 * a directory created or moved in (its content existed before its watch),
 * or the root after a queue overflow.
 */
export interface FsEvent {
  path: RelPath;
  mask: number;
  recursive: boolean;
  /**
   * On the MOVED_TO of a directory renamed within the tree: its old path.
   * Lets a local destination rename its copy instead of copying it again.
   */
  movedFrom?: RelPath;
  /**
   * renameat2(RENAME_EXCHANGE) swapped the objects at `path` and this path
   * (`mv --exchange`, atomic deploys): both names existed before and exist
   * after, each holding the other's former object. The monitor sends one
   * event per name (IN_MOVED_TO, IN_ISDIR for the object now there) instead
   * of the kernel's four moves; the queue takes it as the name's object
   * replaced (see Change.exchangedWith).
   */
  exchangedWith?: RelPath;
}

/** Bits answered by a walk filter for a directory. */
export const WalkDecision = {
  /** descend into it */
  WALK: 1,
  /** add a watch on it */
  MONITOR: 2,
} as const;

/**
 * Asked by a monitor for each object a walk finds (directories always; other
 * objects only when the monitor was told to report them). For a directory it
 * returns WalkDecision bits; for other objects the result is ignored — the
 * caller uses the call to note objects the rules exclude.
 */
export type WalkFilter = (path: RelPath, isDir: boolean) => number;
