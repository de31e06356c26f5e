import type { Settings } from '../options/index.js';
import { HandlerError } from '../errors.js';
import { log } from '../log.js';
import type { Change } from '../queue/index.js';
import {
  buildExcludeList,
  buildIncludeLists,
  defaultRsyncArgs,
  listSeparatorFor,
  rsyncArgsExpansion,
  rsyncExitMeaning,
  type ListChange,
} from '../rsync/index.js';
import { describeEnd, runWithRetries } from '../exec/retry.js';
import { showPath } from '../log.js';
import type { ExcludedObject, SyncContext, SyncHandler } from './handler.js';
import { ListsDir } from './lists-dir.js';
import { byteString, nativeString } from '../bytes.js';
import { expandArgs } from './substitute.js';

/** rsync's "some files vanished before they could be transferred": normal on a live tree (SPEC §6). */
const RSYNC_VANISHED = 24;

/**
 * `--mode=rsyncdirect`: run rsync (`-S`, default `rsync`) with include and
 * exclude list files. The include list names exactly the changed paths and
 * their parents; a list longer than `--rsync-inclimit` is split into several
 * rsync runs.
 */
export class RsyncDirectHandler implements SyncHandler {
  private readonly template: readonly string[];
  private readonly lists: ListsDir;
  private readonly okCodes: ReadonlySet<number>;
  private readonly values: Record<string, string>;

  constructor(
    private readonly settings: Settings,
    private readonly aborted: () => boolean,
  ) {
    this.template = settings.handlerArgs ?? defaultRsyncArgs();
    this.lists = new ListsDir(settings.listsDir && nativeString(settings.listsDir), settings.dontUnlinkLists);
    this.okCodes = new Set([...settings.ignoreExitcode, RSYNC_VANISHED]);
    this.values = {
      label: settings.label,
      'watch-dir': (settings.watchDir ?? '').replace(/\/+$/, ''),
      'destination-dir': (settings.destinationDir ?? '').replace(/\/+$/, ''),
    };
  }

  syncAll(excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.run([{ path: '', recursive: true }], excluded, context);
  }

  sync(changes: readonly Change[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.run(changes, excludedUnder(changes, excluded), context);
  }

  close(): void {
    this.lists.close();
  }

  private async run(changes: readonly ListChange[], excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    // the separator depends on the final arguments: NUL with --from0 (our defaults), newline otherwise
    const probe = expandArgs(this.template, this.values, { 'RSYNC-ARGS': rsyncArgsExpansion() });
    const separator = listSeparatorFor(probe);
    const includeLists = buildIncludeLists(changes, { separator, limit: this.settings.rsyncInclimit });
    const exclude = buildExcludeList(excluded, separator);
    for (const name of exclude.unlisted) {
      log.warn(`excluded ${showPath(name)} cannot be written to a newline-separated list; add --from0 to the rsync arguments`);
    }
    const excludeFile = this.lists.write(this.settings.label, 'exclude', context.iteration, exclude.list);
    try {
      for (const [part, list] of includeLists.entries()) {
        const includeFile = this.lists.write(this.settings.label, 'include', context.iteration, list);
        try {
          const argv = [
            this.settings.syncHandler ?? 'rsync',
            ...expandArgs(
              this.template,
              { ...this.values, 'INCLUDE-LIST-PATH': byteString(includeFile.path), 'EXCLUDE-LIST-PATH': byteString(excludeFile.path) },
              { 'RSYNC-ARGS': rsyncArgsExpansion() },
            ),
          ].map(nativeString);
          const tag = includeLists.length > 1 ? `rsync ${part + 1}/${includeLists.length}` : 'rsync';
          log.debug(2, `${tag}: ${argv.join(' ')}`);
          const result = await runWithRetries(
            argv,
            {
              tag,
              timeoutMs: this.settings.timeoutSync * 1000,
              env: { CLSYNC_STATUS: context.status, CLSYNC_ITERATION: String(context.iteration) },
            },
            {
              retries: this.settings.retries,
              delayMs: this.settings.delaySync * 1000,
              okCodes: this.okCodes,
              aborted: this.aborted,
            },
          );
          if (!result.ok) {
            const meaning = result.code === null ? describeEnd(result) : rsyncExitMeaning(result.code, true).message;
            throw new HandlerError(
              `sync handler ${argv[0]} failed after ${result.tries} tr${result.tries === 1 ? 'y' : 'ies'}: ` +
                `${describeEnd(result)} (${meaning})`,
            );
          }
        } finally {
          includeFile.done();
        }
      }
    } finally {
      excludeFile.done();
    }
  }
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
  return excluded.filter((e) => {
    for (let i = e.path.indexOf('/'); i > 0; i = e.path.indexOf('/', i + 1)) {
      if (roots.has(e.path.slice(0, i))) return true;
    }
    return false;
  });
}
