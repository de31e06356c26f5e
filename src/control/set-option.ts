/**
 * SET over the control socket: one option changed while the daemon runs,
 * validated exactly as on the command line (the start-up command line is
 * loaded again with `--OPTION=VALUE` added), applied only when valid.
 * Only options the running daemon can really switch are settable; the rest
 * are refused with the list of those that are.
 */
import { ClsyncError, OptionError } from '../errors.js';
import { DEFAULT_VERBOSITY, log } from '../log.js';
import { camelCaseOf, optionByLong, type Settings } from '../options/index.js';
import type { Reconfigurable } from './custom-signals.js';

/**
 * Options a running daemon applies at once (Daemon.reconfigure, or the logger).
 * Not `rules-file`: the root daemon would read any file a client names, and a
 * rules error quotes the bad line (a line of /etc/shadow to whoever may SET);
 * `reload` rereads the configured file instead.
 */
export const SETTABLE_OPTIONS: readonly string[] = [
  'delay-collect', 'delay-collect-bigfile', 'delay-sync', 'threshold-bigfile', 'retries', 'timeout-sync',
  'ignore-exitcode', 'ignore-failures', 'standby-file', 'rsync-inclimit', 'max-iterations',
  'sync-on-quit', 'verbose', 'debug', 'quiet',
];

/** The logger's options: changed without touching the handler. */
const LOG_OPTIONS = new Set(['verbose', 'debug', 'quiet']);

/** A request the control socket refuses (C protocol: 162; JSON: ok false); nothing was changed. */
export class ControlRequestError extends ClsyncError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Loads the settings as at start with these arguments added (the command line's `--…` options). */
export type SettingsLoader = (extra: readonly string[]) => Settings;

/** Applies SETs in order; each keeps the ones before (they are part of the command line it validates). */
export class OptionSetter {
  private readonly applied: string[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly daemon: Reconfigurable,
    private readonly load: SettingsLoader,
  ) {}

  /** The settable options and their current text, for INFO and status. */
  current(): Record<string, string> {
    const settings = this.daemon.currentSettings as unknown as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const long of SETTABLE_OPTIONS) {
      const v = settings[camelCaseOf(long)];
      out[long] = v === undefined ? '' : Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    }
    return out;
  }

  /** Set `option` to `value`; rejects with a ControlRequestError (nothing changed) when refused. */
  set(option: string, value: string): Promise<void> {
    const run = this.chain.then(() => this.setNow(option, value));
    this.chain = run.catch(() => {});
    return run;
  }

  private async setNow(option: string, value: string): Promise<void> {
    const long = option.replace(/^--/, '');
    const spec = optionByLong(long);
    if (spec === undefined) throw new ControlRequestError(`no option "${option}"; settable: ${SETTABLE_OPTIONS.join(', ')}`);
    if (!SETTABLE_OPTIONS.includes(long)) {
      throw new ControlRequestError(`--${long} cannot be changed while the daemon runs (restart it with the new value); settable: ${SETTABLE_OPTIONS.join(', ')}`);
    }
    if (/[\n\0]/.test(value)) throw new ControlRequestError(`--${long}: the value holds a newline or NUL byte`);
    const arg = `--${long}=${value}`;
    let next: Settings;
    try {
      next = this.load([...this.applied, arg]);
    } catch (err) {
      throw new ControlRequestError(err instanceof OptionError || err instanceof ClsyncError ? err.message : String(err));
    }
    const key = camelCaseOf(long) as keyof Settings;
    const merged = { ...this.daemon.currentSettings, [key]: next[key] } as Settings;
    if (LOG_OPTIONS.has(long)) {
      log.adjust({ quiet: merged.quiet > 0, verbose: merged.verbose > DEFAULT_VERBOSITY, debug: merged.debug });
      Object.assign(this.daemon.currentSettings, { [key]: next[key] });
    } else {
      try {
        await this.daemon.reconfigure(merged);
      } catch (err) {
        throw new ControlRequestError(`--${long}: ${(err as Error).message}; nothing changed`);
      }
    }
    this.applied.push(arg);
    log.notice(`control socket: --${long} set to "${value}"`);
  }
}
