/**
 * `-M rsyncso`: the `-S` module's `rsync(includeListPath, excludeListPath)`
 * (JavaScript) or `clsyncapi_rsync(inclist, exclist)` (shared object) gets
 * the rsync lists of each sync, written exactly as for rsyncshell:
 * newline-separated, anchored, every parent on its own line, `/***` for a
 * recursive path, split at `--rsync-inclimit` (one call per include list).
 */
import type { Change } from '../queue/index.js';
import type { ExcludedObject, SyncContext, SyncHandler } from './handler.js';
import { ListWriter } from './lists.js';
import { ModuleRunner } from './module-runner.js';
import type { HandlerOptions } from './options.js';
import type { ListChange } from '../rsync/index.js';

/** Calls a module's `rsync` with the list files of each batch. */
export class RsyncSoHandler implements SyncHandler {
  private readonly runner: ModuleRunner;
  private readonly lists: ListWriter;

  constructor(private readonly options: HandlerOptions, aborted: () => boolean) {
    this.runner = new ModuleRunner(options, aborted);
    this.lists = new ListWriter(options.listsDir, options.dontUnlinkLists, options.label);
  }

  /** Load the module and call its init. */
  async open(): Promise<void> {
    await this.runner.open();
  }

  /** The whole tree: the root, recursive (`/***`). */
  syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.run([{ path: '', recursive: true }], excluded, context);
  }

  sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.run(changes, excluded, context);
  }

  private run(changes: readonly ListChange[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    const { rsyncInclimit: limit, rsyncPreferInclude: preferInclude } = this.options;
    return this.lists.withRsyncLists(changes, excluded, { separator: 'newline', limit, preferInclude }, context.iteration, (inc, exc) =>
      this.runner.call((m, run) => m.rsync!(inc, exc === '' ? null : exc, run), context),
    );
  }

  async close(): Promise<void> {
    try {
      await this.runner.close();
    } finally {
      this.lists.close();
    }
  }
}
