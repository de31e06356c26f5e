/**
 * The argument vectors the privileged helper may run under
 * `--check-execvp-arguments`, registered when the daemon starts (before it
 * drops its rights) in clsync-priv's pattern words (native/argv_pattern.h):
 *
 * - the handler with its arguments and its initial-sync arguments, every
 *   `%MACRO%` left for run time a wildcard, `%INCLUDE-LIST%` any number of
 *   words (as the C tool's check; it forgot the initial-sync set);
 * - rsyncdirect's own runs: the program, any of the option words its
 *   planner uses (each builder asked with the lists directory's paths), the
 *   two directories;
 * - the remote shell's fixed rename command of a `host:dir` destination;
 * - each hook as `HOOK label`, and each `--add-permitted-hook-files` file
 *   with any arguments.
 *
 * The working directories: the watch dir (handlers) and the daemon's own.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandArgs } from '../handlers/substitute.js';
import { handlerOptions, type HandlerOptions } from '../handlers/options.js';
import { filesFromArgs, FILES_FROM_ARG_KINDS } from '../rsync/files-from-run.js';
import { parentDeletionArgs } from '../rsync/delete-parents.js';
import { rsyncArgsExpansion } from '../rsync/args.js';
import { transportArgs } from '../rsync/remote.js';
import { probeArgv, PROBE_DIR_PREFIX } from '../rsync/probe.js';
import { DEFAULT_TEMPLATE as RSYNCDIRECT_TEMPLATE } from '../handlers/rsyncdirect.js';
import { remoteMoveCommand } from '../handlers/files-from/remote-replay.js';
import { byteString, nativeString } from '../bytes.js';
import type { Settings } from '../options/index.js';

/** A word that stands for any bytes while the vector is built; never in a real argument (NUL). */
const WILD = '\0*';
/** A word that stands for any number of words. */
const ANY_WORDS = '\0**';
/** Stands for a list file's path while the rsync option words are collected. */
const LIST_FILE = '\0list';

/** A byte string with WILD marks as a pattern word: hex of the bytes, `*` for each wildcard. */
function patternWord(word: string): string {
  if (word === ANY_WORDS) return '**';
  return word
    .split(/%[A-Za-z0-9-]+%|\0\*/)
    .map((part) => Buffer.from(part, 'latin1').toString('hex'))
    .join('*');
}

/** The paths list files get (ListsDir): in `-L`, or in a private directory made under the temporary directory. */
function listFilePattern(options: HandlerOptions): string {
  const dir = options.listsDir !== undefined ? nativeString(options.listsDir) : null;
  return byteString(dir !== null ? join(dir, '') : join(tmpdir(), 'clsync-lists-')) + WILD;
}

/** rsyncdirect's option words: everything its run builders put into %RSYNC-ARGS%. */
function rsyncOptionWords(listFile: string, transport: readonly string[]): string[] {
  const words = new Set<string>(transport);
  for (const kind of FILES_FROM_ARG_KINDS) {
    for (const deleteMissing of [true, false]) for (const w of filesFromArgs(kind, LIST_FILE, LIST_FILE, deleteMissing)) words.add(w);
  }
  for (const w of filesFromArgs('content', '-', '')) words.add(w); // the warm run reads its list from stdin
  for (const w of parentDeletionArgs(LIST_FILE, LIST_FILE)) words.add(w);
  return [...words].map((w) => w.split(LIST_FILE).join(listFile));
}

/** The handler's vectors from a template (normal or initial). */
function handlerVectors(options: HandlerOptions, template: readonly string[], listFile: string): string[][] {
  const fill = (rsyncArgs: readonly string[]): string[] =>
    expandArgs(template, options.values, { 'RSYNC-ARGS': rsyncArgs, 'INCLUDE-LIST': [ANY_WORDS] });
  // a remote destination's --rsh / --password-file come first in every run's %RSYNC-ARGS% (rsync-runner.ts)
  const transport = transportArgs(options.destinationDir, options.transport);
  const vectors = [fill([...transport, ...rsyncArgsExpansion({ preferInclude: options.rsyncPreferInclude })])];
  if (options.mode === 'rsyncdirect' && template.includes('%RSYNC-ARGS%')) {
    vectors.push(fill([`(${rsyncOptionWords(listFile, transport).map(patternWord).join(',')})`]));
  }
  return vectors.map((args) => [options.program, ...args]);
}

export interface PermittedExecs {
  /** clsync-priv `--allow` values */
  vectors: string[];
  /** clsync-priv `--allow-cwd` values */
  cwds: string[];
}

/** What the privileged helper may run for these settings. */
export function permittedExecs(settings: Settings): PermittedExecs {
  const options = handlerOptions(settings);
  const listFile = listFilePattern(options);
  const vectors: string[] = [];
  const add = (words: readonly string[]): void => {
    // a group word is already in pattern form: keep it as it is
    vectors.push(words.map((w) => (w.startsWith('(') && w.endsWith(')') ? w : patternWord(w))).join(' '));
  };
  if (options.program !== '' && !['so', 'rsyncso'].includes(options.mode)) {
    // rsyncdirect without the user's arguments runs its own template (rsyncdirect.ts)
    const args = options.mode === 'rsyncdirect' && !options.userArgs ? RSYNCDIRECT_TEMPLATE : options.args;
    for (const template of [args, ...(options.initialArgs ? [options.initialArgs] : [])]) {
      for (const vector of handlerVectors(options, template, listFile)) add(vector);
    }
  }
  if (options.mode === 'rsyncdirect' && !options.userArgs) {
    // the deletion probe, on a private directory the daemon makes (rsync/probe.ts)
    add(probeArgv(options.program, `${byteString(PROBE_DIR_PREFIX())}${WILD}`));
  }
  // renames at a host:dir destination: one fixed command line (src/destination/remote-moves.ts)
  const move = remoteMoveCommand(options);
  if (move) add(move.map(byteString));
  for (const hook of [settings.exitHook, settings.preExitHook]) if (hook) add([hook, settings.label]);
  for (const file of settings.addPermittedHookFiles) add([file, ANY_WORDS]);
  return { vectors: [...new Set(vectors)], cwds: [nativeString(options.watchDir), process.cwd()] };
}
