/**
 * `--mode=rsyncdirect`: run rsync (`-S`, default `rsync`).
 *
 * Two ways to tell rsync what changed, chosen by the argument template:
 * - the template uses `%RSYNC-ARGS%` (the default does) and names no list
 *   file: exact `--files-from` lists (files-from/sync.ts), cost
 *   proportional to the changes; a full sync runs one rsync per core;
 * - the template names `%INCLUDE-LIST-PATH%`/`%EXCLUDE-LIST-PATH%` itself:
 *   include/exclude filter lists, as the C clsync writes them.
 */
import { bytesOf } from '../bytes.js';
import type { Change } from '../queue/index.js';
import { listSeparatorFor, rsyncArgsExpansion, type ListChange } from '../rsync/index.js';
import type { ExcludedObject, SyncContext, SyncHandler } from './handler.js';
import { excludedUnder } from './excluded.js';
import { FilesFromSync } from './files-from/sync.js';
import { RemoteMoves, remoteMoveCommand } from './files-from/remote-replay.js';
import { ListWriter } from './lists.js';
import type { HandlerOptions } from './options.js';
import { RsyncRunner } from './rsync-runner.js';
import { expandArgs } from './substitute.js';

/** The arguments used when the user wrote none: rsync's defaults plus the two directories. */
export const DEFAULT_TEMPLATE = ['%RSYNC-ARGS%', '%watch-dir%/', '%destination-dir%/'];

export class RsyncDirectHandler implements SyncHandler {
  private readonly template: readonly string[];
  private readonly lists: ListWriter;
  private readonly rsync: RsyncRunner;
  /** the exact syncs, or null when the template makes filter lists */
  private readonly filesFrom: FilesFromSync | null;

  constructor(
    private readonly options: HandlerOptions,
    aborted: () => boolean,
  ) {
    this.template = options.userArgs ? options.args : DEFAULT_TEMPLATE;
    this.lists = new ListWriter(options.listsDir, options.dontUnlinkLists, options.label);
    this.rsync = new RsyncRunner(options, this.template, aborted);
    const exact =
      this.template.includes('%RSYNC-ARGS%') && !this.template.some((a) => a.includes('%INCLUDE-LIST-PATH%') || a.includes('%EXCLUDE-LIST-PATH%'));
    const destination = options.destinationDir;
    const local = !options.userArgs && destination.startsWith('/') ? bytesOf(destination) : null;
    const moveCommand = exact ? remoteMoveCommand(options) : null;
    const remoteMoves = moveCommand ? new RemoteMoves(moveCommand, options.exec.timeoutMs, options.watchDir) : null;
    this.filesFrom = exact
      ? new FilesFromSync(options.watchDir, local, options.program, options.rsyncInclimit, this.rsync, this.lists, aborted, remoteMoves)
      : null;
  }

  /**
   * With include/exclude list files (the user's template names them) a run
   * is a list pair and one rsync, nothing shared with other runs: `-p`
   * applies. The files-from way keeps state across runs (the warm rsync,
   * the destination's door and identity, the deletion strategy): one at a time.
   */
  get concurrent(): boolean {
    return this.filesFrom === null;
  }

  get deletionStrategy(): string | undefined {
    return this.filesFrom?.deletionStrategy;
  }

  syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    if (this.filesFrom) return this.filesFrom.syncAll(excluded, context);
    return this.runIncludeLists([{ path: '', recursive: true }], excluded, context);
  }

  sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    if (this.filesFrom) return this.filesFrom.sync(changes, excluded, context);
    return this.runIncludeLists(changes, excludedUnder(changes, excluded), context);
  }

  /** the files-from runs carry -H (see SyncHandler) */
  get keepsHardLinks(): boolean {
    return this.filesFrom !== null;
  }

  close(): void {
    this.filesFrom?.close();
    this.lists.close();
  }

  /** Include/exclude filter lists, split at --rsync-inclimit (the C clsync's way). */
  private runIncludeLists(changes: readonly ListChange[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    // --rsync-prefer-include: include lists only, as long as no excluded object is below a directory
    // listed recursively (without an exclude list rsync would send it: the rules win over the preference)
    const preferInclude = this.options.rsyncPreferInclude && excluded.length === 0;
    const rsyncArgs = rsyncArgsExpansion({ preferInclude });
    // the separator depends on the final arguments: NUL with --from0, newline otherwise
    const separator = listSeparatorFor(expandArgs(this.template, this.options.values, { 'RSYNC-ARGS': rsyncArgs }));
    const lists = { separator, limit: this.options.rsyncInclimit, preferInclude };
    return this.lists.withRsyncLists(changes, excluded, lists, context.iteration, async (includePath, excludePath, part, parts) => {
      const values = { 'INCLUDE-LIST-PATH': includePath, 'EXCLUDE-LIST-PATH': excludePath };
      await this.rsync.run({ rsyncArgs, values, tag: parts > 1 ? `rsync ${part + 1}/${parts}` : 'rsync' }, context);
    });
  }
}
