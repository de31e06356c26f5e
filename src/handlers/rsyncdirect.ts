import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Settings } from '../options/index.js';
import { HandlerError } from '../errors.js';
import { log, showPath } from '../log.js';
import type { Change } from '../queue/index.js';
import {
  ancestorIn,
  needsFullSync,
  buildExcludeList,
  buildIncludeLists,
  chunk,
  filesFromArgs,
  filesFromList,
  listSeparatorFor,
  planFilesFrom,
  rsyncArgsExpansion,
  rsyncExitMeaning,
  rsyncMeaningFor,
  RSYNC_ROUTINE_STDERR,
  type FilesFromRun,
  type FilesFromRunPlan,
  type ListChange,
  type ListSeparator,
} from '../rsync/index.js';
import { describeEnd, runWithRetries } from '../exec/retry.js';
import { prepareCommand, type PreparedCommand } from '../exec/run.js';
import { bytesOf, byteString, nativeString } from '../bytes.js';
import { SourceTree, type EntryStat } from '../tree/source.js';
import type { ExcludedObject, SyncContext, SyncHandler } from './handler.js';
import { ListsDir } from './lists-dir.js';
import { expandArgs } from './substitute.js';
import { HardLinkPartners, isInPlace, replacingNames, type PlannedInodes, type SourceStat } from './hard-links.js';
import type { RelPath } from '../types.js';
import { DestinationDoor, directoryIdentity, errnoName, Errno, isOpen, RenameFlag } from '../destination/index.js';
import { forcedDeletionStrategy, removeThroughDoor, splitBySource, type DeletionStrategy } from './deletions.js';
import { probeDeleteMissingArgs } from '../rsync/probe.js';
import { parentDeletion, parentDeletionArgs } from '../rsync/delete-parents.js';

/** rsync's "some files vanished before they could be transferred": normal on a live tree (SPEC §6). */
const RSYNC_VANISHED = 24;

/**
 * rsync exit codes that a live tree produces when it changes under rsync's
 * feet: 23 (partial transfer: a path became a directory or a file while
 * rsync read it) and 2 ("invalid path from sender": a directory vanished and
 * came back during the walk). A files-from run that ends with one is run
 * again with a fresh list; after that a full sync takes over.
 */
const RSYNC_RACE_CODES: ReadonlySet<number> = new Set([23, 2]);

/** Re-runs of a files-from run that ended with a race code before a full sync takes over. */
const RACE_RERUNS = 3;

/** The arguments used when the user wrote none: rsync's defaults plus the two directories. */
const DEFAULT_TEMPLATE = ['%RSYNC-ARGS%', '%watch-dir%/', '%destination-dir%/'];

/**
 * A full sync is split into this many rsync runs per core, handed out to
 * one worker per core: top-level subtrees differ in size, and smaller
 * pieces let a worker that drew small ones take more.
 */
const FULL_SYNC_PIECES_PER_WORKER = 4;

/**
 * `--mode=rsyncdirect`: run rsync (`-S`, default `rsync`).
 *
 * Two ways to tell rsync what changed, chosen by the argument template:
 * - the template uses `%RSYNC-ARGS%` (the default does) and names no list
 *   file: exact `--files-from` lists (src/rsync/files-from.ts), cost
 *   proportional to the changes; a full sync runs one rsync per core;
 * - the template names `%INCLUDE-LIST-PATH%`/`%EXCLUDE-LIST-PATH%` itself:
 *   include/exclude filter lists, as the C clsync writes them.
 */
export class RsyncDirectHandler implements SyncHandler {
  private readonly template: readonly string[];
  private readonly filesFrom: boolean;
  private readonly lists: ListsDir;
  private readonly okCodes: ReadonlySet<number>;
  private readonly values: Record<string, string>;
  private readonly workers: number;
  private readonly hardLinks: HardLinkPartners;
  /** the watched tree, read without following symlinks */
  private readonly source: SourceTree;
  /** the destination as a local directory (bytes), when rsync writes to one we can touch directly */
  private readonly localDestination: Buffer | null;
  /** the local destination directory (directoryIdentity) as the last sync found it */
  private destinationInode: string | undefined;
  /** the next content run, started ahead (prepareWarm), with the destination directory it entered (directoryIdentity) */
  private warm: { command: PreparedCommand; destination: string } | null = null;
  /** how deletions reach the destination, chosen at the first sync (chooseDeletion) */
  private deletion: DeletionStrategy = 'missing-args';
  private deletionChosen = false;
  /** the local destination's door, open for the length of one sync (syncs never overlap) */
  private door: DestinationDoor | null = null;
  /** the kernel has no openat2: said once */
  private doorUnavailableSaid = false;

