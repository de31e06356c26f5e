/**
 * rsyncdirect's exact syncs (the default arguments): each batch becomes the
 * `--files-from` runs of its plan (src/rsync/files-from.ts), hard-linked
 * files with their partners (../hard-links.ts), run stage by stage, one
 * rsync per core where their paths are apart; renames replayed at the
 * destination first (replay.ts). A full sync runs one rsync per top-level
 * piece of the tree, one per core. Cost grows with the changes, not with
 * the tree.
 */
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { log, showPath } from '../../log.js';
import { bytesOf } from '../../bytes.js';
import type { Change } from '../../queue/index.js';
import {
  ancestorIn,
  chunk,
  filesFromArgs,
  filesFromList,
  needsFullSync,
  planFilesFrom,
  rsyncExitMeaning,
  RACE_RERUNS,
  RSYNC_RACE_CODES,
  RSYNC_VANISHED,
  type FilesFromRun,
  type FilesFromRunPlan,
} from '../../rsync/index.js';
import { SourceTree, type EntryStat } from '../../tree/source.js';
import { IN, type RelPath } from '../../types.js';
import type { ExcludedObject, SyncContext } from '../handler.js';
import { excludedUnder } from '../excluded.js';
import { HardLinkPartners, isInPlace, replacingNames, type PlannedInodes, type SourceStat } from '../hard-links.js';
import { LinkGroupChecks } from '../link-groups.js';
import { splitBySource } from '../deletions.js';
import type { ListWriter } from '../lists.js';
import type { RsyncRunner } from '../rsync-runner.js';
import { DestinationManager } from './destination.js';
import { NO_EXCHANGES, renamedRoots, replayDirectoryMoves } from './replay.js';
import type { RemoteMoves } from './remote-replay.js';
import { WarmRun } from './warm.js';

/**
 * A full sync is split into this many rsync runs per core, handed out to
 * one worker per core: top-level subtrees differ in size, and smaller
 * pieces let a worker that drew small ones take more.
 */
const FULL_SYNC_PIECES_PER_WORKER = 4;

/** A batch's in-place runs: see runInPlace. */
interface InPlaceGuard {
  /** the hard-linked files listed, as planned */
  planned: PlannedInodes;
  /** names that got another object in the batch (replacingNames) */
  replacing: ReadonlySet<string>;
}

/** Runs that send files because their data was written (a vanished one is sent again: FilesFromSync.vanished). */
const WRITTEN_RUNS: ReadonlySet<FilesFromRun> = new Set(['content', 'verify', 'inplace']);

export class FilesFromSync {
  private readonly workers = Math.max(1, availableParallelism());
  /** the watched tree, read without following symlinks */
  private readonly source: SourceTree;
  private readonly hardLinks: HardLinkPartners;
  private readonly linkGroups: LinkGroupChecks;
  private readonly destination: DestinationManager;
  private readonly warm: WarmRun | null;
  /**
   * Written files a run found gone (rsync's 24: "vanished"): a directory
   * renamed away and back while the run read it leaves the destination's
   * old copy, of the same size and mtime after a rewrite that restored
   * them, and the rename's own recursive run trusts the quick check (fuzz
   * seed 140). They are sent again with the next batch, by content.
   */
  private vanished = new Set<RelPath>();

  /**
   * `watchDir`: byte string; `localDestination`: the destination directory
   * (bytes) when it is local with the default arguments (the door, the
   * deletion probe and the warm run need it), else null.
   */
  constructor(
    private readonly watchDir: string,
    localDestination: Buffer | null,
    private readonly program: string,
    private readonly inclimit: number,
    private readonly rsync: RsyncRunner,
    private readonly lists: ListWriter,
    private readonly aborted: () => boolean,
    /** renames over the remote shell of a `host:dir` destination, or null */
    private readonly remoteMoves: RemoteMoves | null = null,
  ) {
    // not held for the daemon's life: a held fd hides the watch dir's deletion from the monitor (see SourceTree)
    this.source = new SourceTree(watchDir, false);
    this.hardLinks = new HardLinkPartners(this.source);
    this.linkGroups = new LinkGroupChecks(this.hardLinks, this.source);
    this.destination = new DestinationManager(localDestination, rsync, lists, this.source, aborted);
    // Only rsync itself is started ahead: it waits for its list before doing anything. A wrapper
    // script would run its own commands for a sync that may never come (and log an iteration twice).
    this.warm = localDestination && /^rsync/.test(basename(program)) ? new WarmRun(localDestination) : null;
  }

  /** How deletions reach the destination, once the first sync chose it (the status shows it). */
  get deletionStrategy(): string | undefined {
    return this.destination.chosen ? this.destination.deletion : undefined;
  }

