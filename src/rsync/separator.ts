/**
 * Which separator the list files must use for a given rsync command line.
 *
 * rsync reads `--include-from`/`--exclude-from` files line by line, ending a
 * line at "\n" or "\r", unless `--from0` (`-0`) makes NUL the terminator.
 * File names may contain "\n" and "\r" but never NUL, so our default
 * arguments pass `--from0`; for a user's own arguments we look at what they
 * wrote.
 */

export type ListSeparator = 'nul' | 'newline';

/** rsync short options that take a value (the rest of the cluster, or the next argument). */
const SHORT_WITH_VALUE = new Set(['B', 'e', 'f', 'T', 'M', '@']);

/** rsync long options that take a value as the next argument when written without "=". */
const LONG_WITH_VALUE = new Set([
  'rsh', 'filter', 'exclude', 'include', 'exclude-from', 'include-from', 'files-from', 'temp-dir',
  'compare-dest', 'copy-dest', 'link-dest', 'log-file', 'log-file-format', 'out-format', 'password-file',
  'rsync-path', 'partial-dir', 'backup-dir', 'suffix', 'chmod', 'usermap', 'groupmap', 'chown', 'timeout',
  'contimeout', 'port', 'sockopts', 'bwlimit', 'max-size', 'min-size', 'max-delete', 'modify-window',
  'block-size', 'checksum-choice', 'compress-choice', 'compress-level', 'skip-compress', 'iconv',
  'protocol', 'outbuf', 'remote-option', 'info', 'debug', 'config', 'address', 'write-batch',
  'only-write-batch', 'read-batch', 'checksum-seed', 'stop-after', 'stop-at', 'max-alloc', 'copy-as',
  'early-input', 'dparam', 'log-format', 'time-limit',
]);

/**
 * Does this rsync argv (without the program name) make rsync read list
 * files NUL-separated? True when `--from0` or `-0` (also inside a cluster
 * such as `-a0H`) is given and not cancelled by a later `--no-from0`/`--no-0`.
 * Option values (e.g. the argument of `-e`) are skipped, and so is
 * everything after `--`.
 */
export function argsUseNulLists(argv: readonly string[]): boolean {
  let nul = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (name === 'from0') nul = true;
      else if (name === 'no-from0' || name === 'no-0') nul = false;
      else if (eq < 0 && LONG_WITH_VALUE.has(name)) i++;
      continue;
    }
    if (arg.length < 2 || arg[0] !== '-') continue;
    for (let k = 1; k < arg.length; k++) {
      const flag = arg[k];
      if (flag === '0') nul = true;
      else if (SHORT_WITH_VALUE.has(flag)) {
        if (k === arg.length - 1) i++;
        break;
      }
    }
  }
  return nul;
}

/** The list separator for an rsync argv: see argsUseNulLists. */
export function listSeparatorFor(argv: readonly string[]): ListSeparator {
  return argsUseNulLists(argv) ? 'nul' : 'newline';
}
