/**
 * The watched tree as the daemon itself reads it to decide what rsync is
 * told: lstat and directory listings of paths relative to the watch dir,
 * resolved beneath the watch dir's fd without following a symlink in any
 * component (native/beneath.c: openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS).
 *
 * Why: writers of the tree are not trusted. A directory swapped for a
 * symlink to `/etc` makes `a/x` name a file outside the tree; a plain
 * lstat or readdir as root would look there, and a path found that way and
 * listed to rsync makes rsync copy the outside file (its sender follows
 * symlinks in the directories of a `--files-from` path, as its manual says
 * of implied directories). Seen from here, a path below a symlink is not in
 * the tree: `lstat` says it is not there, and the symlink itself is what
 * rsync is given.
 *
 * Kernels before 5.6 (no openat2): plain lstat/readdir, as before, and one
 * notice at start.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { constants } from 'node:fs';
import { bytesOf } from '../bytes.js';
import { log } from '../log.js';
import { native } from '../native.js';
import type { RelPath } from '../types.js';

/** What the daemon needs of an lstat of a source path. */
export interface EntryStat {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  readonly nlink: number;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
}

/** A directory entry of the tree: its name (byte string) and kind. */
export interface TreeEntry {
  name: string;
  isDirectory: boolean;
  isFile: boolean;
}

/** d_type values (dirent.h). */
const DT_DIR = 4;
const DT_REG = 8;

/** An lstat result from statBeneath's numbers. */
class BeneathStat implements EntryStat {
  constructor(
    private readonly mode: number,
    readonly nlink: number,
    readonly dev: number,
    readonly ino: number,
    readonly size: number,
  ) {}

  isFile(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFREG;
  }

  isDirectory(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFDIR;
  }

  isSymbolicLink(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFLNK;
  }
}

const statNumbers = new Float64Array(5);

/**
 * Every lstat field, as numbers, in this order: dev, ino, mode, nlink, uid,
 * gid, rdev, size, blksize, blocks, atime s, atime ns, mtime s, mtime ns,
 * ctime s, ctime ns (see StatField in queue/signature.ts). Times keep their
 * nanoseconds: two changes within one second must not look alike.
 */
export type FullStat = Float64Array;

/** Length of a FullStat. */
export const FULL_STAT_LENGTH = 16;

const fullNumbers = new Float64Array(FULL_STAT_LENGTH);

/** Native order (beneath.c) → FullStat order. */
const NATIVE_TO_FULL = [2, 3, 0, 1, 5, 6, 7, 4, 8, 9, 10, 11, 12, 13, 14, 15] as const;

/**
 * lstat of `rel` beneath the directory fd `dirFd`, never through a symlink
 * (native/beneath.c); undefined when it is not there, or is below a symlink
 * or a file.
 */
export function lstatBeneath(dirFd: number, rel: RelPath): EntryStat | undefined {
  const n = statNumbers;
  if (native.statBeneath(dirFd, bytesOf(rel), n) !== 0) return undefined;
  return new BeneathStat(n[0], n[1], n[2], n[3], n[4]);
}

let fallbackSaid = false;

/** Reads of the watched tree that never follow a symlink (see the module comment). */
export class SourceTree {
  /** the watch dir's fd, or -1 when reads go by path (no openat2) or open it each time (`holdRoot` false) */
  private readonly fd: number;
  /** openat2 is there: reads go beneath the watch dir */
  private readonly beneath: boolean;
  /** the watch dir's fd while `holding` runs (`holdRoot` false), else -1 */
  private held = -1;
  private holds = 0;

  /**
   * `root`: the watch dir as a byte string (its real path: trusted).
   * `holdRoot` (default): opened once and held. False: opened for each read
   * and closed after it, for a reader that must not keep the watch dir
   * open: the kernel reports a directory's deletion (IN_DELETE_SELF) only
   * once the last reference to it is gone, so a held fd hides the watch
   * dir's own deletion from the monitor until exit.
   */
  constructor(
    private readonly root: string,
    holdRoot = true,
  ) {
    let fd = native.dirOpen(bytesOf(root));
    if (fd >= 0 && native.beneathAvailable(fd) !== 0) {
      native.fdClose(fd);
      fd = -1;
      if (!fallbackSaid) {
        fallbackSaid = true;
        log.notice('openat2 is not available (Linux before 5.6): paths in the watched tree are read without the guard against symlinks');
      }
    }
    this.beneath = fd >= 0;
    if (fd >= 0 && !holdRoot) {
      native.fdClose(fd);
      fd = -1;
    }
    this.fd = fd;
  }

  /** lstat of `rel` ('' = the watch dir); undefined when it is not there, or is below a symlink or a file. */
  lstat(rel: RelPath): EntryStat | undefined {
    if (!this.beneath) return this.lstatByPath(rel);
    return this.atRoot((fd) => lstatBeneath(fd, rel));
  }

