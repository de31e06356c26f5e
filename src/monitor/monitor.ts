/**
 * The backend-neutral monitor: turns kernel notifications about a directory
 * tree into normalised `FsEvent` batches. One file per backend.
 */
import type { FsEvent, RelPath, WalkFilter } from '../types.js';
import { OptionError } from '../errors.js';
import { InotifyMonitor } from './inotify.js';

export interface MonitorOptions {
  watchDir: string;            // absolute path of the watch dir as the user gave it (a normal UTF-8 JS string)
  oneFileSystem: boolean;
  filter: WalkFilter;          // from src/types.ts: asked for every dir found (and for files when reportFiles)
  reportFiles: boolean;        // ask the filter about non-directories too (only when rules need it)
  onEvents(batch: FsEvent[]): void;   // normalised events, in kernel order, paths relative to the watch dir
  onWarning(message: string): void;   // loud, actionable warnings (overflow + the sysctl to raise, etc.)
  onFatal(error: Error): void;        // unrecoverable (e.g. KernelLimitError for ENOSPC) — daemon will exit
  /**
   * The watch limit reached after start (new directories, rescans) is fatal
   * (`--exit-on-sync-skipping`). Otherwise the directories left without a
   * watch are polled: a loud warning, then every few seconds they are walked
   * again (taking watches freed since) and reported for a recursive sync.
   * At start the limit is always an error (start() rejects).
   */
  exitOnWatchLimit?: boolean;
  /**
   * Report the regular files with more than one link that a walk finds
   * (one lstat per file), so a handler that keeps hard links can link
   * them: a walk of the whole tree (start, rescan) reports them with
   * IN_ATTRIB (a parallel full sync may have copied a group's names apart);
   * the walk of a new directory with IN_CREATE (a name made before the
   * directory had its watch has no event of its own).
   */
  reportLinked?: boolean;
  /** A mount point a walk met and did not cross (`oneFileSystem`): `-X` excludes it from syncing. */
  onMountPoint?(path: RelPath): void;
}

export interface MarkStats { dirs: number; files: number; watches: number; errors: number; ms: number; }

export interface Monitor {
  /**
   * Walk the watch dir and add watches; resolves when everything present at start is marked.
   * Rejects (instead of calling onFatal) when marking fails, e.g. KernelLimitError at the watch limit.
   */
  start(): Promise<MarkStats>;
  /**
   * Walk again from the root (after an overflow, or on USR2): add missing watches, drop stale ones.
   * Rejects like start(); rescans the monitor starts itself (overflow) report through onFatal.
   */
  rescan(): Promise<MarkStats>;
  /** The directories watched now, relative to the watch dir ('' = the root), for a state dump. */
  listWatchedDirs?(): RelPath[];
  /** How many directories are watched now (O(1); status and metrics). */
  readonly watchedDirs?: number;
  /** Stop watching and release kernel resources; no callbacks after it resolves. */
  close(): Promise<void>;
}

/** Names accepted by `--monitor` on Linux. */
export const MONITOR_NAMES = ['inotify'] as const;

/** Create the monitor backend called `name` ('inotify'); an unknown name is an OptionError naming --monitor. */
export function createMonitor(name: string, options: MonitorOptions): Monitor {
  switch (name) {
    case 'inotify':
      return new InotifyMonitor(options);
    default:
      throw new OptionError(`--monitor: unknown monitor "${name}"; available: ${MONITOR_NAMES.join(', ')}`);
  }
}
