/**
 * One destination's way from the queue to its handler: its own queue (its
 * cursor in the merged stream of changes), handler, threading, timer,
 * backoff and health. The daemon has one lane per `-D`; one that fails or
 * hangs holds back no other, and catches up from its own queue when it
 * comes back. With one destination the lane is the daemon's whole sync
 * side, as it always was.
 */
import { log, showPath } from './log.js';
import { HandlerError } from './errors.js';
import { IN, type FsEvent, type RelPath } from './types.js';
import type { Settings } from './options/index.js';
import { EventQueue, queueOptions, syncsAtOnce, type Change } from './queue/index.js';
import type { PathSet } from './queue/event-queue.js';
import type { Intake } from './queue/intake.js';
import { batchPaths, Dispatcher, threadingFor } from './exec/threading.js';
import { createHandler } from './handlers/index.js';
import type { SyncContext, SyncHandler } from './handlers/handler.js';
import type { DaemonStatus } from './control/status.js';
import { Alarm } from './long-timer.js';
import { collapseBacklog } from './queue/backlog.js';

/**
 * After a failed sync (`--ignore-failures`), the next one waits at least
 * this long even with `-w0`, so a destination that is gone for good costs
 * one rsync a second, not a busy loop.
 */
const FAILURE_BACKOFF_MS = 1000;

/** How a destination is doing: syncing normally, failing and retried, given up, or owed the whole tree. */
export type LaneHealth = 'ok' | 'retrying' | 'down' | 'needs-full-sync';

/** One handler run as it ended, for the control socket's subscribers and the metrics. */
export interface SyncResult {
  iteration: number;
  /** the whole tree (initial sync, overflow recovery, USR2, a resync), or the changed paths */
  full: boolean;
  /** number of changed paths handed to the handler (0 for a full sync) */
  paths: number;
  /** ms since the epoch */
  startedAt: number;
  durationMs: number;
  ok: boolean;
  /** the handler's error when not ok */
  error?: string;
  /** ms time of the first event of each change (empty for the initial sync): event → sync end latency */
  eventTimes: readonly number[];
  /** the destination (-D) of the run; '' when there is none */
  destination: string;
}

/** A destination's state for logs, the status report, the control socket and the metrics. */
export interface LaneFacts {
  destination: string;
  health: LaneHealth;
  /** changed paths waiting */
  backlog: number;
  /** ms since the oldest waiting change came (0 when none waits) */
  lagMs: number;
  lastError: string | undefined;
  lastSync: SyncResult | undefined;
}

/** What a lane asks of the daemon around it. */
export interface LaneHost {
  readonly intake: Intake;
  /** the daemon's status word (the handler's CLSYNC_STATUS) */
  status(): DaemonStatus;
  /** the daemon is ending: start nothing */
  stopping(): boolean;
  /** a normal end is under way: queue, but start no sync */
  finishing(): boolean;
  /** --standby-file exists, or the control socket paused syncing */
  standingBy(): boolean;
  /** syncs run only after the initial sync */
  initialSyncDone(): boolean;
  /** the initial sync's progress, in the handler's parts */
  progress?: (done: number, total: number) => void;
  /** a run ended */
  syncEnded(result: SyncResult): void;
  /** a lane ran out of tries without --ignore-failures: the daemon decides whether that ends it (rethrows) */
  laneGaveUp(lane: SyncLane, error: HandlerError): void;
  /** a lane is idle again (max-iterations, exit-on-no-events) */
  afterSync(): void;
  /** a sync failed outside the handler (a bug): the daemon ends */
  fail(error: unknown): void;
}

export class SyncLane {
  readonly queue: EventQueue;
  handler: SyncHandler;
  /** -p: which released batches may run at once (set in start(), once the handler is known) */
  private dispatcher = new Dispatcher('off');
  /** handler runs under way (more than one only with -p safe|full) */
  running = 0;
  /** the next run's number (CLSYNC_ITERATION); each lane counts its own */
  iteration = 0;
  private lastSyncEnd = 0;
  private lastSyncStart = 0;
  /** no sync before this time (ms): the backoff after a failure */
  private notBefore = 0;
  private readonly alarm = new Alarm(() => this.syncSoon());
  health: LaneHealth = 'ok';
  private lastError: string | undefined;
  lastResult: SyncResult | undefined;
  /** out of tries without --ignore-failures: this destination gets nothing more */
  gaveUp = false;
  /** runs under way: how many changed paths each carries (a whole-tree run counts one) and since when they wait */
  private readonly inFlight = new Set<{ paths: number; since: number }>();

  /** `label`: how logs name it ('' with one destination) */
  constructor(
    private settings: Settings,
    readonly destination: string,
    readonly label: string,
    private readonly host: LaneHost,
  ) {
    this.queue = new EventQueue(queueOptions(settings));
    this.handler = createHandler(this.settingsHere(settings), () => host.stopping());
  }

