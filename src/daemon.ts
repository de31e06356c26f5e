import { lstatSync } from 'node:fs';
import { log, showPath } from './log.js';
import { ClsyncError, HandlerError, KernelLimitError, OptionError } from './errors.js';
import { bytesOf, nativeString } from './bytes.js';
import { IN, type FsEvent, type RelPath } from './types.js';
import type { Settings } from './options/index.js';
import { RuleSet } from './rules/index.js';
import { needsSize, queueOptions, signatureMask, type QueuedEntry } from './queue/index.js';
import { Intake, type QueueTarget } from './queue/intake.js';
import { createMonitor, type MarkStats, type Monitor } from './monitor/monitor.js';
import { SyncLane, type LaneFacts, type LaneHost, type SyncResult } from './sync-lane.js';
import { StatusTracker } from './control/status.js';
import type { DaemonState } from './control/dump.js';
import type { DaemonStatus } from './control/status.js';
import { allExited, signalAll } from './exec/children.js';
import { runHook } from './exec/hook.js';
import { sleep } from './long-timer.js';

/**
 * How long the queue must stay empty after a sync before
 * `--exit-on-no-events` ends the daemon. The C clsync polls the kernel queue
 * with a zero timeout; our events pass through a reader thread first, and a
 * directory created just before needs its walk to finish, so we give both a
 * moment (a walk of a small new subtree takes a few ms).
 */
const NO_EVENTS_SETTLE_MS = 150;

/** Why a sync of the whole tree was queued or run (metrics, the control socket). */
export type FullSyncReason = 'initial' | 'overflow' | 'signal' | 'control' | 'failed-initial';

