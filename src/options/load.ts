/**
 * loadSettings: command line → config file → blocks (+ inheritance) →
 * merge (command line wins) → substitution → validation → Settings.
 *
 * Order of application follows clsync so that `%option-name%` sees what
 * clsync's sees: first the command line in the order typed, then the chosen
 * block and its parents, each block key by key in table order; an option
 * already set (by the command line or a child block) is not overridden.
 */
import { ConfigError, OptionError } from '../errors.js';
import {
  DEFAULT_CONFIG_BLOCK, NO_CONFIG_FILE, lastEntry, loadConfigFile, splitArgumentLine, substituteOptions, walkBlocks,
  type KeyFile, type KeyFileEntry,
} from '../config/index.js';
import { parseCommandLine } from './cli.js';
import { OPTIONS, optionByLong, optionByShort, type OptionSpec } from './table.js';
import { nearestConfigKey } from './nearest.js';
import { checkIds } from './ids.js';
import { CollectedOptions, type OptionOrigin } from './state.js';
import { toSettings, type Settings } from './settings.js';
import { refuseConflicts, refuseMultiDestinationConflicts, refuseThreadingConflicts, refuseUnsupported, requireBasics, requireDestinationIfUsed, requireModeBasics } from './validate.js';
import { checkHooks, checkWatchDir, refuseOverlap, resolveDestination } from './paths.js';
import { checkRemoteOptions } from './remote.js';

const TABLE = OPTIONS as readonly OptionSpec[];

/** Ends every loading warning: what happens without --strict-config. */
const IGNORED = '; ignored, as clsync does (--strict-config makes it an error)';

/** Where loadSettings looks for config files (tests pass their own). */
export interface SettingsEnvironment {
  /** home directory for `~/.clsync.conf` (default $HOME) */
  home?: string;
  /** replaces clsync's config search path */
  configSearchPath?: string[];
  /** the config block to read instead of -K's (--custom-signals switching blocks) */
  configBlock?: string;
  /**
   * the daemon stage after the privilege relaunch (src/security/launch.ts):
   * the hooks were checked by the first stage; the privileged side runs
   * them, and the daemon's own user may not be able to see them
   */
  hooksCheckedBefore?: boolean;
}

/**
 * Build validated Settings from a command line (`process.argv.slice(2)`).
 * Throws OptionError / ConfigError with a one-line message naming the option.
 * With `-h` or `-V` no config file is read and nothing is required, so the
 * caller can check `help` / `version` first.
 */
export function loadSettings(argv: string[], env: SettingsEnvironment = {}): Settings {
  // Node decoded argv as UTF-8; turn it back into byte strings (the project's path convention).
  const cl = parseCommandLine(argv.map((a) => Buffer.from(a, 'utf8').toString('latin1')));
  const c = new CollectedOptions();

  for (const o of cl.options) {
    const text = o.value === null ? null : substituteOptions(o.value, c.lookup);
    const origin: OptionOrigin = { kind: 'cli', spelled: o.spelled };
    c.apply(o.spec, text, origin, (problem) => {
      const name = o.spelled === `--${o.spec.long}` ? o.spelled : `${o.spelled} (--${o.spec.long})`;
      throw new OptionError(`${name}: ${problem}${bundleHint(o.spelled, o.value)}`);
    });
  }
  if (cl.handlerArgs !== null) {
    c.handlerArgs = cl.handlerArgs;
  }
  if (env.configBlock !== undefined) {
    c.apply(optionByLong('config-block')!, env.configBlock, { kind: 'cli', spelled: '--custom-signals' }, (problem) => {
      throw new OptionError(`--custom-signals: block [${env.configBlock}]: ${problem}`);
    });
  }
  if (c.value('help') !== 0 || c.value('version') !== 0) return toSettings(c);

  const configFile = c.value('config-file');
  const file = loadConfigFile({
    explicit: typeof configFile === 'string' ? configFile : undefined,
    home: env.home,
    searchPath: env.configSearchPath,
  });
  if (file === null) {
    if (c.isSet('config-block') && configFile !== NO_CONFIG_FILE) {
      // clsync's own examples/ start scripts pass -K with no config file anywhere; it runs without one.
      c.warnings.push(`--config-block (-K): block [${String(c.value('config-block'))}] was asked for, but no config file was found; give one with -H FILE${IGNORED}`);
    }
    c.unset('config-file'); // Settings.configFile names the file actually read
  } else {
    c.correct('config-file', file.path);
    applyConfigFile(c, file);
  }
  if (c.value('strict-config') !== 0 && c.warnings.length > 0) {
    throw new ConfigError(`${c.warnings[0]!.slice(0, -IGNORED.length)} (an error with --strict-config)`);
  }

  refuseUnsupported(c);
  checkIds(c);
  requireBasics(c);
  requireModeBasics(c);
  checkWatchDir(c);
  resolveDestination(c);
  refuseOverlap(c);
  requireDestinationIfUsed(c);
  refuseMultiDestinationConflicts(c);
  checkRemoteOptions(c);
  refuseConflicts(c);
  refuseThreadingConflicts(c);
  if (!env.hooksCheckedBefore) checkHooks(c);
  applyModeDefaults(c);
  if (c.handlerArgs !== null) {
    c.handlerArgs = c.handlerArgs.map((a) => substituteOptions(a, c.lookup, true));
  }
  if (c.initialHandlerArgs !== null) {
    c.initialHandlerArgs = c.initialHandlerArgs.map((a) => substituteOptions(a, c.lookup, true));
  }
  return toSettings(c);
}

