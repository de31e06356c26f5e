import type { Change } from '../queue/index.js';
import type { ExcludedObject } from '../rsync/index.js';

/** An object the rules exclude, found by a walk; rsync must be told to leave it alone. */
export type { ExcludedObject };

/** What a sync run needs to know besides the changes. */
export interface SyncContext {
  /** CLSYNC_ITERATION */
  iteration: number;
  /** CLSYNC_STATUS */
  status: string;
  /** a long sync of the whole tree tells how far it got, in parts of its own (the progress line) */
  progress?: (done: number, total: number) => void;
}

/**
 * A sync mode (SPEC §6): turns a batch of changes into handler runs.
 * Both calls reject with a HandlerError when the handler failed beyond the
 * retry policy and ignored exit codes.
 */
export interface SyncHandler {
  /** Sync the whole tree (initial sync, overflow recovery, USR2). */
  syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void>;
  /** Sync these changed paths. */
  sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void>;
  /**
   * Get ready before the tree is watched (load a module, call its init);
   * a failure ends the daemon before it starts. Optional.
   */
  open?(): Promise<void>;
  /** Release what the handler holds (list directory, loaded modules) at exit. */
  close(): void | Promise<void>;
  /**
   * It links hard-linked files at the destination, and wants the walks to
   * report them (MonitorOptions.reportLinked).
   */
  readonly keepsHardLinks?: boolean;
  /**
   * `sync`/`syncAll` may be called again before an earlier call ended
   * (`-p safe|full`). Default false: the daemon then runs one sync at a
   * time whatever -p says, and says so once. A mode that keeps state from
   * one run to the next (a warm process, an open destination) leaves it
   * false.
   */
  readonly concurrent?: boolean;
  /** How deletions reach the destination (rsyncdirect's exact syncs, once chosen), for the status. */
  readonly deletionStrategy?: string;
}
