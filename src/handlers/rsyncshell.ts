/**
 * `--mode=rsyncshell`: a script that runs rsync itself, given the include
 * and exclude lists as rsyncdirect writes them for filter lists (anchored
 * paths, every parent on its own line, `/***` for a directory synced with
 * its content, rsync's wildcards escaped), newline-separated as the C tool
 * writes them: `rsynclist %label% %INCLUDE-LIST-PATH% [%EXCLUDE-LIST-PATH%]`.
 * With `--rsync-prefer-include` the exclude list's argument is left out.
 */
import { HandlerRunner } from '../exec/handler-runner.js';
import type { Change } from '../queue/index.js';
import type { ListChange } from '../rsync/index.js';
import type { ExcludedObject, SyncContext, SyncHandler } from './handler.js';
import { excludedUnder } from './excluded.js';
import { ListWriter } from './lists.js';
import type { HandlerOptions } from './options.js';

export class RsyncShellHandler implements SyncHandler {
  private readonly runner: HandlerRunner;
  private readonly lists: ListWriter;
  readonly concurrent = true;

  constructor(
    private readonly options: HandlerOptions,
    aborted: () => boolean,
  ) {
    this.runner = new HandlerRunner(options.program, options.values, options.exec, options.watchDir, aborted);
    this.lists = new ListWriter(options.listsDir, options.dontUnlinkLists, options.label);
  }

  syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.run([{ path: '', recursive: true }], excluded, context, this.options.initialArgs ?? this.options.args);
  }

  sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.run(changes, excludedUnder(changes, excluded), context, this.options.args);
  }

  close(): void {
    this.lists.close();
  }

  private run(changes: readonly ListChange[], excluded: readonly ExcludedObject[], context: SyncContext, args: readonly string[]): Promise<void> {
    // prefer-include: no exclude list, unless an excluded object is below a path synced with its content
    const preferInclude = this.options.rsyncPreferInclude && excluded.length === 0;
    const template = preferInclude ? args.filter((a) => a !== '%EXCLUDE-LIST-PATH%') : args;
    const lists = { separator: 'newline' as const, limit: this.options.rsyncInclimit, preferInclude };
    return this.lists.withRsyncLists(changes, excluded, lists, context.iteration, async (includePath, excludePath, part, parts) => {
      const tag = parts > 1 ? `${this.options.program} ${part + 1}/${parts}` : undefined;
      await this.runner.run({ template, values: { 'INCLUDE-LIST-PATH': includePath, 'EXCLUDE-LIST-PATH': excludePath, TYPE: 'sync' }, tag }, context);
    });
  }
}