  /** Sync the whole tree. */
  async syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    await this.destination.chooseDeletion(this.program);
    await this.source.holding(() => this.destination.through(() => this.fullSync(excluded, context)));
    this.destination.remember();
    this.prepareWarm(context.iteration + 1);
  }

  /** Sync a batch of changes. */
  async sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    await this.destination.chooseDeletion(this.program);
    await this.source.holding(() => this.destination.through(() => this.syncBatch(changes, excluded, context)));
    this.prepareWarm(context.iteration + 1);
  }

  close(): void {
    this.warm?.discard();
    this.source.close();
  }

  private async syncBatch(batch: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    const changes = this.withVanished(batch);
    const stat = this.batchStat();
    const linkCount = (path: RelPath): number => {
      const st = stat(path);
      return st?.isFile() ? st.nlink : 1;
    };
    if (needsFullSync(changes)) {
      const plan = planFilesFrom(changes, linkCount);
      this.hardLinks.addPartners(plan.runs, changes, stat);
      const inPlace = this.inPlaceGuard(plan.runs, changes, stat);
      await this.fullSync(excluded, context);
      // hard-linked files' names, linked again after the parallel runs
      for (const run of plan.runs) await this.runChunks(run, '', context, inPlace);
      return;
    }
    const found = this.destination.check();
    if (found !== 'same') {
      log.warn(`destination ${showPath(this.destination.local!.toString('latin1'))} ${found === 'gone' ? 'is gone' : 'was replaced'}: syncing the whole tree`);
      return this.fullSync(excluded, context);
    }
    const door = this.destination.door;
    const replayed = door
      ? replayDirectoryMoves(changes, door)
      : this.remoteMoves
        ? await this.remoteMoves.replay(changes, context)
        : { copied: renamedRoots(changes), exchanged: NO_EXCHANGES };
    const plan = planFilesFrom(changes, linkCount, replayed.exchanged);
    this.hardLinks.addPartners(plan.runs, changes, stat);
    if (replayed.copied.length > 0) this.linkInCopiedRoots(plan.runs, replayed.copied, stat);
    // directories verified whole (exchanges not replayed) are copied like renamed ones (fuzz seed 1068)
    for (const run of plan.runs) if (run.kind === 'recursive-verify') for (const root of [...run.paths]) this.hardLinks.addLinkedBelow(run, root, stat);
    const inPlace = this.inPlaceGuard(plan.runs, changes, stat);
    return this.lists.withExcludeList(excludedUnder(changes, excluded), 'nul', context.iteration, async (excludePath) => {
      for (const stage of stagesOf(plan.runs)) {
        if (await this.runStage(stage, excludePath, context, inPlace)) continue;
        log.warn(`the tree kept changing under rsync; syncing the whole tree instead`);
        await this.fullSync(excluded, context);
        // A full sync trusts rsync's quick check, which misses same-size rewrites that restored the mtime.
        for (const written of plan.runs) {
          if (written.kind === 'plain' || written.kind === 'recursive') continue;
          await this.runChunks(written, excludePath, context, inPlace);
        }
        return;
      }
      await this.repairLinkGroups(plan.runs, stat, excludePath, context);
      if (plan.root) await this.rsync.run({ rsyncArgs: filesFromArgs('root', '', ''), tag: 'rsync (watch dir attributes)' }, context);
    });
  }

  /**
   * The whole tree: the root directory's own entries first (`--dirs
   * --delete`: copies top-level files, deletes what the source no longer
   * has), then the top-level directories recursively, one rsync per core.
   */
  private fullSync(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.lists.withExcludeList(excluded, 'nul', context.iteration, async (excludePath) => {
      const subtrees = this.topLevelDirs();
      if (this.workers < 2 || subtrees.length < 2) {
        await this.rsync.run({ rsyncArgs: filesFromArgs('full', '', excludePath), tag: 'rsync' }, context);
        return;
      }
      await this.rsync.run(
        { rsyncArgs: filesFromArgs('top', '', excludePath), tag: 'rsync (top level)' },
        context,
      );
      const pieces = chunk(subtrees, Math.ceil(subtrees.length / (this.workers * FULL_SYNC_PIECES_PER_WORKER)));
      let next = 0;
      let done = 1; // the top level
      context.progress?.(done, pieces.length + 1);
      const worker = async (): Promise<void> => {
        while (next < pieces.length && !this.aborted()) {
          const piece = pieces[next++];
          await this.runFilesFrom('recursive', piece, excludePath, context);
          context.progress?.(++done, pieces.length + 1);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.workers, pieces.length) }, worker));
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
    for (const paths of chunk(run.paths, this.inclimit)) {
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
    return { planned: this.linkGroups.plannedInodes(runs, stat), replacing: replacingNames(changes) };
  }

  /**
   * An `inplace` or `link` run (rsync `--inplace`: the destination's copy of
   * a hard-linked file is written, so every name of it there sees the data).
   * Writing through a name whose object at the destination is not the listed
   * file's copy would put the data into another file's copy, seen through
   * all its names:
   * - a name that got another object in this batch (a rename over it) may
   *   still be the old object's name at the destination: removed there
   *   first (DestinationManager.unlink). rsync `-H` then links it to a listed
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
    if (replacing.length > 0 && !(await this.destination.unlink(replacing, context))) return false;
    let listed = paths;
    let listedKind = kind;
    for (let attempt = 0; attempt <= RACE_RERUNS; attempt++) {
      if (!(await this.runFilesFrom(listedKind, listed, excludePath, context))) return false;
      const repair = this.linkGroups.replacedDuring(listed, guard.planned);
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
   * destination as in the source (see LinkGroupChecks.strayNames): their
   * names are removed there and sent again, together. Needs the door: a
   * remote destination's groups are left as rsync made them.
   */
  private async repairLinkGroups(runs: readonly FilesFromRunPlan[], stat: SourceStat, excludePath: string, context: SyncContext): Promise<void> {
    const door = this.destination.door;
    if (!door) return;
    const stray = this.linkGroups.strayNames(pathsOf(runs), stat, (path) => door.lstat(path));
    if (stray.length === 0) return;
    log.info(
      `hard links: ${stray.length} name(s) not linked at the destination as in the source (${showPath(stray[0])}${stray.length > 1 ? ', …' : ''}; ` +
        `the tree changed while rsync read it): sending them again, together`,
    );
    if (await this.destination.unlink(stray, context)) await this.runFilesFrom('plain', stray, excludePath, context);
  }

  /** The batch, plus the written files earlier runs found gone, as written again (see `vanished`). */
  private withVanished(batch: readonly Change[]): readonly Change[] {
    if (this.vanished.size === 0) return batch;
    const listed = new Set(batch.map((c) => c.path));
    const again: Change[] = [...this.vanished]
      .filter((path) => !listed.has(path))
      .map((path) => ({ path, mask: IN.CLOSE_WRITE, isDir: false, recursive: false, state: 'modified', maybeAtDestination: true }));
    this.vanished.clear();
    return again.length > 0 ? [...batch, ...again] : batch;
  }

  /**
   * One files-from run. Resolves false when rsync kept hitting races with a
   * changing tree (RSYNC_RACE_CODES) through every re-run; throws a
   * HandlerError for any other failure.
   */
  private async runFilesFrom(kind: FilesFromRun, paths: readonly string[], excludePath: string, context: SyncContext): Promise<boolean> {
    const missingArgs = this.destination.deletion === 'missing-args';
    for (let attempt = 0; attempt <= RACE_RERUNS; attempt++) {
      // Looked at right before the run: a path below a symlink (or a file) is replaced by that
      // component, so rsync's sender never follows a symlink a writer swapped in (src/tree/source.ts).
      const split = splitBySource(this.source, paths);
      let listed: readonly string[];
      if (missingArgs) {
        listed = split.missing.length > 0 ? [...split.present, ...split.missing] : split.present;
      } else {
        // Deleted first, then the rest listed: a path that vanishes meanwhile makes rsync exit 23 (a race).
        if (split.missing.length > 0 && !(await this.destination.deleteMissing(split.missing, context))) return false;
        listed = split.present;
      }
      if (listed.length === 0) return true;
      const input = filesFromList(listed);
      const warm = attempt === 0 && kind === 'content' ? this.warm?.take() : undefined;
      const code = await this.lists.with('include', context.iteration, input, (listPath) =>
        this.rsync.run(
          {
            rsyncArgs: filesFromArgs(kind, listPath, excludePath, missingArgs),
            tag: `rsync (${kind}, ${listed.length})`,
            passOn: RSYNC_RACE_CODES,
            prepared: warm && { command: warm, input },
          },
          context,
        ),
      );
      if (code === RSYNC_VANISHED && WRITTEN_RUNS.has(kind)) for (const path of listed) this.vanished.add(path);
      if (!RSYNC_RACE_CODES.has(code)) return true;
      log.warn(
        `rsync (${kind}): ${rsyncExitMeaning(code, true).message}: the tree may have changed while it ran ` +
          `(or the destination refused a write: see rsync's messages above); running it again`,
      );
      if (this.aborted()) return true;
    }
    return false;
  }

  /** Start the next sync's content run now (see WarmRun). */
  private prepareWarm(iteration: number): void {
    if (!this.warm || this.aborted()) return;
    this.warm.prepare(this.rsync.argv(filesFromArgs('content', '-', '', this.destination.deletion === 'missing-args')), iteration);
  }

  /** Renamed directories the destination did not have are copied whole: their hard-linked files join that run. */
  private linkInCopiedRoots(runs: FilesFromRunPlan[], roots: readonly RelPath[], stat: SourceStat): void {
    const recursive = runs.filter((r) => r.kind === 'recursive').map((run) => ({ run, roots: new Set(run.paths) }));
    for (const root of roots) {
      const covering = recursive.find((r) => r.roots.has(root) || ancestorIn(root, r.roots) !== undefined);
      if (covering) this.hardLinks.addLinkedBelow(covering.run, root, stat);
    }
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
    return readdirSync(bytesOf(this.watchDir), { withFileTypes: true, encoding: 'buffer' })
      .filter((e) => e.isDirectory())
      .map((e) => e.name.toString('latin1'))
      .sort();
  }
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

/** Every path the runs list, run by run. */
function* pathsOf(runs: readonly FilesFromRunPlan[]): Generator<RelPath> {
  for (const run of runs) yield* run.paths;
}