  constructor(
    private readonly settings: Settings,
    private readonly aborted: () => boolean,
  ) {
    const userArgs = settings.handlerArgs && settings.handlerArgs.length > 0 ? settings.handlerArgs : null;
    this.template = userArgs ?? DEFAULT_TEMPLATE;
    this.filesFrom =
      this.template.includes('%RSYNC-ARGS%') &&
      !this.template.some((a) => a.includes('%INCLUDE-LIST-PATH%') || a.includes('%EXCLUDE-LIST-PATH%'));
    this.lists = new ListsDir(settings.listsDir && nativeString(settings.listsDir), settings.dontUnlinkLists);
    this.okCodes = new Set([...settings.ignoreExitcode, RSYNC_VANISHED]);
    this.values = {
      label: settings.label,
      'watch-dir': (settings.watchDir ?? '').replace(/\/+$/, ''),
      'destination-dir': (settings.destinationDir ?? '').replace(/\/+$/, ''),
    };
    this.workers = Math.max(1, availableParallelism());
    this.source = new SourceTree(this.values['watch-dir']);
    this.hardLinks = new HardLinkPartners(this.source);
    const destination = this.values['destination-dir'];
    this.localDestination = !userArgs && destination.startsWith('/') ? bytesOf(destination) : null;
  }

