import { lstatSync } from 'node:fs';
import { log, showPath } from './log.js';
import { ClsyncError, HandlerError, KernelLimitError, OptionError } from './errors.js';
import { bytesOf, nativeString } from './bytes.js';
import { IN, type FsEvent, type RelPath } from './types.js';
import type { Settings } from './options/index.js';
import { RuleSet } from './rules/index.js';
import { EventQueue, needsSize, queueOptions, signatureMask, syncsAtOnce, type QueuedEntry } from './queue/index.js';
import { Intake } from './queue/intake.js';
import { batchPaths, Dispatcher, threadingFor } from './exec/threading.js';
import { createMonitor, type MarkStats, type Monitor } from './monitor/monitor.js';
import { createHandler } from './handlers/index.js';
import type { SyncContext, SyncHandler } from './handlers/handler.js';
import { StatusTracker } from './control/status.js';
import type { DaemonState } from './control/dump.js';
import type { DaemonStatus } from './control/status.js';
import { allExited, signalAll } from './exec/children.js';
import { runHook } from './exec/hook.js';
import { Alarm, sleep } from './long-timer.js';

/**
 * How long the queue must stay empty after a sync before
 * `--exit-on-no-events` ends the daemon. The C clsync polls the kernel queue
 * with a zero timeout; our events pass through a reader thread first, and a
 * directory created just before needs its walk to finish, so we give both a
 * moment (a walk of a small new subtree takes a few ms).
 */
const NO_EVENTS_SETTLE_MS = 150;

/**
 * After a failed sync (`--ignore-failures`), the next one waits at least
 * this long even with `-w0`, so a destination that is gone for good costs
 * one rsync a second, not a busy loop.
 */
const FAILURE_BACKOFF_MS = 1000;


/** Why a sync of the whole tree was queued or run (metrics, the control socket). */
export type FullSyncReason = 'initial' | 'overflow' | 'signal' | 'control' | 'failed-initial';

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
}

/** What the daemon tells the control side (all optional; each is called on the main thread). */
export interface DaemonEvents {
  /** marking begins (-b: the parent may exit now) */
  marking?: () => void;
  /** the initial sync ended (or was skipped): the daemon is ready */
  ready?: () => void;
  /** a batch of monitor events came in, before the rules */
  events?: (batch: readonly FsEvent[]) => void;
  /** a handler run ended */
  syncEnded?: (result: SyncResult) => void;
  /** a full sync was queued, and why */
  fullSyncQueued?: (reason: FullSyncReason) => void;
  /** the status (as --status-file words) changed */
  statusChanged?: (status: DaemonStatus) => void;
  /** marking ended: what it found (the progress line's totals) */
  marked?: (stats: MarkStats) => void;
  /** the initial sync got this far, in the handler's own parts */
  initialSyncProgress?: (done: number, total: number) => void;
}

/** The daemon's state in numbers, for the control socket's status and the metrics. */
export interface DaemonFacts {
  status: DaemonStatus;
  iteration: number;
  paused: boolean;
  /** --standby-file exists now */
  standby: boolean;
  initialSyncDone: boolean;
  /** handler runs under way */
  running: number;
  queue: { normal: number; bigfile: number };
  /** directories watched; undefined before marking or when the monitor cannot count them */
  watchedDirs: number | undefined;
  lastSync: SyncResult | undefined;
  /** rsyncdirect: how deletions reach the destination, once chosen */
  deletionStrategy: string | undefined;
}

/** Why the daemon ended: exit code and a one-line reason (empty for a normal end). */
export interface DaemonEnd {
  code: number;
  reason: string;
}

/**
 * The life cycle of SPEC §2 as a small state machine: marking, initial sync,
 * running (collect → wait out delays → run the handler), exit. It wires the
 * stages and holds no stage logic of its own.
 */