/**
 * clsync's switches take an optional attached argument, so `-qU` gives `-q`
 * the value "U" (as getopt does). Say how to write what was probably meant.
 */
function bundleHint(spelled: string, value: string | null): string {
  if (!/^-[A-Za-z]$/.test(spelled) || value === null || !/^[A-Za-z]+$/.test(value)) return '';
  if (![...value].every((l) => optionByShort(l) !== undefined)) return '';
  return `; short options cannot be bundled after ${spelled}, write ${[spelled, ...[...value].map((l) => `-${l}`)].join(' ')}`;
}

/** Apply the chosen block of `file` and the blocks it inherits from. */
function applyConfigFile(c: CollectedOptions, file: KeyFile): void {
  const block = c.value('config-block');
  const blockName = typeof block === 'string' && block !== '' ? block : DEFAULT_CONFIG_BLOCK;
  const cliParent = c.origin('config-block-inherits')?.kind === 'cli' ? c.value('config-block-inherits') : undefined;
  let first = true;
  walkBlocks(file, blockName, c.isSet('config-block'), (name, entries) => {
    checkKeys(c, file, name, entries);
    let parent: string | undefined;
    for (const spec of TABLE) {
      const entry = lastEntry(entries, spec.long);
      if (entry === undefined) continue;
      const origin: OptionOrigin = { kind: 'config', file: file.path, line: entry.line, block: name };
      const fail = (problem: string): never => {
        throw new ConfigError(`${file.path}:${entry.line}: ${spec.long}: ${problem}`);
      };
      if (spec.type === 'handlerArgs' && spec.supported) {
        // Handler arguments are substituted at the end, when every option is known (as clsync does).
        if (spec.long === '---') {
          if (c.initialHandlerArgs === null) c.initialHandlerArgs = splitOrFail(entry.value, fail);
        } else if (c.handlerArgs === null) {
          c.handlerArgs = splitOrFail(entry.value, fail);
        }
        continue;
      }
      const text = substituteOptions(entry.value, c.lookup);
      if (spec.long === 'config-block-inherits') {
        // Each block names its own parent; only the chosen block's is kept in Settings.
        parent = text === '' ? undefined : text;
        if (first && cliParent === undefined) c.apply(spec, text, origin, fail);
        continue;
      }
      if (c.isSet(spec.long)) continue; // the command line, or a child block, wins
      c.apply(spec, text, origin, fail);
    }
    if (first && typeof cliParent === 'string') parent = cliParent === '' ? undefined : cliParent;
    first = false;
    return parent;
  });
}

/**
 * Unknown keys are warnings (clsync ignores them, and real config files
 * rely on it: `syslog = 1`, `rules-path`); --strict-config makes them
 * errors. Command-line-only options in a file are errors.
 */
function checkKeys(c: CollectedOptions, file: KeyFile, block: string, entries: readonly KeyFileEntry[]): void {
  for (const e of entries) {
    const spec = optionByLong(e.key);
    if (spec === undefined) {
      c.warnings.push(`${file.path}:${e.line}: unknown key "${e.key}" in block [${block}] (did you mean "${nearestConfigKey(e.key)}"?)${IGNORED}`);
      continue;
    }
    if (spec.place === 'cli') {
      throw new ConfigError(`${file.path}:${e.line}: "${e.key}" is only accepted on the command line (--${e.key}); remove it from the file`);
    }
  }
}

function splitOrFail(line: string, fail: (problem: string) => never): string[] {
  try {
    return splitArgumentLine(line);
  } catch (e) {
    return fail((e as Error).message);
  }
}

/** Defaults that depend on the mode: the sync handler program (rsync for rsyncdirect). */
function applyModeDefaults(c: CollectedOptions): void {
  const mode = c.value('mode');
  if (typeof mode !== 'string') return;
  for (const spec of TABLE) {
    const d = spec.defaultByMode?.[mode];
    if (d !== undefined && spec.type !== 'handlerArgs' && c.value(spec.long) === undefined) c.correct(spec.long, d);
  }
}
