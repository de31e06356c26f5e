/**
 * The list writer every mode shares: list files in the lists directory
 * (see ListsDir: private, O_EXCL, never through a symlink), each kept for
 * the length of one run and removed after it (unless `-U`), and the rsync
 * include/exclude lists of a batch, split at `--rsync-inclimit`.
 */
import { byteString, nativeString } from '../bytes.js';
import { log, showPath } from '../log.js';
import { buildExcludeList, buildIncludeLists, type ExcludedObject, type ListChange, type ListSeparator } from '../rsync/index.js';
import { ListsDir } from './lists-dir.js';

/** The rsync lists of one batch. */
export interface RsyncListOptions {
  separator: ListSeparator;
  /** `--rsync-inclimit` (0 = no limit) */
  limit: number;
  /** `--rsync-prefer-include`: no exclude list (its path is '') */
  preferInclude?: boolean;
}

/** Writes a handler's list files. */
export class ListWriter {
  private readonly dir: ListsDir;

  /** `listsDir`: `-L` as a byte string, or undefined for a private temporary directory; `keep`: `-U` */
  constructor(listsDir: string | undefined, keep: boolean, private readonly label: string) {
    this.dir = new ListsDir(listsDir && nativeString(listsDir), keep);
  }

  /** Write `content` as a new list file; `body` gets its path (byte string); the file goes after it (unless -U). */
  async with<T>(kind: 'include' | 'exclude', iteration: number, content: Buffer, body: (path: string) => Promise<T>): Promise<T> {
    const file = this.dir.write(this.label, kind, iteration, content);
    try {
      return await body(byteString(file.path));
    } finally {
      file.done();
    }
  }

  /**
   * The exclude list of `excluded` and the include lists of `changes` (more
   * than one when `--rsync-inclimit` splits them); `body` runs once per
   * include list, in order.
   */
  async withRsyncLists(
    changes: readonly ListChange[],
    excluded: readonly ExcludedObject[],
    options: RsyncListOptions,
    iteration: number,
    body: (includePath: string, excludePath: string, part: number, parts: number) => Promise<void>,
  ): Promise<void> {
    const includeLists = buildIncludeLists(changes, { separator: options.separator, limit: options.limit });
    const each = async (excludePath: string): Promise<void> => {
      for (const [part, list] of includeLists.entries()) {
        await this.with('include', iteration, list, (includePath) => body(includePath, excludePath, part, includeLists.length));
      }
    };
    if (options.preferInclude) return each('');
    return this.withExcludeList(excluded, options.separator, iteration, each);
  }

  /** The exclude list of `excluded` for the length of `body`. */
  withExcludeList<T>(excluded: readonly ExcludedObject[], separator: ListSeparator, iteration: number, body: (excludePath: string) => Promise<T>): Promise<T> {
    const exclude = buildExcludeList(excluded, separator);
    for (const name of exclude.unlisted) {
      log.warn(`excluded ${showPath(name)} cannot be written to a newline-separated list; add --from0 to the rsync arguments`);
    }
    return this.with('exclude', iteration, exclude.list, body);
  }

  /** Remove the private directory at exit (a user's -L directory stays). */
  close(): void {
    this.dir.close();
  }
}