export class Daemon {
  private readonly status: StatusTracker;
  private readonly queue: EventQueue;
  private handler: SyncHandler;
  private monitor: Monitor | null = null;
  /** monitor events → rules → queue, and the objects the rules exclude */
  private readonly intake: Intake;
  private iteration = 0;
  /** handler runs under way (more than one only with -p safe|full) */
  private running = 0;
  /** -p: which released batches may run at once (set in run(), once the handler is known) */
  private dispatcher = new Dispatcher('off');
  private initialSyncDone = false;
  private lastSyncEnd = 0;
  private lastSyncStart = 0;
  /** no sync before this time (ms): the backoff after a failure */
  private notBefore = 0;
  /** the next sync (-t, -T and -w go up to 2^32-1 s, beyond what setTimeout takes) */
  private readonly alarm = new Alarm(() => this.syncSoon());
  private settleTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** a normal end is under way (hooks running); events still queue but start no sync */
  private finishing = false;
  /** a normal end or INT/TERM after the initial sync: --exit-hook runs on the way out (shutdown) */
  private exitHookAtShutdown = false;
  private endResolve!: (end: DaemonEnd) => void;
  private readonly ended: Promise<DaemonEnd>;
  private readonly watchDir: string;

  /** paused through the control socket: syncing waits as with --standby-file (events still queue) */
  private paused = false;
  private lastResult: SyncResult | undefined;

  /** `events`: what the control side wants to hear of */
  constructor(private settings: Settings, private readonly events: DaemonEvents = {}) {
    if (!settings.watchDir) throw new OptionError('--watch-dir (-W): required');
    this.watchDir = settings.watchDir;
    // --status-file-format json: the control side writes the report (control/status-json.ts)
    const wordFile = settings.statusFileFormat === 'text' ? settings.statusFile : undefined;
    this.status = new StatusTracker(wordFile && nativeString(wordFile), (status) => events.statusChanged?.(status));
    this.queue = new EventQueue(queueOptions(settings));
    const rules = RuleSet.loadOrEmpty(settings.rulesFile && nativeString(settings.rulesFile));
    this.intake = new Intake(this.queue, settings.watchDir, rules, needsSize(settings), signatureMask(settings.modificationSignature));
    this.handler = createHandler(settings, () => this.stopping);
    this.ended = new Promise((resolve) => (this.endResolve = resolve));
  }

  /** A sync of batches is under way. */
  private get syncing(): boolean {
    return this.running > 0;
  }

  /** Run until the end; resolves with the exit code and reason. */
  async run(): Promise<DaemonEnd> {
    this.status.set('starting');
    this.dispatcher = new Dispatcher(threadingFor(this.settings.threading, this.handler, String(this.settings.mode)));
    this.monitor = createMonitor(this.settings.monitor, {
      watchDir: nativeString(this.watchDir),
      // -X implies --one-file-system, as in the C clsync; the mount points met are excluded like rule-excluded objects
      oneFileSystem: this.settings.oneFileSystem || this.settings.excludeMountPoints,
      onMountPoint: this.settings.excludeMountPoints ? (path) => this.intake.mountPoint(path) : undefined,
      filter: (path, isDir) => this.intake.walkFilter(path, isDir),
      reportFiles: this.intake.rules.concernsFiles,
      reportLinked: this.handler.keepsHardLinks ?? false,
      onEvents: (batch) => this.take(batch),
      onWarning: (message) => log.warn(message),
      onFatal: (error) => this.fail(error),
      exitOnWatchLimit: this.settings.exitOnSyncSkipping,
    });
    this.lifeCycle().catch((err: unknown) => this.fail(err));
    const end = await this.ended;
    await this.shutdown();
    return end;
  }

  private async lifeCycle(): Promise<void> {
    const started = performance.now();
    await this.handler.open?.();
    if (this.stopping) return;
    const marking = this.monitor!.start();
    this.events.marking?.();
    const stats = await marking;
    this.events.marked?.(stats);
    log.notice(
      `marked ${stats.dirs} directories (${stats.watches} watches, ${stats.files} other objects) ` +
        `in ${Math.round(performance.now() - started)} ms`,
    );
    if (this.stopping) return;
    if (!this.settings.skipInitialsync) {
      this.status.set('initsync');
      this.events.fullSyncQueued?.('initial');
      const excluded = this.settings.fullInitialsync ? [] : this.intake.excludedList();
      if (await this.runHandler((context) => this.handler.syncAll(excluded, context))) {
        log.notice(`initial sync done in ${Math.round(performance.now() - started)} ms`);
      } else {
        // --ignore-failures: the whole tree stays due
        this.queue.add({ path: '', mask: IN.Q_OVERFLOW, recursive: true }, undefined, false);
        this.events.fullSyncQueued?.('failed-initial');
        this.notBefore = Date.now() + FAILURE_BACKOFF_MS;
        log.warn('initial sync failed: the whole tree stays queued for the next sync');
      }
    }
    this.initialSyncDone = true;
    if (this.stopping) return;
    this.events.ready?.();
    if (this.settings.onlyInitialsync) {
      await this.finishNormally();
      return;
    }
    this.status.set('running');
    this.afterSync();
  }

