/**
 * `--custom-signals=SIG:BLOCK,…`: on signal SIG, the daemon switches to the
 * options of config block BLOCK (clsync's parse_customsignals syntax:
 * `SIG` is a signal number — we also take a name such as USR1 — and a
 * `0` entry clears the list).
 *
 * The switch loads the settings again exactly as at start, with BLOCK in
 * place of `-K` (so the command line still wins over the block, and
 * `config-block-inherits` works as usual), and hands them to the daemon,
 * which applies what can change while it runs (Daemon.reconfigure). What
 * cannot is listed in RESTART_ONLY: a block changing it gets a warning.
 */
import { constants } from 'node:os';
import { OptionError } from '../errors.js';
import type { Settings } from '../options/index.js';

/** Signals the daemon already gives a meaning (SPEC §8), or that cannot be caught. */
const RESERVED: Readonly<Record<string, string>> = {
  SIGHUP: 'rereads the rules', SIGINT: 'ends the daemon', SIGTERM: 'ends the daemon', SIGQUIT: 'ends the daemon',
  SIGUSR2: 'asks for a full resync', SIGIO: 'dumps the state', SIGPOLL: 'dumps the state (it is SIGIO)', SIGKILL: 'cannot be caught', SIGSTOP: 'cannot be caught',
  SIGSEGV: 'is reserved by Node.js', SIGBUS: 'is reserved by Node.js', SIGFPE: 'is reserved by Node.js',
  SIGILL: 'is reserved by Node.js', SIGCHLD: 'tells of ended handlers', SIGPIPE: 'is ignored by Node.js',
};

/** Number → name; the first name of aliases (SIGIO, not SIGPOLL; SIGABRT, not SIGIOT). */
const SIGNAL_BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, n] of Object.entries(constants.signals)) if (!SIGNAL_BY_NUMBER.has(n)) SIGNAL_BY_NUMBER.set(n, name as NodeJS.Signals);

/**
 * Parse `--custom-signals`. Throws an OptionError for a malformed entry,
 * an unknown signal, one Node.js cannot catch (real-time signals) or one
 * the daemon uses already.
 */
export function parseCustomSignals(text: string): Map<NodeJS.Signals, string> {
  const map = new Map<NodeJS.Signals, string>();
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    const sig = (colon === -1 ? entry : entry.slice(0, colon)).trim();
    if (sig === '0') {
      map.clear(); // as in clsync: "0" resets the list
      continue;
    }
    if (colon === -1) throw new OptionError(`--custom-signals: expected SIGNAL:BLOCK, got "${entry}"`);
    const block = entry.slice(colon + 1).trim();
    if (block === '') throw new OptionError(`--custom-signals: empty config block name for signal ${sig}`);
    const signal = signalOf(sig);
    const reserved = RESERVED[signal];
    if (reserved !== undefined) throw new OptionError(`--custom-signals: ${signal} ${reserved}; pick another signal (USR1, WINCH, …)`);
    map.set(signal, block);
  }
  return map;
}

function signalOf(text: string): NodeJS.Signals {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    const name = SIGNAL_BY_NUMBER.get(n);
    if (name === undefined) {
      throw new OptionError(`--custom-signals: signal ${n} cannot be used (Node.js catches only the standard signals 1–31)`);
    }
    return name;
  }
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as NodeJS.Signals;
  if (!(name in constants.signals)) throw new OptionError(`--custom-signals: unknown signal "${text}"`);
  return name;
}

/**
 * Options the running daemon cannot switch: they shape the monitor, the log,
 * files opened at start, or the process itself. A block that changes one
 * gets a warning; the rest of it is applied.
 */
export const RESTART_ONLY: readonly (keyof Settings)[] = [
  'watchDir', 'monitor', 'oneFileSystem', 'excludeMountPoints', 'cancelSyscalls', 'exitOnSyncSkipping',
  'output', 'verbose', 'debug', 'quiet', 'label', 'statusFile', 'pidFile', 'dumpDir', 'background',
  'customSignals', 'uid', 'gid', 'strictConfig',
];

/** The restart-only options that differ between two settings, as option names. */
export function restartOnlyChanges(current: Settings, next: Settings): string[] {
  const changed: string[] = [];
  for (const key of RESTART_ONLY) {
    if (JSON.stringify(current[key]) !== JSON.stringify(next[key])) {
      changed.push('--' + String(key).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
    }
  }
  return changed;
}

/** Loads the settings of a block as at start (the command line, with the block in place of -K). */
export type BlockLoader = (block: string) => Settings;

/**
 * At start: parse `--custom-signals` and load every block it names once,
 * so a mistake is an error now rather than at the signal. Returns signal → block.
 */
export function checkCustomSignals(settings: Settings, load: BlockLoader): Map<NodeJS.Signals, string> {
  if (!settings.customSignals) return new Map();
  const map = parseCustomSignals(settings.customSignals);
  for (const [signal, block] of map) {
    try {
      load(block);
    } catch (err) {
      throw new OptionError(`--custom-signals: ${signal} → block [${block}]: ${(err as Error).message}`);
    }
  }
  return map;
}

/** What a switching daemon offers. */
export interface Reconfigurable {
  readonly currentSettings: Settings;
  reconfigure(next: Settings): Promise<void>;
}

/**
 * On the signal: load the block (a broken file keeps the current settings,
 * and says why), warn about options that need a restart, switch.
 */
export async function switchToBlock(
  daemon: Reconfigurable,
  signal: NodeJS.Signals,
  block: string,
  load: BlockLoader,
  log: { notice(m: string): void; warn(m: string): void; error(m: string): void },
): Promise<void> {
  let next: Settings;
  try {
    next = load(block);
  } catch (err) {
    log.error(`${signal}: cannot switch to config block [${block}]: ${(err as Error).message}; keeping the current options`);
    return;
  }
  for (const warning of next.warnings) log.warn(`${signal}: ${warning}`);
  const restart = restartOnlyChanges(daemon.currentSettings, next);
  if (restart.length > 0) {
    log.warn(`${signal}: block [${block}] changes ${restart.join(', ')}: these take effect only at a restart; kept as they are`);
  }
  try {
    await daemon.reconfigure(next);
    log.notice(`${signal}: switched to config block [${block}]`);
  } catch (err) {
    log.error(`${signal}: cannot switch to config block [${block}]: ${(err as Error).message}; keeping the current options`);
  }
}
