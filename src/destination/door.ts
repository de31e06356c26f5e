/**
 * One door to the destination: everything the daemon itself does at or
 * under a local destination goes through here.
 *
 * Paths below the destination are resolved beneath the destination
 * directory's fd, never following a symlink in any component
 * (native/beneath.c: openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS). rsync mirrors the source's symlinks, so a path of
 * the destination such as `L/x` may run through a link that a hostile
 * writer of the source planted, pointing anywhere; a plain rename(2) or
 * rm -r as root would act there. The admin's `-D` path itself is trusted:
 * symlinks in it are followed once, when the door opens.
 */
import { lstatSync } from 'node:fs';
import { constants } from 'node:os';
import { bytesOf } from '../bytes.js';
import { errnoName } from '../errors.js';
import { native, RenameFlag } from '../native.js';
import { lstatBeneath, type EntryStat } from '../tree/source.js';
import type { RelPath } from '../types.js';

export { RenameFlag };

/** Why a door could not be opened: openat2 is missing (Linux < 5.6), or the directory is not there. */
export interface DoorClosed {
  /** openat2 is missing: the door can never open on this kernel */
  unavailable: boolean;
  /** one line for the log */
  reason: string;
}

/** An open door: a directory fd of the destination, valid until `close`. */
export class DestinationDoor {
  private fd: number;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Open the destination directory `path` (bytes, the admin's path), or say why not. */
  static open(path: Buffer): DestinationDoor | DoorClosed {
    const fd = native.dirOpen(path);
    if (fd < 0) return { unavailable: false, reason: `cannot open the destination directory (${errnoName(fd)})` };
    const probe = native.beneathAvailable(fd);
    if (probe === 0) return new DestinationDoor(fd);
    native.fdClose(fd);
    return probe === -constants.errno.ENOSYS
      ? { unavailable: true, reason: 'openat2 is not available (Linux before 5.6)' }
      : { unavailable: false, reason: `openat2 on the destination failed (${errnoName(probe)})` };
  }

  /** Whether this kernel resolves beneath a directory fd (openat2, Linux >= 5.6). */
  static supported(): boolean {
    const fd = native.dirOpen(Buffer.from('/'));
    if (fd < 0) return false;
    try {
      return native.beneathAvailable(fd) !== -constants.errno.ENOSYS;
    } finally {
      native.fdClose(fd);
    }
  }

  /**
   * renameat2 `from` to `to` (paths relative to the destination), with
   * RenameFlag bits: 0, or -errno (ELOOP or ENOTDIR when a component is a
   * symlink or not a directory, EXDEV when it would leave the destination).
   */
  rename(from: RelPath, to: RelPath, flags: number): number {
    return native.renameBeneath(this.live(), bytesOf(from), bytesOf(to), flags);
  }

  /** Remove `path` (relative) and, for a directory, all in it: 0, or -errno (ENOENT when it was not there). */
  remove(path: RelPath): Promise<number> {
    return native.removeBeneath(this.live(), bytesOf(path));
  }

  /** lstat of `path` (relative), never through a symlink; undefined when it is not there. */
  lstat(path: RelPath): EntryStat | undefined {
    return lstatBeneath(this.live(), path);
  }

  /** Close the fd; the door cannot be used after. */
  close(): void {
    if (this.fd >= 0) native.fdClose(this.fd);
    this.fd = -1;
  }

  private live(): number {
    if (this.fd < 0) throw new Error('the destination door was used after close (a bug)');
    return this.fd;
  }
}

/** True when `opened` is a door, false when it says why not. */
export function isOpen(opened: DestinationDoor | DoorClosed): opened is DestinationDoor {
  return opened instanceof DestinationDoor;
}

/**
 * The identity of a directory ("dev:ino:birth time"), or undefined when it is
 * not one (or gone). The birth time tells a directory made again apart from
 * the one removed: file systems hand the freed inode number out again at once.
 * For the admin's destination path (trusted): its last component is not followed.
 */
export function directoryIdentity(path: Buffer): string | undefined {
  try {
    const st = lstatSync(path, { throwIfNoEntry: false, bigint: true });
    return st?.isDirectory() ? `${st.dev}:${st.ino}:${st.birthtimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

/** errno numbers the callers test for. */
export const Errno = constants.errno;