  /** Monitor events → rules → queue. Runs once per kernel read, not per event. */
  private take(batch: FsEvent[]): void {
    this.events.events?.(batch);
    const overflow = this.intake.take(batch, this.syncing);
    if (overflow) this.events.fullSyncQueued?.('overflow');
    if (overflow && this.settings.exitOnSyncSkipping) {
      this.fail(new KernelLimitError('events may have been lost (inotify queue overflow) and --exit-on-sync-skipping is set'));
      return;
    }
    if (this.initialSyncDone) this.schedule();
  }

  /** Arm the timer for the next sync: when the oldest queued class is due, and not before `-w` after the last. */
  private schedule(): void {
    if (!this.dispatcher.accepting || this.stopping || this.finishing) return;
    const due = this.queue.nextDue();
    if (due === undefined) return;
    clearTimeout(this.settleTimer);
    const delaySyncMs = syncsAtOnce(this.settings) ? 0 : this.settings.delaySync * 1000;
    // -w: between the end of one sync and the next; with -p, between starts (runs overlap)
    const last = this.dispatcher.mode === 'off' ? this.lastSyncEnd : this.lastSyncStart;
    const at = Math.max(due, last + delaySyncMs, this.notBefore);
    this.alarm.at(at);
  }

  /** Start a due sync from a timer: its failure ends the daemon (never an unhandled rejection). */
  private syncSoon(): void {
    this.syncDue().catch((err: unknown) => this.fail(err));
  }

  private async syncDue(): Promise<void> {
    if (!this.dispatcher.accepting || this.stopping) return;
    if (this.standingBy()) {
      this.alarm.at(Date.now() + 1000);
      return;
    }
    const changes = this.intake.release(this.queue.take(Date.now()));
    const eventTimes = this.queue.takenFirstAt;
    if (changes.length === 0) {
      this.afterSync();
      return;
    }
    const recursiveRoot = changes.some((c) => c.path === '' && c.recursive);
    const excluded = this.intake.excludedList();
    const done = this.dispatcher.submit(batchPaths(changes), async () => {
      log.info(`sync #${this.iteration}: ${changes.length} changed paths`);
      const ok = await this.runHandler(
        (context) => (recursiveRoot ? this.handler.syncAll(excluded, context) : this.handler.sync(changes, excluded, context)),
        recursiveRoot ? [''] : changes.filter((c) => c.recursive).map((c) => c.path),
        { full: recursiveRoot, paths: recursiveRoot ? 0 : changes.length, eventTimes },
      );
      if (!ok) {
        // --ignore-failures: nothing is lost, the next sync tries these again
        this.intake.forget(changes);
        this.queue.requeue(changes);
        this.notBefore = Date.now() + FAILURE_BACKOFF_MS;
        log.warn(`${changes.length} changed paths stay queued for the next sync`);
      }
    });
    if (this.dispatcher.mode === 'off') {
      await done;
      this.afterSync();
      return;
    }
    // -p: the next due batch may start while this one runs
    this.schedule();
    done.then(
      () => this.afterSync(),
      (err: unknown) => this.fail(err),
    );
  }

