/**
 * The types of a sync module (`-M so` / `-M rsyncso` with `-S module.js`),
 * exported for users' modules (`import type { SyncModule } from
 * 'clsync-node/module-api'`). See docs/handlers.md "so and rsyncso".
 */

/** A value or a promise of it: every module function may be sync or async. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The kind of object at a path. `unknown`: a non-directory that is gone
 * before it could be looked at (the kernel does not say which kind it was).
 */
export type ObjectType = 'file' | 'dir' | 'symlink' | 'other' | 'none' | 'unknown';

/** One changed path of a sync (`-M so`): the events on it merged over the collection window. */
export interface SyncEvent {
  /** relative to the watch dir, '' for the root; names decoded as UTF-8 (invalid bytes become U+FFFD) */
  readonly path: string;
  /** the path's exact bytes (names may be invalid UTF-8) */
  readonly pathBytes: Buffer;
  /** the union of the inotify bits (IN_CREATE, IN_ISDIR, …; linux/inotify.h) of the merged events */
  readonly mask: number;
  /** the object and everything below it must be synced (a new or moved-in directory, the initial sync) */
  readonly recursive: boolean;
  /** the object at `path` before the changes ('none': it did not exist) */
  readonly typeBefore: ObjectType;
  /** the object at `path` when the sync starts ('none': it is gone) */
  readonly typeAfter: ObjectType;
}

/** What `init` gets: the daemon's settings a module may need. */
export interface ModuleContext {
  /** version of this interface: 1 */
  readonly apiVersion: 1;
  /** `-l/--label` */
  readonly label: string;
  /** `-W/--watch-dir`, absolute, without a trailing slash */
  readonly watchDir: string;
  /** `-D/--destination-dir` without a trailing slash; '' when not given */
  readonly destinationDir: string;
  readonly mode: 'so' | 'rsyncso';
}

/** What each `sync`/`rsync` call is (what a program handler gets as CLSYNC_ITERATION and CLSYNC_STATUS). */
export interface SyncRun {
  /** the sync counter a program handler gets as CLSYNC_ITERATION (the same value) */
  readonly iteration: number;
  /** the daemon's status: 'initsync' for the initial sync, 'running' after */
  readonly status: string;
}

/** Optional functions of both kinds of modules. */
export interface ModuleLifecycle {
  /** called once before the initial sync; a failure ends the daemon before it watches anything */
  init?(context: ModuleContext): MaybePromise<void>;
  /** called once at exit (bounded by `-k`) */
  deinit?(): MaybePromise<void>;
}

/**
 * A module for `-M so`. `sync` gets the changed paths of one sync; a thrown
 * error or a rejected promise is a failed sync (retried by `-r`/`-w`;
 * abandoned past `-k`). Its return value is ignored.
 */
export interface SyncModule extends ModuleLifecycle {
  sync(events: readonly SyncEvent[], run: SyncRun): MaybePromise<void>;
}

/**
 * A module for `-M rsyncso`. `rsync` gets the paths of an rsync include
 * list and exclude list (`--include-from`/`--exclude-from` format, one
 * anchored path a line; null exclude list with `--rsync-prefer-include`);
 * the files exist during the call only (unless `-U`).
 */
export interface RsyncModule extends ModuleLifecycle {
  rsync(includeListPath: string, excludeListPath: string | null, run: SyncRun): MaybePromise<void>;
}