  async syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    if (!this.filesFrom) return this.runIncludeLists([{ path: '', recursive: true }], excluded, context);
    await this.chooseDeletion();
    await this.throughDoor(() => this.fullFilesFrom(excluded, context));
    if (this.localDestination) this.destinationInode = directoryIdentity(this.localDestination);
    this.prepareWarm(context.iteration + 1);
  }

  async sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    if (!this.filesFrom) return this.runIncludeLists(changes, excludedUnder(changes, excluded), context);
    await this.chooseDeletion();
    await this.throughDoor(() => this.syncFilesFrom(changes, excluded, context));
    this.prepareWarm(context.iteration + 1);
  }

  private async syncFilesFrom(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    const stat = this.batchStat();
    const linkCount = (path: RelPath): number => {
      const st = stat(path);
      return st?.isFile() ? st.nlink : 1;
    };
    if (needsFullSync(changes)) {
      const plan = planFilesFrom(changes, linkCount);
      this.hardLinks.addPartners(plan.runs, changes, stat);
      const inPlace = this.inPlaceGuard(plan.runs, changes, stat);
      await this.fullFilesFrom(excluded, context);
      // hard-linked files' names, linked again after the parallel runs (see fullPlan)
      for (const run of plan.runs) await this.runChunks(run, '', context, inPlace);
      return;
    }
    if (this.localDestination) {
      // Removed, or replaced by another directory since the last sync: the changes alone would not
      // bring back what did not change.
      const now = directoryIdentity(this.localDestination);
      const was = this.destinationInode;
      this.destinationInode = now;
      if (now === undefined || (was !== undefined && now !== was)) {
        log.warn(`destination ${showPath(this.values['destination-dir'])} ${now === undefined ? 'is gone' : 'was replaced'}: syncing the whole tree`);
        return this.fullFilesFrom(excluded, context);
      }
    }
    const replayed = this.door ? replayDirectoryMoves(changes, this.door) : { copied: renamedRoots(changes), exchanged: NO_EXCHANGES };
    const plan = planFilesFrom(changes, linkCount, replayed.exchanged);
    this.hardLinks.addPartners(plan.runs, changes, stat);
    if (replayed.copied.length > 0) this.linkInCopiedRoots(plan.runs, replayed.copied, stat);
    const inPlace = this.inPlaceGuard(plan.runs, changes, stat);
    return this.withExcludeList(excludedUnder(changes, excluded), 'nul', context, async (excludePath) => {
      for (const stage of stagesOf(plan.runs)) {
        if (await this.runStage(stage, excludePath, context, inPlace)) continue;
        log.warn(`the tree kept changing under rsync; syncing the whole tree instead`);
        await this.fullFilesFrom(excluded, context);
        // A full sync trusts rsync's quick check, which misses same-size rewrites that restored the mtime.
        for (const written of plan.runs) {
          if (written.kind === 'plain' || written.kind === 'recursive') continue;
          await this.runChunks(written, excludePath, context, inPlace);
        }
        return;
      }
      await this.repairLinkGroups(plan.runs, stat, excludePath, context);
      if (plan.root) await this.runRsync(filesFromArgs('root', '', ''), context, 'rsync (watch dir attributes)');
    });
  }

  /**
   * The runs of one stage: at the same time (one per core) when no path is
   * in two of them, otherwise one after the other. Each rsync run spends
   * tens of ms waiting for its own processes to end (rsync polls them every
   * 20 ms); side by side those waits overlap. False when a run kept racing.
   */
  private async runStage(stage: readonly FilesFromRunPlan[], excludePath: string, context: SyncContext, inPlace?: InPlaceGuard): Promise<boolean> {
    if (stage.length === 1 || this.workers < 2 || !disjointRuns(stage)) {
      for (const run of stage) if (!(await this.runChunks(run, excludePath, context, inPlace))) return false;
      return true;
    }
    const results = await Promise.all(stage.map((run) => this.runChunks(run, excludePath, context, inPlace)));
    return results.every(Boolean);
  }

  /** One planned run, split at --rsync-inclimit. False when a part kept racing. */
  private async runChunks(run: FilesFromRunPlan, excludePath: string, context: SyncContext, inPlace?: InPlaceGuard): Promise<boolean> {
    for (const paths of chunk(run.paths, this.settings.rsyncInclimit)) {
      const done = inPlace && isInPlace(run.kind)
        ? await this.runInPlace(run.kind, paths, excludePath, context, inPlace)
        : await this.runFilesFrom(run.kind, paths, excludePath, context);
      if (!done) return false;
    }
    return true;
  }

  /**
   * What an in-place run of this batch must know to write only into the
   * copies of the files it lists (see runInPlace); undefined, at no cost,
   * when the plan has no such run.
   */
  private inPlaceGuard(runs: readonly FilesFromRunPlan[], changes: readonly Change[], stat: SourceStat): InPlaceGuard | undefined {
    if (!runs.some((run) => isInPlace(run.kind))) return undefined;
    return { planned: this.hardLinks.plannedInodes(runs, stat), replacing: replacingNames(changes) };
  }

  /**
   * An `inplace` or `link` run (rsync `--inplace`: the destination's copy of
   * a hard-linked file is written, so every name of it there sees the data).
   * Writing through a name whose object at the destination is not the listed
   * file's copy would put the data into another file's copy, seen through
   * all its names:
   * - a name that got another object in this batch (a rename over it) may
   *   still be the old object's name at the destination: removed there
   *   first (unlinkAtDestination). rsync `-H` then links it to a listed
   *   partner's copy there, or makes a new file. (Sent first as a new file
   *   of its own instead, it may be the name rsync writes and links the
   *   others to: the names not listed would stay apart on the old copy.)
   * - a name replaced after the batch was planned, before rsync read it
   *   (fuzz seed 2): found after the run by its inode, then sent as a new
   *   file, and the names still of the file it was are sent in place again,
   *   which puts that file's data back into their copy. That run is looked
   *   at the same way.
   * False when a run kept racing.
   */
  private async runInPlace(kind: FilesFromRun, paths: readonly string[], excludePath: string, context: SyncContext, guard: InPlaceGuard): Promise<boolean> {
    const replacing = guard.replacing.size > 0 ? paths.filter((path) => guard.replacing.has(path)) : [];
    if (replacing.length > 0 && !(await this.unlinkAtDestination(replacing, context))) return false;
    let listed = paths;
    let listedKind = kind;
    for (let attempt = 0; attempt <= RACE_RERUNS; attempt++) {
      if (!(await this.runFilesFrom(listedKind, listed, excludePath, context))) return false;
      const repair = this.hardLinks.replacedDuring(listed, guard.planned);
      if (!repair) return true;
      log.info(
        `rsync (${listedKind}): ${repair.replaced.length} hard-linked name(s) replaced by another file while it ran ` +
          `(${showPath(repair.replaced[0])}${repair.replaced.length > 1 ? ', …' : ''}): sending them apart, and their file's other names again`,
      );
      if (!(await this.runFilesFrom('content', repair.replaced, excludePath, context))) return false;
      if (repair.others.length === 0) return true;
      listed = repair.others;
      listedKind = 'inplace';
    }
    return false;
  }

  /**
   * The hard-linked files of `runs` that are not one group at the
   * destination as in the source (see HardLinkPartners.strayNames): their
   * names are removed there and sent again, together. Needs the door: a
   * remote destination's groups are left as rsync made them.
   */
  private async repairLinkGroups(runs: readonly FilesFromRunPlan[], stat: SourceStat, excludePath: string, context: SyncContext): Promise<void> {
    const door = this.door;
    if (!door) return;
    const stray = this.hardLinks.strayNames(pathsOf(runs), stat, (path) => door.lstat(path));
    if (stray.length === 0) return;
    log.info(
      `hard links: ${stray.length} name(s) not linked at the destination as in the source (${showPath(stray[0])}${stray.length > 1 ? ', …' : ''}; ` +
        `the tree changed while rsync read it): sending them again, together`,
    );
    if (await this.unlinkAtDestination(stray, context)) await this.runFilesFrom('plain', stray, excludePath, context);
  }

  /** the files-from runs carry -H (see SyncHandler) */
  get keepsHardLinks(): boolean {
    return this.filesFrom;
  }

  close(): void {
    this.warm?.command.discard();
    this.warm = null;
    this.lists.close();
    this.source.close();
  }

  /**
   * The whole tree: the root directory's own entries first (`--dirs
   * --delete`: copies top-level files, deletes what the source no longer
   * has), then the top-level directories recursively, one rsync per core.
   */
  private fullFilesFrom(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.withExcludeList(excluded, 'nul', context, async (excludePath) => {
      const subtrees = this.topLevelDirs();
      if (this.workers < 2 || subtrees.length < 2) {
        await this.runRsync(['-aH', '--force', '--from0', '--delete', `--exclude-from=${excludePath}`], context, 'rsync');
        return;
      }
      await this.runRsync(
        ['-aH', '--no-r', '--dirs', '--force', '--from0', '--delete', `--exclude-from=${excludePath}`],
        context,
        'rsync (top level)',
      );
      const pieces = chunk(subtrees, Math.ceil(subtrees.length / (this.workers * FULL_SYNC_PIECES_PER_WORKER)));
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < pieces.length && !this.aborted()) {
          const piece = pieces[next++];
          await this.runFilesFrom('recursive', piece, excludePath, context);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.workers, pieces.length) }, worker));
    });
  }

  /** The handler's command line with `%RSYNC-ARGS%` = `rsyncArgs`. */
  private argvFor(rsyncArgs: readonly string[], listValues: Record<string, string> = {}): string[] {
    return [
      this.settings.syncHandler ?? 'rsync',
      ...expandArgs(this.template, { ...this.values, ...listValues }, { 'RSYNC-ARGS': rsyncArgs }),
    ].map(nativeString);
  }

  /**
   * Start the next sync's content run now, waiting for its list on stdin:
   * a write then costs only the transfer, not rsync's start-up (exec, its
   * libraries, its two forks: ~10 ms here, against ~4 ms for the transfer of
   * a small file). Local destinations with the default arguments only: the
   * receiver has entered the destination directory already, which must
   * still be the same directory when the run is used (see takeWarm).
   */
  private prepareWarm(iteration: number): void {
    if (!this.localDestination || this.aborted() || this.warm?.command.ready) return;
    this.warm?.command.discard();
    this.warm = null;
    const destination = directoryIdentity(this.localDestination);
    if (destination === undefined) return;
    const argv = this.argvFor(filesFromArgs('content', '-', '', this.deletion === 'missing-args'));
    this.warm = { command: prepareCommand(argv, { CLSYNC_STATUS: 'running', CLSYNC_ITERATION: String(iteration) }), destination };
  }

  /** The prepared content run, when it can serve: still waiting, and the destination is the directory it entered. */
  private takeWarm(): PreparedCommand | undefined {
    const warm = this.warm;
    this.warm = null;
    if (!warm) return undefined;
    if (warm.command.ready && this.localDestination && directoryIdentity(this.localDestination) === warm.destination) return warm.command;
    warm.command.discard();
    return undefined;
  }

  /** lstat of source paths, each looked at once for the length of a batch's planning. */
  private batchStat(): SourceStat {
    const seen = new Map<string, EntryStat | undefined>();
    return (path) => {
      if (seen.has(path)) return seen.get(path);
      const st = this.source.lstat(path);
      seen.set(path, st);
      return st;
    };
  }

  /** Top-level directories of the watch dir (byte strings), in name order. */
  private topLevelDirs(): string[] {
    const root = bytesOf(this.values['watch-dir']);
    return readdirSync(root, { withFileTypes: true, encoding: 'buffer' })
      .filter((e) => e.isDirectory())
      .map((e) => e.name.toString('latin1'))
      .sort();
  }

  /**
   * One files-from run. Resolves false when rsync kept hitting races with a
   * changing tree (RSYNC_RACE_CODES) through every re-run; throws a
   * HandlerError for any other failure.
   */
  private async runFilesFrom(kind: FilesFromRun, paths: readonly string[], excludePath: string, context: SyncContext): Promise<boolean> {
    const missingArgs = this.deletion === 'missing-args';
    for (let attempt = 0; attempt <= RACE_RERUNS; attempt++) {
      // Looked at right before the run: a path below a symlink (or a file) is replaced by that
      // component, so rsync's sender never follows a symlink a writer swapped in (src/tree/source.ts).
      const split = splitBySource(this.source, paths);
      let listed: readonly string[];
      if (missingArgs) {
        listed = split.missing.length > 0 ? [...split.present, ...split.missing] : split.present;
      } else {
        // Deleted first, then the rest listed: a path that vanishes meanwhile makes rsync exit 23 (a race).
        if (split.missing.length > 0 && !(await this.deleteMissing(split.missing, context))) return false;
        listed = split.present;
      }
      if (listed.length === 0) return true;
      const input = filesFromList(listed);
      const list = this.lists.write(this.settings.label, 'include', context.iteration, input);
      const warm = attempt === 0 && kind === 'content' ? this.takeWarm() : undefined;
      try {
        const args = filesFromArgs(kind, byteString(list.path), excludePath, missingArgs);
        const code = await this.runRsync(args, context, `rsync (${kind}, ${listed.length})`, {}, RSYNC_RACE_CODES, warm && { command: warm, input });
        if (!RSYNC_RACE_CODES.has(code)) return true;
        log.warn(
          `rsync (${kind}): ${rsyncExitMeaning(code, true).message}: the tree may have changed while it ran ` +
            `(or the destination refused a write: see rsync's messages above); running it again`,
        );
      } finally {
        list.done();
      }
      if (this.aborted()) return true;
    }
    return false;
  }

  /**
   * Remove `names` at the destination although the source has them (see
   * runInPlace): through the door when it is open, otherwise (or what it
   * could not remove) with a per-parent deletion run whose sender hides
   * them (`H` rules), so the receiver deletes them as extraneous. False
   * when that run kept racing.
   */
  private async unlinkAtDestination(names: readonly RelPath[], context: SyncContext): Promise<boolean> {
    const left = this.door ? await removeThroughDoor(this.door, names) : names;
    if (left.length === 0) return true;
    const run = parentDeletion(left, left);
    const list = this.lists.write(this.settings.label, 'include', context.iteration, run.list);
    const rules = this.lists.write(this.settings.label, 'exclude', context.iteration, run.rules);
    try {
      const args = parentDeletionArgs(byteString(list.path), byteString(rules.path));
      const code = await this.runRsync(args, context, `rsync (unlink, ${left.length})`, {}, RSYNC_RACE_CODES);
      return !RSYNC_RACE_CODES.has(code);
    } finally {
      list.done();
      rules.done();
    }
  }

  /**
   * Choose how deletions reach the destination, once, at the first sync
   * (see deletions.ts): a local destination asks the handler's rsync
   * whether `--delete-missing-args` deletes a nested path (the probe);
   * others use per-parent runs, since the receiver's rsync is unknown.
   */
  private async chooseDeletion(): Promise<void> {
    if (this.deletionChosen) return;
    this.deletionChosen = true;
    const program = this.settings.syncHandler ?? 'rsync';
    const forced = forcedDeletionStrategy();
    let why: string;
    if (forced) {
      this.deletion = forced;
      why = 'forced by CLSYNC_TEST_DELETION';
    } else if (!this.localDestination) {
      this.deletion = 'per-parent';
      why = 'the destination is not a local directory with the default arguments, so its rsync is unknown';
    } else {
      const probe = await probeDeleteMissingArgs(nativeString(program));
      if (probe.works) {
        this.deletion = 'missing-args';
        why = `${showPath(program)} --delete-missing-args ${probe.why}`;
      } else {
        const door = DestinationDoor.supported();
        this.deletion = door ? 'door' : 'per-parent';
        why = `${showPath(program)} --delete-missing-args fails: ${probe.why}${door ? '' : '; openat2 is not available'}`;
      }
    }
    log.notice(`deletions at the destination: ${this.deletion} (${why})`);
  }

  /**
   * Delete `paths` (missing at the source, none below another) at the
   * destination: through the door when the strategy says so and it is open,
   * what it could not remove (and everything otherwise) with a per-parent
   * rsync run. False when that run kept racing with a changing tree.
   */
  private async deleteMissing(paths: readonly RelPath[], context: SyncContext): Promise<boolean> {
    let left = paths;
    if (this.deletion === 'door' && this.door) left = await removeThroughDoor(this.door, paths);
    for (let attempt = 0; left.length > 0 && attempt <= RACE_RERUNS; attempt++) {
      // a name that is back at the source is left to the batch that has its creation
      if (attempt > 0) left = splitBySource(this.source, left).missing;
      if (left.length === 0) return true;
      const run = parentDeletion(left);
      const list = this.lists.write(this.settings.label, 'include', context.iteration, run.list);
      const rules = this.lists.write(this.settings.label, 'exclude', context.iteration, run.rules);
      try {
        const args = parentDeletionArgs(byteString(list.path), byteString(rules.path));
        const code = await this.runRsync(args, context, `rsync (delete, ${left.length})`, {}, RSYNC_RACE_CODES);
        if (!RSYNC_RACE_CODES.has(code)) return true;
        log.warn(`rsync (delete): ${rsyncExitMeaning(code, true).message}: the tree may have changed while it ran; running it again`);
      } finally {
        list.done();
        rules.done();
      }
      if (this.aborted()) return true;
    }
    return left.length === 0;
  }

  /**
   * Run `body` with the local destination's door open (see
   * src/destination/): one directory fd for the whole sync. Without a door
   * (no openat2, or no destination directory yet) renamed directories are
   * copied and deletions go through rsync.
   */
  private async throughDoor(body: () => Promise<void>): Promise<void> {
    if (!this.localDestination) return body();
    const opened = DestinationDoor.open(this.localDestination);
    if (isOpen(opened)) this.door = opened;
    else if (!opened.unavailable) log.debug(1, `destination door: ${opened.reason}`);
    else if (!this.doorUnavailableSaid) {
      this.doorUnavailableSaid = true;
      log.notice(`destination door: ${opened.reason}: renamed directories are copied and deletions go through rsync`);
    }
    try {
      await body();
    } finally {
      this.door?.close();
      this.door = null;
    }
  }

  /** Renamed directories the destination did not have are copied whole: their hard-linked files join that run. */
  private linkInCopiedRoots(runs: FilesFromRunPlan[], roots: readonly RelPath[], stat: SourceStat): void {
    const recursive = runs.filter((r) => r.kind === 'recursive').map((run) => ({ run, roots: new Set(run.paths) }));
    for (const root of roots) {
      const covering = recursive.find((r) => r.roots.has(root) || ancestorIn(root, r.roots) !== undefined);
      if (covering) this.hardLinks.addLinkedBelow(covering.run, root, stat);
    }
  }

  /** Include/exclude filter lists, split at --rsync-inclimit (the C clsync's way). */
  private async runIncludeLists(changes: readonly ListChange[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    // the separator depends on the final arguments: NUL with --from0, newline otherwise
    const separator = listSeparatorFor(expandArgs(this.template, this.values, { 'RSYNC-ARGS': rsyncArgsExpansion() }));
    const includeLists = buildIncludeLists(changes, { separator, limit: this.settings.rsyncInclimit });
    await this.withExcludeList(excluded, separator, context, async (excludePath) => {
      for (const [part, list] of includeLists.entries()) {
        const includeFile = this.lists.write(this.settings.label, 'include', context.iteration, list);
        try {
          const tag = includeLists.length > 1 ? `rsync ${part + 1}/${includeLists.length}` : 'rsync';
          await this.runRsync(rsyncArgsExpansion(), context, tag, {
            'INCLUDE-LIST-PATH': byteString(includeFile.path),
            'EXCLUDE-LIST-PATH': excludePath,
          });
        } finally {
          includeFile.done();
        }
      }
    });
  }

  /** Write the exclude list for the length of `body`; `body` gets its path as a byte string. */
  private async withExcludeList(
    excluded: readonly ExcludedObject[],
    separator: ListSeparator,
    context: SyncContext,
    body: (excludePath: string) => Promise<void>,
  ): Promise<void> {
    const exclude = buildExcludeList(excluded, separator);
    for (const name of exclude.unlisted) {
      log.warn(`excluded ${showPath(name)} cannot be written to a newline-separated list; add --from0 to the rsync arguments`);
    }
    const file = this.lists.write(this.settings.label, 'exclude', context.iteration, exclude.list);
    try {
      await body(byteString(file.path));
    } finally {
      file.done();
    }
  }

  /**
   * Run rsync once (with retries) with `%RSYNC-ARGS%` = `rsyncArgs`; a final
   * failure is a HandlerError, except the `passOn` codes, which are returned
   * (with the exit code) for the caller to handle.
   */
  private async runRsync(
    rsyncArgs: readonly string[],
    context: SyncContext,
    tag: string,
    listValues: Record<string, string> = {},
    passOn: ReadonlySet<number> = NO_CODES,
    prepared?: { command: PreparedCommand; input: Buffer },
  ): Promise<number> {
    const argv = this.argvFor(rsyncArgs, listValues);
    log.debug(2, `${tag}: ${prepared ? '(started ahead, list on stdin) ' : ''}${argv.join(' ')}`);
    const options = {
      tag,
      routine: RSYNC_ROUTINE_STDERR,
      timeoutMs: this.settings.timeoutSync * 1000,
      env: { CLSYNC_STATUS: context.status, CLSYNC_ITERATION: String(context.iteration) },
    };
    const result = await runWithRetries(
      argv,
      options,
      {
        retries: this.settings.retries,
        delayMs: this.settings.delaySync * 1000,
        okCodes: passOn.size ? new Set([...this.okCodes, ...passOn]) : this.okCodes,
        aborted: this.aborted,
      },
      prepared && (() => prepared.command.start(prepared.input, options)),
    );
    if (result.code !== null && passOn.has(result.code)) return result.code;
    if (!result.ok) {
      const explained = result.code === null || result.timedOut ? undefined : rsyncMeaningFor(argv[0]!, result.code);
      const meaning = explained ? ` (${explained})` : '';
      throw new HandlerError(
        `sync handler ${argv[0]} failed after ${result.tries} tr${result.tries === 1 ? 'y' : 'ies'}: ` +
          `${describeEnd(result)}${meaning}`,
      );
    }
    return result.code ?? 0;
  }
}