  /**
   * Run the handler once with the bookkeeping every sync needs. A final
   * failure ends the daemon, or with --ignore-failures resolves false.
   */
  private async runHandler(
    run: (context: SyncContext) => Promise<void>,
    roots: readonly RelPath[] = [''],
    what: Pick<SyncResult, 'full' | 'paths' | 'eventTimes'> = { full: true, paths: 0, eventTimes: [] },
  ): Promise<boolean> {
    this.running++;
    const startedAt = Date.now();
    let error: string | undefined;
    const over = this.intake.syncing(roots); // `roots`: what the run syncs with all below it
    this.lastSyncStart = Date.now();
    // each run its own iteration number, taken when it starts (runs may overlap with -p)
    const context: SyncContext = { iteration: this.iteration, status: this.status.value };
    if (!this.initialSyncDone && this.events.initialSyncProgress) context.progress = this.events.initialSyncProgress;
    this.iteration++;
    try {
      await run(context);
      return true;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      if (!(err instanceof HandlerError) || this.stopping) throw err;
      if (!this.settings.ignoreFailures) {
        this.status.set('synchandler error');
        throw err;
      }
      log.error(`${err.message} (--ignore-failures: going on)`);
      return false;
    } finally {
      over();
      this.running--;
      this.lastSyncEnd = Date.now();
      const result: SyncResult = { iteration: context.iteration, ...what, startedAt, durationMs: this.lastSyncEnd - startedAt, ok: error === undefined };
      if (error !== undefined) result.error = error;
      this.lastResult = result;
      this.events.syncEnded?.(result);
    }
  }

