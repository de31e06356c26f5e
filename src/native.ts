/**
 * Typed front of the C addon (native/*.c, built by node-gyp into
 * build/Release/clsync_native.node). The addon holds mechanisms only: an
 * inotify fd drained by a reader thread, a directory walk that adds watches
 * as it goes, syslog, and path operations beneath a directory fd that never
 * follow a symlink (native/beneath.c), and dlopen and calls of a `-M so`
 * shared object (native/shared_object.c). Every decision stays in TypeScript.
 */
import { createRequire } from 'node:module';

/** Opaque handle of one inotify instance and its reader thread. */
export interface InotifyHandle {
  readonly __brand: 'InotifyHandle';
}

/** Flags per directory of a walk level (see native/walk.c). */
export const WalkFlag = {
  /** add an inotify watch (before reading) */
  WATCH: 1,
  /** read the entries */
  READ: 2,
  /** list non-directories too (otherwise only counted) */
  LIST_FILES: 4,
  /** skip (status 1) when on another device than `dev` (--one-file-system) */
  SAME_DEV: 8,
  /** list regular files with more than one link (lstat'ed), their type with DT_LINKED */
  LIST_LINKED: 16,
} as const;

/** Added to a listed entry's d_type: a regular file with more than one link (WalkFlag.LIST_LINKED). */
export const DT_LINKED = 0x80;

/** Status of a walked directory other than 0 (read) and -errno: it is on another device. */
export const WALK_OTHER_DEVICE = 1;

/** Opaque handle of a dlopen'ed `-M so|rsyncso` shared object. */
export interface SharedObjectHandle {
  readonly __brand: 'SharedObjectHandle';
}

/** Bits of `soSymbols`: the clsyncapi_* functions a shared object exports. */
export const SoSymbol = { INIT: 1, SYNC: 2, RSYNC: 4, DEINIT: 8 } as const;

/** The raw functions exported by the addon. */
export interface NativeAddon {
  /** execve(2): replaces this process (same pid), `keep` handed on open and blocking; returns -errno only when it failed. */
  execve(path: string, argv: readonly string[], env: readonly string[], keep: readonly number[]): number;
  /** Open an inotify instance; `onData` receives accumulated raw `struct inotify_event` records. */
  inotifyOpen(onData: (records: Buffer) => void): InotifyHandle;
  /** inotify_add_watch; returns the wd, or -errno (never throws for kernel errors). */
  inotifyAddWatch(handle: InotifyHandle, path: Buffer, mask: number): number;
  /** inotify_rm_watch; returns 0 or -errno. */
  inotifyRmWatch(handle: InotifyHandle, wd: number): number;
  /** Stop the thread and close the fd (in the thread); no callbacks after the call. */
  inotifyClose(handle: InotifyHandle): Promise<void>;
  /** Whether the reader keeps the event loop alive (default: it does). */
  inotifyRef(handle: InotifyHandle, ref: boolean): void;
  /** Test hook: pause/resume reading the fd, letting the kernel queue fill. */
  inotifyPause(handle: InotifyHandle, paused: boolean): void;
  /** Largest backlog the reader thread buffered for JS, in bytes. */
  inotifyPeakBuffered(handle: InotifyHandle): number;
  /**
   * Walk one BFS level in the thread pool. `paths` holds one NUL-terminated
   * absolute path per entry of `flags` (WalkFlag bits). Watches go on
   * `inotify` (or none when null) with `mask`; `dev` is compared when
   * SAME_DEV is set. The result is decoded by `decodeWalkLevel`.
   */
  walkLevel(inotify: InotifyHandle | null, paths: Buffer, flags: Uint8Array, mask: number, dev: number): Promise<Buffer>;
  /** openlog(ident, LOG_PID|LOG_NDELAY, facility = LOG_DAEMON); the ident is kept by the addon. */
  syslogOpen(ident: string, facility?: number): void;
  /** syslog(priority, "%s", message); opens with ident "clsync" when not opened yet. */
  syslog(priority: number, message: string): void;
  /** open(path, O_RDONLY|O_DIRECTORY): an fd, or -errno. Symlinks in `path` are followed (the admin's path). */
  dirOpen(path: Buffer): number;
  /** close(fd): 0 or -errno. */
  fdClose(fd: number): number;
  /** 0 when openat2 resolves beneath `rootFd`; -ENOSYS before Linux 5.6; other -errno. */
  beneathAvailable(rootFd: number): number;
  /**
   * renameat2 of `from` to `to`, both relative to `rootFd`, resolved without
   * following any symlink and without leaving `rootFd` (RenameFlag bits): 0 or -errno.
   */
  renameBeneath(rootFd: number, from: Buffer, to: Buffer, flags: number): number;
  /**
   * Remove `path` (relative to `rootFd`) and, for a directory, everything in
   * it, in the thread pool, never following a symlink: resolves 0 or -errno.
   */
  removeBeneath(rootFd: number, path: Buffer): Promise<number>;
  /**
   * lstat of `path` (relative to `rootFd`, '' = itself) without following
   * any symlink: 0 with `out` = [mode, nlink, dev, ino, size], or -errno
   * (ELOOP/ENOTDIR: an ancestor is a symlink or not a directory). An `out`
   * of 16 also gets [uid, gid, rdev, blksize, blocks, atime s, atime ns,
   * mtime s, mtime ns, ctime s, ctime ns] (modification signatures).
   */
  statBeneath(rootFd: number, path: Buffer, out: Float64Array): number;
  /**
   * The entries of the directory at `path` (relative to `rootFd`), opened
   * without following any symlink: packed { u8 d_type, u8 length, name }, or -errno.
   */
  listBeneath(rootFd: number, path: Buffer): Buffer | number;
  /** dlopen(path, RTLD_NOW|RTLD_LOCAL) of a NUL-terminated path; throws with dlerror(). Never closed. */
  soOpen(path: Buffer): SharedObjectHandle;
  /** Which clsyncapi_* functions it exports (SoSymbol bits). */
  soSymbols(handle: SharedObjectHandle): number;
  /**
   * The calls below run the function in a new detached thread and resolve
   * with its int result; their arguments are copied first. Strings are
   * NUL-terminated Buffers.
   * clsyncapi_init(ctx, NULL) with a context the addon keeps (include/clsync-node.h).
   */
  soInit(handle: SharedObjectHandle, label: Buffer, watchDir: Buffer, destinationDir: Buffer, mode: Buffer): Promise<number>;
  /** clsyncapi_sync(n, events): per event its mask, flags, types (old, new: eventobjtype values) and path (NUL-terminated, in order). */
  soSync(handle: SharedObjectHandle, masks: Uint32Array, flags: Uint32Array, types: Uint8Array, paths: Buffer): Promise<number>;
  /** clsyncapi_rsync(inclist, exclist) */
  soRsync(handle: SharedObjectHandle, includeList: Buffer, excludeList: Buffer | null): Promise<number>;
  /** clsyncapi_deinit() */
  soDeinit(handle: SharedObjectHandle): Promise<number>;
  /** SO_PEERCRED of a connected unix socket: [pid, uid, gid], or -errno. */
  peerCred(fd: number): [number, number, number] | number;
  /**
   * One datagram to the unix socket at `path` (a leading '@' names an
   * abstract socket) from a new unbound socket: 0 or -errno.
   */
  datagramSend(path: Buffer, message: Buffer): number;
}

