/**
 * Validation of collected options: refusing what this release does not do,
 * required options, conflicting options. Every failure is one OptionError
 * naming the option (as typed, or with the file:line it came from).
 */
import { OptionError } from '../errors.js';
import { refersTo } from '../config/substitute.js';
import { OPTIONS, optionByLong, type OptionSpec } from './table.js';
import { isDefaultValue } from './values.js';
import type { CollectedOptions } from './state.js';

const TABLE = OPTIONS as readonly OptionSpec[];

/**
 * Unsupported options are recognised but refused when given a value other
 * than their default — never silently ignored. Supported enums refuse their
 * `refusedValues` (e.g. `--mode=shell`, `--monitor=kqueue`).
 */
export function refuseUnsupported(c: CollectedOptions): void {
  for (const spec of TABLE) {
    if (!c.isSet(spec.long)) continue;
    const value = c.value(spec.long);
    if (!spec.supported && !isDefaultValue(spec, value)) {
      const name = spec.long.startsWith('-') ? spec.long : `--${spec.long}`;
      const origin = c.origin(spec.long);
      const from = origin?.kind === 'config' ? ` (set in ${origin.file}:${origin.line})` : '';
      throw new OptionError(`${name}: not supported yet in this release${from}; remove it to run without it`);
    }
    if (typeof value === 'string' && spec.refusedValues?.[value] !== undefined) {
      const accepted = (spec.values ?? []).filter((v) => spec.refusedValues?.[v] === undefined);
      throw new OptionError(`${c.nameOf(spec)}: "${value}" is ${spec.refusedValues[value]}; use ${accepted.join(' or ')}`);
    }
  }
}

/** `-M` and `-W` must be given. */
export function requireBasics(c: CollectedOptions): void {
  for (const long of ['mode', 'watch-dir']) {
    if (c.value(long) === undefined) {
      const spec = optionByLong(long)!;
      throw new OptionError(`${c.nameOf(spec)} is not set; it is required (${spec.help})`);
    }
  }
}

/**
 * `-D` is required exactly when the handler arguments in effect refer to
 * `%destination-dir%`: the user's arguments when given, else the mode's
 * defaults (SPEC §6; clsync 0.4.5 wrongly requires -D whenever the mode is
 * rsyncdirect).
 */
export function requireDestinationIfUsed(c: CollectedOptions): void {
  if (c.value('destination-dir') !== undefined) return;
  if (!argumentsUseDestination(c)) return;
  const mode = c.value('mode');
  const which = c.handlerArgs !== null && c.handlerArgs.length > 0 ? 'the sync handler arguments use' : `the default arguments of mode "${String(mode)}" use`;
  throw new OptionError(
    `--destination-dir (-D) is not set, but ${which} %destination-dir%; give -D DEST or handler arguments after "--" that name the destination`,
  );
}

/**
 * The modes without a default program need `-S` (the C tool: "sync handler
 * is not set"); `simple` syncs at once, so a standby file cannot hold it
 * back (the C tool refuses the pair).
 */
export function requireModeBasics(c: CollectedOptions): void {
  const mode = c.value('mode');
  if (typeof mode !== 'string') return;
  const program = optionByLong('sync-handler')!;
  if (c.value('sync-handler') === undefined && program.defaultByMode?.[mode] === undefined) {
    throw new OptionError(`${c.nameOf(program)} is not set; mode "${mode}" has no default program: give the handler with -S PROGRAM`);
  }
  if (mode === 'simple' && c.value('standby-file') !== undefined) {
    throw new OptionError(`${c.nameOf(optionByLong('standby-file')!)} cannot be used with --mode=simple, which syncs every event at once; drop one`);
  }
}

/** Pairs clsync refuses together (main.c ctx_check). */
const CONFLICTS: ReadonlyArray<readonly [string, string]> = [
  ['skip-initialsync', 'exit-on-no-events'],
  ['only-initialsync', 'exit-on-no-events'],
  ['skip-initialsync', 'only-initialsync'],
  ['full-initialsync', 'skip-initialsync'],
];

/** Refuse options that contradict each other. */
export function refuseConflicts(c: CollectedOptions): void {
  for (const [a, b] of CONFLICTS) {
    if (isOn(c.value(a)) && isOn(c.value(b))) {
      throw new OptionError(`${c.nameOf(optionByLong(a)!)} and ${c.nameOf(optionByLong(b)!)} cannot be used together; drop one`);
    }
  }
}

/**
 * Options the C clsync refuses with `-p safe|full` (main.c): each needs
 * to know when "the last sync" ended, which parallel syncs do not have.
 */
const NOT_WITH_THREADING = ['only-initialsync', 'exit-on-no-events', 'max-iterations', 'pre-exit-hook'] as const;

/** `-p safe|full` with an option that needs one sync at a time; `--modification-signature` with `--cancel-syscalls=mon_stat`. */
export function refuseThreadingConflicts(c: CollectedOptions): void {
  const threading = c.value('threading');
  if (typeof threading === 'string' && threading !== 'off') {
    for (const long of NOT_WITH_THREADING) {
      const v = c.value(long);
      if (isOn(v) || (typeof v === 'string' && v !== '')) {
        throw new OptionError(
          `-p/--threading ${threading} and ${c.nameOf(optionByLong(long)!)} cannot be used together ` +
            `(parallel syncs have no "last sync"); drop one, or use -p off`,
        );
      }
    }
  }
  const signature = c.value('modification-signature');
  const cancel = c.value('cancel-syscalls');
  if (Array.isArray(signature) && signature.some((f) => f !== '') && Array.isArray(cancel) && cancel.includes('mon_stat')) {
    throw new OptionError(
      `${c.nameOf(optionByLong('modification-signature')!)} and ${c.nameOf(optionByLong('cancel-syscalls')!)}=mon_stat ` +
        'cannot be used together: signatures need the lstat that mon_stat cancels; drop one',
    );
  }
}

function isOn(v: unknown): boolean {
  return typeof v === 'number' && v > 0;
}

/**
 * Several destinations: each gets its own runs of the handler, told apart
 * only by `%destination-dir%`, so the arguments must use it; the module
 * modes have no arguments. --modification-signature keeps one cache of
 * what was synced, which cannot serve several destinations at their own
 * pace.
 */
export function refuseMultiDestinationConflicts(c: CollectedOptions): void {
  if (c.destinations.length < 2) return;
  const name = c.nameOf(optionByLong('destination-dir')!);
  const mode = c.value('mode');
  if (mode === 'so' || mode === 'rsyncso') throw new OptionError(`${name}: several destinations are not possible with --mode=${mode} (a module syncs where it wants)`);
  if (!argumentsUseDestination(c)) {
    throw new OptionError(`${name}: ${c.destinations.length} destinations, but the handler arguments do not use %destination-dir%, so every destination would get the same run; name it in the arguments`);
  }
  const signature = c.value('modification-signature');
  if (Array.isArray(signature) && signature.length > 0) {
    throw new OptionError(`--modification-signature: not possible with several destinations (one cache of what was synced cannot serve each destination's pace); use one destination`);
  }
}

/** The handler arguments in use (the user's, or the mode's defaults) name %destination-dir%. */
function argumentsUseDestination(c: CollectedOptions): boolean {
  const given = c.handlerArgs !== null && c.handlerArgs.length > 0 ? c.handlerArgs : null;
  if (given !== null) return given.some((a) => refersTo(a, 'destination-dir'));
  const mode = c.value('mode');
  const defaults = typeof mode === 'string' ? optionByLong('--')?.defaultByMode?.[mode] : undefined;
  return defaults !== undefined && refersTo(defaults, 'destination-dir');
}
