/**
 * The program modes (SPEC §6): `simple` (one run per changed object),
 * `direct` (one run per sync, paths as arguments) and `shell` (one run per
 * sync, paths in a list file). They differ only in how an entry becomes an
 * argument or a list line and in whether a sync is one run or one per
 * object; everything else is shared: the runner, the list writer, the
 * initial sync (a walk of the tree, or with `--have-recursive-sync` one run
 * of the initial-sync arguments for the watch dir).
 */
import { HandlerError } from '../errors.js';
import { HandlerRunner } from '../exec/handler-runner.js';
import type { Change } from '../queue/index.js';
import { hasLineBreak, newlineSafeAncestor } from '../rsync/index.js';
import { IN } from '../types.js';
import type { ExcludedObject, SyncContext, SyncHandler } from './handler.js';
import { absoluteArg, batchEntries, relativeArg, treeEntries, type SyncEntry } from './entries.js';
import { ListWriter } from './lists.js';
import type { HandlerOptions } from './options.js';
import { runProgram, type ProgramRuns } from './program-runs.js';

type ProgramMode = 'simple' | 'direct' | 'shell';

export class ProgramHandler implements SyncHandler {
  private readonly runner: HandlerRunner;
  private readonly lists: ListWriter;
  /** the program may run for several syncs at once (see `-p`): it keeps no state between runs */
  readonly concurrent = true;

  constructor(
    private readonly mode: ProgramMode,
    private readonly options: HandlerOptions,
    aborted: () => boolean,
  ) {
    this.runner = new HandlerRunner(options.program, options.values, options.exec, options.watchDir, aborted);
    this.lists = new ListWriter(options.listsDir, options.dontUnlinkLists, options.label);
  }

  async syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    if (this.options.haveRecursiveSync) {
      // the handler syncs directories recursively: one run for the watch dir, with the initial-sync arguments
      const root: SyncEntry = { path: '', mask: IN.CREATE | IN.ISDIR, recursive: true };
      const runs: ProgramRuns = {
        template: this.options.initialArgs ?? this.options.args,
        type: 'initialsync',
        argument: (e) => absoluteArg(this.options.watchDir, e.path),
        line: (e) => this.line(e),
        mask: root.mask,
      };
      return runProgram(this.runner, this.lists, [root], runs, context);
    }
    return this.run(treeEntries(this.options.watchDir, excluded), context);
  }

  sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.run(batchEntries(changes, this.options.watchDir, excluded), context);
  }

  close(): void {
    this.lists.close();
  }

  private async run(entries: readonly SyncEntry[], context: SyncContext): Promise<void> {
    if (entries.length === 0) return;
    const runs: ProgramRuns = {
      template: this.options.args,
      type: 'sync',
      argument: (e) => (this.mode === 'simple' ? absoluteArg(this.options.watchDir, e.path) : relativeArg(e.path)),
      line: (e) => this.line(e),
    };
    if (this.mode !== 'simple') return runProgram(this.runner, this.lists, entries, runs, context);
    // simple: one run per object, with its own event mask; one object's failure does not hold back the others
    let failed: HandlerError | undefined;
    let failures = 0;
    for (const entry of entries) {
      try {
        await runProgram(this.runner, this.lists, [entry], { ...runs, mask: entry.mask }, context);
      } catch (error) {
        if (!(error instanceof HandlerError)) throw error;
        failed ??= error;
        failures++;
      }
    }
    if (failed) throw failures === 1 ? failed : new HandlerError(`${failed.message} (and ${failures - 1} more of ${entries.length} runs failed)`);
  }

  /**
   * A list file's line (shell mode's format, `--synclist-simplify`: the
   * path alone). A name with a line break would end the line early: its
   * first ancestor without one is named instead, marked recursive.
   */
  private line(entry: SyncEntry): string {
    let path = entry.path;
    let mask = entry.mask;
    if (hasLineBreak(path)) {
      path = newlineSafeAncestor(path);
      mask = IN.CREATE | IN.ISDIR;
    }
    const shown = relativeArg(path);
    return this.options.synclistSimplify ? shown : `sync ${this.options.label} ${mask >>> 0} ${shown}`;
  }
}
