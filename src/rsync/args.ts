/**
 * Default rsync arguments of the rsync modes (SPEC §6).
 *
 * They are clsync's (`-aH --delete --exclude-from … --include-from …
 * --exclude=* %watch-dir%/ %destination-dir%/`) plus `--from0`, because we
 * write NUL-separated lists so that names with newlines survive.
 *
 * With `--rsync-prefer-include` clsync passes no exclude list at all (sync.c:
 * `RSYNCPREFERINCLUDE` skips creating it): the rules are applied by listing
 * only what is included, every object on its own. So in that mode the caller
 * must not use `/***` for a directory whose content the rules filter — it
 * walks the directory and lists each permitted object instead.
 */

/** Options for the default arguments. */
export interface RsyncArgsOptions {
  /** --rsync-prefer-include: no exclude list */
  preferInclude?: boolean;
}

/** `%RSYNC-ARGS%`: the default arguments without the two directory arguments. */
export function rsyncArgsExpansion(options: RsyncArgsOptions = {}): string[] {
  const args = ['-aH', '--delete', '--from0'];
  if (!options.preferInclude) args.push('--exclude-from', '%EXCLUDE-LIST-PATH%');
  args.push('--include-from', '%INCLUDE-LIST-PATH%', '--exclude=*');
  return args;
}

/** The default argv of `rsyncdirect` (before substitution), program name not included. */
export function defaultRsyncArgs(options: RsyncArgsOptions = {}): string[] {
  return [...rsyncArgsExpansion(options), '%watch-dir%/', '%destination-dir%/'];
}