/** renameat2 flags (linux/fs.h) for `renameBeneath`. */
export const RenameFlag = {
  /** fail with EEXIST instead of replacing the target */
  NOREPLACE: 1,
  /** swap the two objects atomically (both must exist) */
  EXCHANGE: 2,
  /** ours, not the kernel's: only when `from` is a directory (else -ENOTDIR) */
  ONLY_DIRECTORY: 1 << 30,
} as const;

const require = createRequire(import.meta.url);

/** The loaded addon (compiled file lives in dist/src/, the addon in build/Release/). */
export const native: NativeAddon = require('../../build/Release/clsync_native.node') as NativeAddon;

/** d_type of a directory entry (dirent.h). */
export const DT_DIR = 4;
/** d_type the file system did not report and lstat could not tell. */
export const DT_UNKNOWN = 0;

/** One directory in a decoded walk level. */
export interface WalkedDir {
  /** watch descriptor (>0), 0 when none was asked, or -errno of inotify_add_watch */
  wd: number;
  /** 0 read, -errno of open/getdents, or WALK_OTHER_DEVICE */
  status: number;
  /** listed entry names (byte strings) and their d_type, in directory order */
  names: string[];
  types: Uint8Array;
  /** non-directories that were counted but not listed */
  others: number;
}

/** Decode the packed result of `walkLevel` (format in native/walk.c). */
export function decodeWalkLevel(buf: Buffer, count: number): WalkedDir[] {
  const out: WalkedDir[] = new Array(count);
  let off = 0;
  for (let i = 0; i < count; i++) {
    const wd = buf.readInt32LE(off);
    const status = buf.readInt32LE(off + 4);
    const listed = buf.readUInt32LE(off + 8);
    const others = buf.readUInt32LE(off + 12);
    off += 16;
    const names: string[] = new Array(listed);
    const types = new Uint8Array(listed);
    for (let j = 0; j < listed; j++) {
      types[j] = buf[off];
      const len = buf[off + 1];
      names[j] = buf.toString('latin1', off + 2, off + 2 + len);
      off += 2 + len;
    }
    out[i] = { wd, status, names, types, others };
  }
  return out;
}