  /** The settings with this lane's destination as `-D`. */
  private settingsHere(settings: Settings): Settings {
    return settings.destinations.length > 1 ? { ...settings, destinationDir: this.destination } : settings;
  }

  /** A sync of batches is under way. */
  get syncing(): boolean {
    return this.running > 0;
  }

  /** Open the handler and set the threading it allows. */
  async open(): Promise<void> {
    this.dispatcher = new Dispatcher(threadingFor(this.settings.threading, this.handler, String(this.settings.mode)));
    await this.handler.open?.();
  }

  /** One change for this lane's queue (the intake's fan-out): not for a lane that gave up. */
  add(event: FsEvent, size: number | undefined, busy?: PathSet): void {
    if (this.gaveUp) return;
    this.queue.add(event, size, this.syncing, busy);
    const limit = this.settings.backlogLimit;
    if (limit > 0 && this.settings.destinations.length > 1 && this.queue.size > limit) this.foldBacklog(limit);
  }

  /** The whole tree at the first sync (the initial sync): true when it went through. */
  async initialSync(fullRules: boolean): Promise<boolean> {
    const excluded = fullRules ? [] : this.host.intake.excludedList();
    if (await this.runHandler((context) => this.handler.syncAll(excluded, context))) return true;
    if (this.gaveUp) return false;
    // --ignore-failures: the whole tree stays due
    this.queue.add({ path: '', mask: IN.Q_OVERFLOW, recursive: true }, undefined, false);
    this.health = 'needs-full-sync';
    this.notBefore = Date.now() + FAILURE_BACKOFF_MS;
    log.warn(`${this.prefix()}initial sync failed: the whole tree stays queued for the next sync`);
    return false;
  }

  /** Arm the timer for the next sync: when the oldest queued class is due, and not before `-w` after the last. */
  schedule(): void {
    if (this.gaveUp || !this.dispatcher.accepting || this.host.stopping() || this.host.finishing()) return;
    const due = this.queue.nextDue();
    if (due === undefined) return;
    const delaySyncMs = syncsAtOnce(this.settings) ? 0 : this.settings.delaySync * 1000;
    // -w: between the end of one sync and the next; with -p, between starts (runs overlap)
    const last = this.dispatcher.mode === 'off' ? this.lastSyncEnd : this.lastSyncStart;
    const at = Math.max(due, last + delaySyncMs, this.notBefore);
    this.alarm.at(at);
  }

  cancel(): void {
    this.alarm.cancel();
  }

  /** Start a due sync from a timer: its failure ends the daemon (never an unhandled rejection). */
  private syncSoon(): void {
    this.syncDue().catch((err: unknown) => this.host.fail(err));
  }

  private async syncDue(): Promise<void> {
    if (this.gaveUp || !this.dispatcher.accepting || this.host.stopping()) return;
    if (this.host.standingBy()) {
      this.alarm.at(Date.now() + 1000);
      return;
    }
    const changes = this.host.intake.release(this.queue.take(Date.now()));
    const eventTimes = this.queue.takenFirstAt;
    if (changes.length === 0) {
      this.host.afterSync();
      return;
    }
    const recursiveRoot = changes.some((c) => c.path === '' && c.recursive);
    const excluded = this.host.intake.excludedList();
    const done = this.dispatcher.submit(batchPaths(changes), async () => {
      log.info(`${this.prefix()}sync #${this.iteration}: ${changes.length} changed paths`);
      const ok = await this.runHandler(
        (context) => (recursiveRoot ? this.handler.syncAll(excluded, context) : this.handler.sync(changes, excluded, context)),
        recursiveRoot ? [''] : changes.filter((c) => c.recursive).map((c) => c.path),
        { full: recursiveRoot, paths: recursiveRoot ? 0 : changes.length, eventTimes },
      );
      if (!ok) this.keepForNextTry(changes);
    });
    if (this.dispatcher.mode === 'off') {
      await done;
      this.host.afterSync();
      return;
    }
    // -p: the next due batch may start while this one runs
    this.schedule();
    done.then(
      () => this.host.afterSync(),
      (err: unknown) => this.host.fail(err),
    );
  }

  /** --ignore-failures: nothing is lost, the next sync tries these again. */
  private keepForNextTry(changes: Change[]): void {
    if (this.gaveUp) return;
    this.host.intake.forget(changes);
    this.queue.requeue(changes);
    this.notBefore = Date.now() + FAILURE_BACKOFF_MS;
    log.warn(`${this.prefix()}${changes.length} changed paths stay queued for the next sync`);
  }

