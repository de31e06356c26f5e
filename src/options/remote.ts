/**
 * Checks of a remote `-D` and of the options that reach it (`--rsync-rsh`,
 * `--rsync-password-file`), made before anything runs: a mistake here would
 * otherwise show as every sync failing with an rsync exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { destinationKind } from '../rsync/remote.js';
import { optionByLong } from './table.js';
import type { CollectedOptions } from './state.js';

/**
 * A remote `-D` must name a directory: `host:` alone is the remote home
 * directory to rsync, but the default arguments append a slash to
 * `%destination-dir%`, which would make it the remote root (and `--delete`
 * would empty it). `host::` and `rsync://host/` name no module.
 */
function checkRemoteDestination(c: CollectedOptions, dest: string): void {
  const name = c.nameOf(optionByLong('destination-dir')!);
  const kind = destinationKind(dest);
  if (kind === 'shell' && /^[^/]*?:\/*$/.test(dest)) {
    throw new OptionError(`${name} "${dest}" names no directory on the host (the default arguments would make it the remote root); write ${dest.replace(/\/*$/, '')}. for the home directory, or a path`);
  }
  if (kind === 'daemon' && /^(?:rsync:\/\/[^/]*\/*|[^/]*?::\/*)$/i.test(dest)) {
    throw new OptionError(`${name} "${dest}" names no module of the rsync daemon; write rsync://host/MODULE/ or host::MODULE`);
  }
}

/**
 * `--rsync-rsh` and `--rsync-password-file` are added to `%RSYNC-ARGS%`:
 * refused where no run would carry them (another mode, the user's own
 * arguments without `%RSYNC-ARGS%`, no destination of their kind), so they
 * are never silently ignored. The password file becomes absolute (rsync
 * runs in the watch dir) and must be what rsync accepts: a regular file
 * that others cannot read.
 */
export function checkRemoteOptions(c: CollectedOptions): void {
  const dests = c.destinations;
  for (const dest of dests) checkRemoteDestination(c, dest);
  const rsh = c.value('rsync-rsh');
  const passwordFile = c.value('rsync-password-file');
  const given = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (!given(rsh) && !given(passwordFile)) return;
  const mode = c.value('mode');
  const args = c.handlerArgs;
  const carried = mode === 'rsyncdirect' && (args === null || args.length === 0 || args.some((a) => a.includes('%RSYNC-ARGS%')));
  const refuse = (long: string, why: string): never => {
    throw new OptionError(`${c.nameOf(optionByLong(long)!)}: ${why}`);
  };
  for (const [long, value, kind, example] of [
    ['rsync-rsh', rsh, 'shell', 'host:dir'],
    ['rsync-password-file', passwordFile, 'daemon', 'rsync://user@host/module/dir'],
  ] as const) {
    if (!given(value)) continue;
    if (!carried) refuse(long, 'is added to %RSYNC-ARGS%, which only --mode=rsyncdirect has (with the default arguments, or yours naming %RSYNC-ARGS%); write the rsync option into your own arguments instead');
    if (!dests.some((d) => destinationKind(d) === kind)) refuse(long, `is for a ${example} destination, and ${dests.length ? `-D "${dests.join('", "')}" is none` : 'no -D is given'}; drop it`);
  }
  if (given(passwordFile)) c.correct('rsync-password-file', checkPasswordFile(c, passwordFile));
}

/** The password file as rsync will want it (authenticate.c): absolute, regular, not other-accessible. */
function checkPasswordFile(c: CollectedOptions, file: string): string {
  const name = c.nameOf(optionByLong('rsync-password-file')!);
  const absolute = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(Buffer.from(absolute, 'latin1'));
  } catch (e) {
    throw new OptionError(`${name}: cannot use "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}; give an existing file holding the password`);
  }
  if (!st.isFile()) throw new OptionError(`${name}: "${file}" is not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    // rsync itself refuses only other-accessible files; a group-readable secret is still one too many readers
    throw new OptionError(`${name}: "${file}" can be read by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  return absolute;
}
