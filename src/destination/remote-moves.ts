/**
 * Directory renames at a remote destination reached over a remote shell
 * (`[user@]host:dir`): the remote counterpart of the door's renames
 * (../handlers/files-from/replay.ts), as lsyncd's rsyncssh does them with
 * `ssh host mv old new`, but one connection per batch and nothing from the
 * tree ever parsed by a shell.
 *
 * The command line is fixed for the daemon's life: the remote shell runs
 * `sh -c SCRIPT clsync-mv DIR`, DIR the destination, encoded. The pairs of
 * names come on standard input, every byte outside `[A-Za-z0-9._/-]` as a
 * `\0ooo` escape that `printf %b` decodes: newlines, quotes, invalid UTF-8
 * and leading dashes never meet a parser. (A fixed command line is also
 * what the privileged helper can register: src/security/permitted.ts.)
 *
 * The script refuses, pair by pair, anything that could act outside the
 * destination: an absolute name, a `.`/`..`/empty component, an ancestor
 * that is a symlink or not a directory (rsync copies the tree's symlinks as
 * symlinks, so a hostile source can place one at the destination); and it
 * renames only a real directory to a free name (as RENAME_NOREPLACE).
 * Between its checks and `mv` nothing else writes there: syncs never
 * overlap, and the renames run before the batch's rsync runs.
 */
import { splitArgumentLine } from '../config/index.js';
import type { RelPath } from '../types.js';

/**
 * The shell script, on one line (a login shell of the csh family refuses a
 * newline inside quotes) and without a single quote (it is single-quoted
 * as a whole).
 */
export const REMOTE_MOVE_SCRIPT = [
  'set -u;',
  // safe NAME: relative, no empty, "." or ".." component, every ancestor a real directory
  'safe() {',
  '  case $1 in ""|/*|.|..|./*|../*|*/.|*/..|*/./*|*/../*|*//*|*/) return 1;; esac;',
  '  rest=$1 cur=;',
  '  while :; do',
  '    case $rest in */*) ;; *) return 0;; esac;',
  '    cur=${cur:+$cur/}${rest%%/*} rest=${rest#*/};',
  '    [ -d "$cur" ] && [ ! -L "$cur" ] || return 1;',
  '  done;',
  '};',
  // the x keeps a trailing newline of a name from $(...), which strips it
  'decode() { printf "%bx" "$1"; };',
  'dir=$(decode "$1") dir=${dir%x};',
  'cd -- "$dir" || exit 3;',
  'all=0;',
  'while IFS= read -r old && IFS= read -r new; do',
  '  old=$(decode "$old") old=${old%x} new=$(decode "$new") new=${new%x};',
  '  if safe "$old" && safe "$new" && [ -d "$old" ] && [ ! -L "$old" ] && [ ! -e "$new" ] && [ ! -L "$new" ] && mv -- "$old" "$new"; then :; else all=1; fi;',
  'done;',
  'exit $all',
]
  .map((line) => line.trim())
  .join(' ');

/** Exit codes of the script: every pair renamed; some refused or failed (those are copied). */
export const MOVES_ALL_DONE = 0;
export const MOVES_SOME_LEFT = 1;
/** the destination directory is not there (or not a directory) */
export const MOVES_NO_DESTINATION = 3;

/** A byte (latin1) string as `printf %b` input: safe bytes as they are, every other as `\0ooo`. */
export function encodeForPrintf(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    out += /[A-Za-z0-9._/-]/.test(bytes[i]!) ? bytes[i] : '\\0' + c.toString(8).padStart(3, '0');
  }
  return out;
}

/** A word single-quoted for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A `[user@]host:path` destination taken apart as rsync does (brackets around an IPv6 address dropped). */
export interface ShellDestination {
  user?: string;
  host: string;
  path: string;
}

/** Parse `[user@]host:path`; undefined when `dest` is not one. */
export function parseShellDestination(dest: string): ShellDestination | undefined {
  const m = /^(?:([^/@:[]*)@)?(\[[^\]/]*\]|[^/:[]*):(?!:)(.*)$/s.exec(dest);
  if (!m) return undefined;
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { user: m[1] || undefined, host, path: m[3]! };
}

/**
 * The command that renames at `dest`: the remote shell (`rsh`, split as
 * rsync splits `-e`), `-l USER` when the destination names one (as rsync
 * passes it), the host, and the fixed remote command line.
 */
export function remoteMoveArgv(dest: ShellDestination, rsh: string): string[] {
  const remote = `sh -c ${shellQuote(REMOTE_MOVE_SCRIPT)} clsync-mv ${shellQuote(encodeForPrintf(dest.path === '' ? '.' : dest.path))}`;
  return [...splitArgumentLine(rsh), ...(dest.user ? ['-l', dest.user] : []), dest.host, remote];
}

/** The script's input: each rename as two lines, old name then new (relative to the destination). */
export function remoteMoveInput(renames: ReadonlyArray<{ from: RelPath; to: RelPath }>): Buffer {
  return Buffer.from(renames.map((r) => `${encodeForPrintf(r.from)}\n${encodeForPrintf(r.to)}\n`).join(''), 'latin1');
}