/** What replayDirectoryMoves did at the destination. */
interface ReplayedMoves {
  /** new paths of renamed directories the destination could not rename: their recursive runs copy them */
  copied: RelPath[];
  /** both names of each exchange swapped at the destination, each → the other, or null when that holds no directory now (see planFilesFrom) */
  exchanged: ReadonlyMap<RelPath, RelPath | null>;
}

const NO_EXCHANGES: ReadonlyMap<RelPath, RelPath | null> = new Map();

/**
 * Directories renamed within the tree, and exchanges (renameat2
 * RENAME_EXCHANGE) with a directory on either side, are done at a local
 * destination too, before rsync runs, in the order they happened
 * (Change.replayOrder): the recursive runs then find the content in place
 * (rsync's quick check) instead of copying it all again, or for an
 * exchange instead of reading every file on both sides (--checksum).
 * Renames only when the old copy exists and the new name is free
 * (RENAME_NOREPLACE); exchanges only when both names exist there; never
 * through a symlink at the destination (the door: a hostile source's link
 * there may point anywhere; a symlink standing at a name is swapped as
 * itself). Anything refused is left to rsync, which is always right, only
 * slower (a refused exchange is verified, see planFilesFrom).
 */
function replayDirectoryMoves(changes: readonly Change[], door: DestinationDoor): ReplayedMoves {
  const moves: Array<{ order: number; rename?: Change & { movedFrom: RelPath }; exchange?: [Change, Change] }> = [];
  const exchanges = replayableExchanges(changes);
  for (const pair of exchanges) moves.push({ order: Math.min(pair[0].replayOrder ?? 0, pair[1].replayOrder ?? 0), exchange: pair });
  for (const c of changes) if (isDirectoryRename(c)) moves.push({ order: c.replayOrder ?? 0, rename: c });
  moves.sort((x, y) => x.order - y.order);
  const copied: RelPath[] = [];
  const exchanged = new Map<RelPath, RelPath | null>();
  for (const { rename, exchange } of moves) {
    if (rename) {
      // renameat2 itself refuses a missing source, a taken target and a symlink on the way; the old path
      // must hold a directory (a run of this batch may have put the symlink that replaced it there, and
      // renaming that would leave the real directory's copy, hard links and all, to be copied again).
      // Whatever it moves or refuses, the recursive run makes right.
      const result = door.rename(rename.movedFrom, rename.path, RenameFlag.NOREPLACE | RenameFlag.ONLY_DIRECTORY);
      if (result === 0) {
        log.debug(2, `renamed ${showPath(rename.movedFrom)} to ${showPath(rename.path)} at the destination`);
        continue;
      }
      copied.push(rename.path);
      if (result !== -Errno.ENOENT) {
        log.debug(1, `rename of ${showPath(rename.movedFrom)} at the destination refused (${errnoName(result)}); rsync copies it`);
      }
    } else if (exchange) {
      const [a, b] = exchange;
      const result = door.rename(a.path, b.path, RenameFlag.EXCHANGE);
      if (result === 0) {
        log.debug(2, `exchanged ${showPath(a.path)} and ${showPath(b.path)} at the destination`);
        exchanged.set(a.path, b.isDir ? b.path : null).set(b.path, a.isDir ? a.path : null);
      } else {
        log.debug(1, `exchange of ${showPath(a.path)} and ${showPath(b.path)} at the destination refused (${errnoName(result)}); rsync verifies both`);
      }
    }
  }
  return { copied, exchanged };
}