export type { SyncResult, LaneFacts } from './sync-lane.js';

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
  /** each destination: its health, backlog and lag (one entry per -D) */
  destinations: LaneFacts[];
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
  /** one per destination (one when there is a single -D or none): queue, handler, timer, health */
  private lanes: SyncLane[];
  private monitor: Monitor | null = null;
  /** monitor events → rules → queue, and the objects the rules exclude */
  readonly intake: Intake;
  private initialSyncDone = false;
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
    const destinations = settings.destinations.length > 0 ? settings.destinations : [settings.destinationDir ?? ''];
    const several = destinations.length > 1;
    this.lanes = destinations.map((d, i) => new SyncLane(settings, d, several ? `${i + 1}:${showPath(d)}` : '', this.laneHost()));
    const rules = RuleSet.loadOrEmpty(settings.rulesFile && nativeString(settings.rulesFile));
    // one destination: its queue is the intake's; several: each change goes to every lane still syncing
    const target: QueueTarget = several ? { add: (event, size, _syncing, busy) => this.lanes.forEach((lane) => lane.add(event, size, busy)) } : this.lanes[0]!.queue;
    this.intake = new Intake(target, settings.watchDir, rules, needsSize(settings), signatureMask(settings.modificationSignature));
    this.ended = new Promise((resolve) => (this.endResolve = resolve));
  }

  /** What the lanes ask of the daemon (the intake is made after them: it feeds them). */
  private laneHost(): LaneHost {
    const intake = (): Intake => this.intake;
    return {
      get intake() {
        return intake();
      },
      status: () => this.status.value,
      stopping: () => this.stopping,
      finishing: () => this.finishing,
      standingBy: () => this.standingBy(),
      initialSyncDone: () => this.initialSyncDone,
      progress: this.events.initialSyncProgress,
      syncEnded: (result: SyncResult) => {
        this.lastResult = result;
        this.events.syncEnded?.(result);
      },
      laneGaveUp: (lane: SyncLane, error: HandlerError) => this.laneGaveUp(lane, error),
      afterSync: () => this.afterSync(),
      fail: (error: unknown) => this.fail(error),
    };
  }

  /** A sync of batches is under way, at any destination. */
  private get syncing(): boolean {
    return this.lanes.some((lane) => lane.syncing);
  }

  /** Changed paths waiting, at every destination. */
  private get waiting(): number {
    return this.lanes.reduce((n, lane) => n + lane.queue.size, 0);
  }

  /** Run until the end; resolves with the exit code and reason. */
  async run(): Promise<DaemonEnd> {
    this.status.set('starting');
    const first = this.lanes[0]!;
    this.monitor = createMonitor(this.settings.monitor, {
      watchDir: nativeString(this.watchDir),
      // -X implies --one-file-system, as in the C clsync; the mount points met are excluded like rule-excluded objects
      oneFileSystem: this.settings.oneFileSystem || this.settings.excludeMountPoints,
      onMountPoint: this.settings.excludeMountPoints ? (path) => this.intake.mountPoint(path) : undefined,
      filter: (path, isDir) => this.intake.walkFilter(path, isDir),
      reportFiles: this.intake.rules.concernsFiles,
      reportLinked: first.handler.keepsHardLinks ?? false,
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
    for (const lane of this.lanes) await lane.open();
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
      // every destination at once: one that is down holds back no other
      const done = await Promise.all(this.lanes.map((lane) => lane.initialSync(this.settings.fullInitialsync)));
      for (const [i, ok] of done.entries()) {
        const lane = this.lanes[i]!;
        if (ok) log.notice(`${lane.prefix()}initial sync done in ${Math.round(performance.now() - started)} ms`);
        else if (!lane.gaveUp) this.events.fullSyncQueued?.('failed-initial');
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

  /** Arm every destination's timer for its next sync. */
  private schedule(): void {
    if (this.stopping || this.finishing) return;
    // something is due: --exit-on-no-events waits for it
    if (this.waiting > 0) clearTimeout(this.settleTimer);
    for (const lane of this.lanes) lane.schedule();
  }

  /**
   * A destination ran out of tries without --ignore-failures: it gets
   * nothing more, and the others go on; when none is left the daemon ends
   * (with one destination: at its first failure, as always).
   */
  private laneGaveUp(lane: SyncLane, error: HandlerError): void {
    if (this.lanes.every((l) => l.gaveUp)) {
      this.status.set('synchandler error');
      throw error;
    }
    const left = this.lanes.filter((l) => !l.gaveUp).length;
    log.error(`destination ${lane.describe()} failed for good: ${error.message}; ${left} other destination${left === 1 ? '' : 's'} go on (--ignore-failures keeps retrying instead)`);
  }

  /** After a sync (or the initial one): stop at --max-iterations, or --exit-on-no-events, or wait for more. */
  private afterSync(): void {
    if (this.stopping) return;
    const max = this.settings.maxIterations;
    const live = this.lanes.filter((lane) => !lane.gaveUp);
    if (max > 0 && live.every((lane) => lane.iteration >= max)) {
      void this.finishNormally();
      return;
    }
    if (this.settings.exitOnNoEvents) {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => {
        if (!this.syncing && this.waiting === 0) void this.finishNormally();
        else this.schedule();
      }, NO_EVENTS_SETTLE_MS);
    }
    for (const lane of this.lanes) lane.schedule();
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

  /** What the control socket's status shows (O(destinations) but for the standby file's lstat). */
  facts(): DaemonFacts {
    const standbyFile = this.settings.standbyFile;
    const first = this.lanes[0]!;
    const queue = { normal: 0, bigfile: 0 };
    for (const lane of this.lanes) {
      const d = lane.queue.depths();
      queue.normal += d.normal;
      queue.bigfile += d.bigfile;
    }
    return {
      status: this.status.value,
      iteration: first.iteration,
      paused: this.paused,
      standby: standbyFile !== undefined && lstatSync(bytesOf(standbyFile), { throwIfNoEntry: false }) !== undefined,
      initialSyncDone: this.initialSyncDone,
      running: this.lanes.reduce((n, lane) => n + lane.running, 0),
      queue,
      watchedDirs: this.monitor?.watchedDirs,
      lastSync: this.lastResult,
      deletionStrategy: first.handler.deletionStrategy,
      destinations: this.lanes.map((lane) => lane.facts()),
    };
  }

  /** The queued entries of the first destination (O(queue); the control socket's queue and the JSON status file). */
  queued(): QueuedEntry[] {
    return this.lanes[0]!.queue.snapshot();
  }

  /** What a state dump (signal 29) shows. */
  state(): DaemonState {
    return {
      label: this.settings.label,
      status: this.status.value,
      iteration: this.lanes[0]!.iteration,
      queue: this.lanes[0]!.queue.snapshot(),
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
    this.intake.needSize = needsSize(next);
    for (const lane of this.lanes) await lane.reconfigure(next);
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
    for (const lane of this.lanes) lane.cancel();
    while (this.syncing) await sleep(20);
    if (lastSync) await Promise.all(this.lanes.map((lane) => lane.syncQueuedNow())).catch((e) => this.fail(e));
    await allExited();
    await this.finishNormally();
  }

  /** USR2 (or the control socket): sync the whole tree again, or everything at and below `path`. */
  fullResync(reason: FullSyncReason = 'signal', path: RelPath = ''): void {
    log.notice(`${reason === 'signal' ? 'SIGUSR2' : 'control socket'}: ${path === '' ? 'full resync' : `resync of ${showPath(path)}`} queued`);
    if (path === '') this.events.fullSyncQueued?.(reason);
    for (const lane of this.lanes) lane.add({ path, mask: IN.Q_OVERFLOW, recursive: true }, undefined);
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
    for (const lane of this.lanes) lane.cancel();
    clearTimeout(this.settleTimer);
    try {
      if (this.initialSyncDone && this.settings.preExitHook) {
        this.status.set('preexit');
        await runHook(this.settings.preExitHook, this.settings.label, 'pre-exit hook');
        await new Promise((r) => setTimeout(r, NO_EVENTS_SETTLE_MS));
        await Promise.all(this.lanes.map((lane) => lane.syncQueuedNow()));
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
    for (const lane of this.lanes) lane.cancel();
    clearTimeout(this.settleTimer);
    this.endResolve({ code, reason });
  }

  private async shutdown(): Promise<void> {
    this.status.set('exiting');
    if (this.exitHookAtShutdown && this.settings.exitHook) {
      await allExited();
      await runHook(this.settings.exitHook, this.settings.label, 'exit hook');
    }
    for (const lane of this.lanes) await lane.handler.close();
    this.intake.close();
    await this.monitor?.close();
  }
}