  /** After a sync (or the initial one): stop at --max-iterations, or --exit-on-no-events, or wait for more. */
  private afterSync(): void {
    if (this.stopping) return;
    const max = this.settings.maxIterations;
    if (max > 0 && this.iteration >= max) {
      void this.finishNormally();
      return;
    }
    if (this.settings.exitOnNoEvents) {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => {
        if (!this.syncing && this.queue.size === 0) void this.finishNormally();
        else this.schedule();
      }, NO_EVENTS_SETTLE_MS);
    }
    this.schedule();
  }

  /** --standby-file exists, or the control socket paused syncing. */
  private standingBy(): boolean {
    if (this.paused) {
      log.info('paused through the control socket: sync suspended');
      return true;
    }
    if (this.settings.standbyFile && lstatSync(bytesOf(this.settings.standbyFile), { throwIfNoEntry: false })) {
      log.info(`--standby-file ${this.settings.standbyFile} exists: sync suspended`);
      return true;
    }
    return false;
  }

  /** Control socket: hold syncing as an existing --standby-file does (events still queue), or let it go on. */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    log.notice(paused ? 'paused through the control socket: syncs wait until resumed' : 'resumed through the control socket');
    if (!paused && this.initialSyncDone) this.schedule();
  }

  /** What the control socket's status shows (O(1) but for the standby file's lstat). */
  facts(): DaemonFacts {
    const standbyFile = this.settings.standbyFile;
    return {
      status: this.status.value,
      iteration: this.iteration,
      paused: this.paused,
      standby: standbyFile !== undefined && lstatSync(bytesOf(standbyFile), { throwIfNoEntry: false }) !== undefined,
      initialSyncDone: this.initialSyncDone,
      running: this.running,
      queue: this.queue.depths(),
      watchedDirs: this.monitor?.watchedDirs,
      lastSync: this.lastResult,
      deletionStrategy: this.handler.deletionStrategy,
    };
  }

  /** The queued entries (O(queue); the control socket's queue and the JSON status file). */
  queued(): QueuedEntry[] {
    return this.queue.snapshot();
  }

  /** What a state dump (signal 29) shows. */
  state(): DaemonState {
    return {
      label: this.settings.label,
      status: this.status.value,
      iteration: this.iteration,
      queue: this.queue.snapshot(),
      watchedDirs: this.monitor?.listWatchedDirs?.(),
    };
  }

  /** The settings in effect (--custom-signals may switch them). */
  get currentSettings(): Settings {
    return this.settings;
  }

  /** --custom-signals: go on with other settings, between syncs (control/custom-signals.ts: what takes effect). */
  async reconfigure(next: Settings): Promise<void> {
    while (this.syncing) await sleep(20);
    if (this.stopping || this.finishing) return;
    this.intake.rules = RuleSet.loadOrEmpty(next.rulesFile && nativeString(next.rulesFile)); // may throw: nothing changed yet
    this.settings = next;
    this.queue.setDelays(queueOptions(next));
    this.intake.needSize = needsSize(next);
    await this.handler.close();
    this.handler = createHandler(next, () => this.stopping);
    await this.handler.open?.();
    if (this.initialSyncDone) this.schedule();
  }

  /** SIGHUP (or the control socket, `why`): reread the rules file; a broken file keeps the old rules. Returns whether there was one. */
  reloadRules(why = 'SIGHUP'): boolean {
    if (!this.settings.rulesFile) {
      log.notice(`${why}: no rules file (-R) to reread`);
      return false;
    }
    const previous = this.status.value;
    this.status.set('rehashing');
    this.intake.reloadRules(this.settings.rulesFile);
    this.status.set(previous);
    return true;
  }

  /** INT/TERM: kill running handlers and exit now. */
  terminate(signal: string): void {
    log.notice(`${signal}: terminating`);
    this.status.set('terminating');
    signalAll('SIGTERM');
    // the C tool runs the exit hook at the end of its main loop, whatever ended it
    this.exitHookAtShutdown = this.initialSyncDone;
    this.finish(0, '');
  }

  /** QUIT: let running handlers finish (with --sync-on-quit: one last sync of everything queued), then exit. */
  async quit(): Promise<void> {
    log.notice('SIGQUIT: finishing running handlers, then exiting');
    this.status.set('preexit');
    const lastSync = this.settings.syncOnQuit && this.initialSyncDone;
    this.alarm.cancel();
    while (this.syncing) await sleep(20);
    if (lastSync && this.queue.size > 0) {
      const changes = this.intake.release(this.queue.take(Date.now(), true));
      if (changes.length > 0) {
        await this.runHandler((context) => this.handler.sync(changes, this.intake.excludedList(), context)).catch((e) =>
          this.fail(e),
        );
      }
    }
    await allExited();
    await this.finishNormally();
  }

  /** USR2 (or the control socket): sync the whole tree again, or everything at and below `path`. */
  fullResync(reason: FullSyncReason = 'signal', path: RelPath = ''): void {
    log.notice(`${reason === 'signal' ? 'SIGUSR2' : 'control socket'}: ${path === '' ? 'full resync' : `resync of ${showPath(path)}`} queued`);
    if (path === '') this.events.fullSyncQueued?.(reason);
    this.queue.add({ path, mask: IN.Q_OVERFLOW, recursive: true }, undefined, this.syncing);
    if (this.initialSyncDone) this.schedule();
  }

  /** The rules in effect (the control socket refuses to resync a path they exclude). */
  get rules(): RuleSet {
    return this.intake.rules;
  }

  private fail(err: unknown): void {
    if (this.stopping) return;
    const code = err instanceof ClsyncError ? err.exitCode : 1;
    const reason = err instanceof Error ? err.message : String(err);
    // not one of ours: a bug; its stack is what a report needs
    if (!(err instanceof ClsyncError) && err instanceof Error) log.error(`internal error, please report it: ${err.stack ?? reason}`);
    signalAll('SIGTERM');
    this.finish(code, reason);
  }

  /**
   * A normal end: with --pre-exit-hook, run it and then one last sync of
   * what it (or anything else) changed; then --exit-hook. Hooks run only
   * when the initial sync completed (SPEC §6).
   */
  private async finishNormally(): Promise<void> {
    if (this.stopping || this.finishing) return;
    this.finishing = true;
    this.alarm.cancel();
    clearTimeout(this.settleTimer);
    try {
      if (this.initialSyncDone && this.settings.preExitHook) {
        this.status.set('preexit');
        await runHook(this.settings.preExitHook, this.settings.label, 'pre-exit hook');
        await new Promise((r) => setTimeout(r, NO_EVENTS_SETTLE_MS));
        const changes = this.intake.release(this.queue.take(Date.now(), true));
        if (changes.length > 0) {
          await this.runHandler((context) => this.handler.sync(changes, this.intake.excludedList(), context));
        }
      }
      this.exitHookAtShutdown = this.initialSyncDone;
      this.finish(0, '');
    } catch (err) {
      this.fail(err);
    }
  }

  private finish(code: number, reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.alarm.cancel();
    clearTimeout(this.settleTimer);
    this.endResolve({ code, reason });
  }

  private async shutdown(): Promise<void> {
    this.status.set('exiting');
    if (this.exitHookAtShutdown && this.settings.exitHook) {
      await allExited();
      await runHook(this.settings.exitHook, this.settings.label, 'exit hook');
    }
    await this.handler.close();
    this.intake.close();
    await this.monitor?.close();
  }
}