/**
 * The exchanges of a batch that can be replayed: two changes that name
 * each other (Change.exchangedWith), a directory on at least one side
 * (swapping two files saves nothing: a written file is sent whole), and
 * neither name at or below the name of another exchange of the batch
 * (nested exchanges are verified instead: which path a file written below
 * them is at now depends on their order).
 */
function replayableExchanges(changes: readonly Change[]): Array<[Change, Change]> {
  const named = new Map<RelPath, Change>();
  for (const c of changes) if (c.exchangedWith !== undefined) named.set(c.path, c);
  if (named.size === 0) return [];
  const pairs: Array<[Change, Change]> = [];
  for (const a of named.values()) {
    const b = named.get(a.exchangedWith!);
    if (!b || b.exchangedWith !== a.path || a.path > b.path || !(a.isDir || b.isDir)) continue;
    if (ancestorIn(a.path, named) !== undefined || ancestorIn(b.path, named) !== undefined) continue;
    if (hasNamedBelow(a.path, named) || hasNamedBelow(b.path, named)) continue;
    pairs.push([a, b]);
  }
  return pairs;
}

/** Some key of `named` is strictly below `path`. O(keys): only for the few exchanges of a batch. */
function hasNamedBelow(path: RelPath, named: ReadonlyMap<RelPath, Change>): boolean {
  const prefix = path + '/';
  for (const other of named.keys()) if (other.startsWith(prefix)) return true;
  return false;
}