  /** Sync everything queued now, ignoring the delays (QUIT with --sync-on-quit, the pre-exit hook's changes). */
  async syncQueuedNow(): Promise<void> {
    if (this.gaveUp || this.queue.size === 0) return;
    const changes = this.host.intake.release(this.queue.take(Date.now(), true));
    if (changes.length > 0) await this.runHandler((context) => this.handler.sync(changes, this.host.intake.excludedList(), context));
  }

  /**
   * Run the handler once with the bookkeeping every sync needs. A final
   * failure ends the daemon (through the host), or with --ignore-failures
   * resolves false.
   */
  async runHandler(
    run: (context: SyncContext) => Promise<void>,
    roots: readonly RelPath[] = [''],
    what: Pick<SyncResult, 'full' | 'paths' | 'eventTimes'> = { full: true, paths: 0, eventTimes: [] },
  ): Promise<boolean> {
    this.running++;
    const startedAt = Date.now();
    let error: string | undefined;
    // a loop, not Math.min(...times): a burst's batch has more times than a call takes arguments
    let since = startedAt;
    for (const t of what.eventTimes) if (t < since) since = t;
    const flight = { paths: what.full ? 1 : what.paths, since };
    this.inFlight.add(flight);
    const over = this.host.intake.syncing(roots); // `roots`: what the run syncs with all below it
    this.lastSyncStart = Date.now();
    // each run its own iteration number, taken when it starts (runs may overlap with -p)
    const context: SyncContext = { iteration: this.iteration, status: this.host.status() };
    if (!this.host.initialSyncDone() && this.host.progress) context.progress = this.host.progress;
    this.iteration++;
    try {
      await run(context);
      this.health = 'ok';
      return true;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      if (!(err instanceof HandlerError) || this.host.stopping()) throw err;
      this.lastError = error;
      if (!this.settings.ignoreFailures) {
        this.gaveUp = true;
        this.health = 'down';
        this.alarm.cancel();
        this.host.laneGaveUp(this, err); // throws when no destination is left
        return false;
      }
      if (this.health !== 'needs-full-sync') this.health = 'retrying'; // one that owes the whole tree still does
      log.error(`${this.prefix()}${err.message} (--ignore-failures: going on)`);
      return false;
    } finally {
      over();
      this.inFlight.delete(flight);
      this.running--;
      this.lastSyncEnd = Date.now();
      const result: SyncResult = {
        iteration: context.iteration, ...what, startedAt, durationMs: this.lastSyncEnd - startedAt, ok: error === undefined, destination: this.destination,
      };
      if (error !== undefined) result.error = error;
      this.lastResult = result;
      this.host.syncEnded(result);
    }
  }

  /**
   * The backlog grew past --backlog-limit (a destination down while the
   * tree changes): fold it into the directories of its paths, level by
   * level, until it is at most half the limit; at the top it is one sync
   * of the whole tree. Nothing is lost: a directory synced with all below
   * it covers every change in it.
   */
  private foldBacklog(limit: number): void {
    const taken = this.queue.take(Date.now(), true);
    const folded = collapseBacklog(taken.map((c) => c.path), Math.floor(limit / 2));
    for (const path of folded) this.queue.add({ path, mask: IN.Q_OVERFLOW, recursive: true }, undefined, this.syncing);
    if (folded.length === 1 && folded[0] === '') this.health = 'needs-full-sync';
    log.warn(
      `${this.prefix()}more than ${limit} changed paths wait (--backlog-limit): folded into ${folded.length === 1 && folded[0] === '' ? 'one sync of the whole tree' : `${folded.length} directories synced whole`}`,
    );
  }

  /** --custom-signals: other settings, a new handler (between syncs). */
  async reconfigure(next: Settings): Promise<void> {
    this.settings = next;
    this.queue.setDelays(queueOptions(next));
    await this.handler.close();
    this.handler = createHandler(this.settingsHere(next), () => this.host.stopping());
    await this.open();
  }

  /** Health, backlog (waiting and under way) and lag (age of the oldest change not synced yet). */
  facts(): LaneFacts {
    let backlog = this.queue.size;
    let oldest = this.queue.oldestAt() ?? Infinity;
    for (const f of this.inFlight) {
      backlog += f.paths;
      oldest = Math.min(oldest, f.since);
    }
    return {
      destination: this.destination,
      health: this.health,
      backlog,
      lagMs: oldest === Infinity ? 0 : Math.max(0, Date.now() - oldest),
      lastError: this.lastError,
      lastSync: this.lastResult,
    };
  }

  /** How log lines of this lane start ('' with one destination). */
  prefix(): string {
    return this.label === '' ? '' : `[${this.label}] `;
  }

  /** For messages: the destination as the user wrote it. */
  describe(): string {
    return showPath(this.destination);
  }
}