  /**
   * Every lstat field of `rel` (FullStat), resolved as `lstat` is (never
   * through a symlink); undefined when it is not there. A new array each call.
   */
  lstatFull(rel: RelPath): FullStat | undefined {
    if (!this.beneath) return this.lstatFullByPath(rel);
    const n = fullNumbers;
    if (this.atRoot((fd) => native.statBeneath(fd, bytesOf(rel), n)) !== 0) return undefined;
    const out = new Float64Array(FULL_STAT_LENGTH);
    for (let i = 0; i < FULL_STAT_LENGTH; i++) out[i] = n[NATIVE_TO_FULL[i]];
    return out;
  }

  /** The entries of the directory `rel`; undefined when it is not a directory of the tree (any more). */
  list(rel: RelPath): TreeEntry[] | undefined {
    if (!this.beneath) return this.listByPath(rel);
    const packed = this.atRoot((fd) => native.listBeneath(fd, bytesOf(rel)));
    if (packed === undefined || typeof packed === 'number') return undefined;
    const out: TreeEntry[] = [];
    for (let off = 0; off < packed.length; ) {
      const type = packed[off];
      const len = packed[off + 1];
      const name = packed.toString('latin1', off + 2, off + 2 + len);
      off += 2 + len;
      let isDirectory = type === DT_DIR;
      let isFile = type === DT_REG;
      if (type === 0) {
        // DT_UNKNOWN (some file systems): ask, still without following
        const st = this.lstat(rel === '' ? name : rel + '/' + name);
        isDirectory = st?.isDirectory() ?? false;
        isFile = st?.isFile() ?? false;
      }
      out.push({ name, isDirectory, isFile });
    }
    return out;
  }

  /**
   * Run `body` with the watch dir held open (`holdRoot` false): its reads
   * share one fd instead of opening the watch dir each, and the watch dir's
   * deletion is hidden only while `body` runs (a sync), not for the
   * daemon's life.
   */
  async holding<T>(body: () => Promise<T>): Promise<T> {
    this.hold();
    try {
      return await body();
    } finally {
      this.release();
    }
  }

  /** Hold the watch dir open until `release` (see holding; calls nest). */
  hold(): void {
    if (this.fd >= 0 || !this.beneath) return;
    if (this.holds++ === 0) this.held = native.dirOpen(bytesOf(this.root));
  }

  /** The end of a `hold`. */
  release(): void {
    if (this.fd >= 0 || !this.beneath || this.holds === 0) return;
    if (--this.holds === 0) {
      if (this.held >= 0) native.fdClose(this.held);
      this.held = -1;
    }
  }

  /** Release the watch dir's fd. */
  close(): void {
    if (this.fd >= 0) native.fdClose(this.fd);
  }

  /** `read` with the watch dir's fd: the held one, or one opened for it; undefined when the watch dir is gone. */
  private atRoot<T>(read: (fd: number) => T): T | undefined {
    if (this.fd >= 0) return read(this.fd);
    if (this.held >= 0) return read(this.held);
    const fd = native.dirOpen(bytesOf(this.root));
    if (fd < 0) return undefined;
    try {
      return read(fd);
    } finally {
      native.fdClose(fd);
    }
  }

  private absolute(rel: RelPath): Buffer {
    return bytesOf(rel === '' ? this.root : this.root + '/' + rel);
  }

  private lstatByPath(rel: RelPath): EntryStat | undefined {
    try {
      return lstatSync(this.absolute(rel), { throwIfNoEntry: false });
    } catch {
      return undefined; // ENOTDIR: an ancestor is a file
    }
  }

  private lstatFullByPath(rel: RelPath): FullStat | undefined {
    let st;
    try {
      st = lstatSync(this.absolute(rel), { throwIfNoEntry: false, bigint: true });
    } catch {
      return undefined;
    }
    if (!st) return undefined;
    const ns = (t: bigint): [number, number] => [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)];
    const [as, ans] = ns(st.atimeNs);
    const [ms, mns] = ns(st.mtimeNs);
    const [cs, cns] = ns(st.ctimeNs);
    return Float64Array.of(
      Number(st.dev), Number(st.ino), Number(st.mode), Number(st.nlink), Number(st.uid), Number(st.gid),
      Number(st.rdev), Number(st.size), Number(st.blksize), Number(st.blocks), as, ans, ms, mns, cs, cns,
    );
  }

  private listByPath(rel: RelPath): TreeEntry[] | undefined {
    try {
      return readdirSync(this.absolute(rel), { withFileTypes: true, encoding: 'buffer' }).map((e) => ({
        name: e.name.toString('latin1'),
        isDirectory: e.isDirectory(),
        isFile: e.isFile(),
      }));
    } catch {
      return undefined;
    }
  }
}