/** Directories renamed within the tree (a remote destination copies them). */
function renamedRoots(changes: readonly Change[]): RelPath[] {
  return changes.filter(isDirectoryRename).map((c) => c.path);
}

/** The new path of a directory renamed within the tree (its `movedFrom` is the old one). */
function isDirectoryRename(c: Change): c is Change & { movedFrom: RelPath } {
  return c.movedFrom !== undefined && c.state === 'created';
}

/** The plan's runs grouped by stage, in stage order. */
function stagesOf(runs: readonly FilesFromRunPlan[]): FilesFromRunPlan[][] {
  const stages = new Map<number, FilesFromRunPlan[]>();
  for (const run of runs) {
    const stage = stages.get(run.stage);
    if (stage) stage.push(run);
    else stages.set(run.stage, [run]);
  }
  return [...stages.keys()].sort((a, b) => a - b).map((k) => stages.get(k)!);
}

/** No path is listed by two of the runs (hard-link partners may have been added to several). */
function disjointRuns(runs: readonly FilesFromRunPlan[]): boolean {
  const seen = new Set<string>();
  for (const run of runs) {
    for (const path of run.paths) {
      if (seen.has(path)) return false;
      seen.add(path);
    }
  }
  return true;
}

const NO_CODES: ReadonlySet<number> = new Set();

/** Every path the runs list, run by run. */
function* pathsOf(runs: readonly FilesFromRunPlan[]): Generator<RelPath> {
  for (const run of runs) yield* run.paths;
}

/** A batch's in-place runs: see runInPlace. */
interface InPlaceGuard {
  /** the hard-linked files listed, as planned */
  planned: PlannedInodes;
  /** names that got another object in the batch (replacingNames) */
  replacing: ReadonlySet<string>;
}

/**
 * The excluded objects rsync could reach in this batch: those below a
 * recursive entry (a new or moved-in directory is sent with its content).
 */
function excludedUnder(changes: readonly Change[], excluded: readonly ExcludedObject[]): ExcludedObject[] {
  if (excluded.length === 0) return [];
  const roots = new Set<string>();
  for (const c of changes) if (c.recursive) roots.add(c.path);
  if (roots.size === 0) return [];
  if (roots.has('')) return [...excluded];
  return excluded.filter((e) => ancestorIn(e.path, roots) !== undefined);
}
