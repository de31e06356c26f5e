/**
 * The runner every sync mode shares: turns an argument template into argv
 * (SPEC §7 substitutions), runs it in the watch dir with the handler's
 * environment, retries it (`-r`, `-w`), counts ignored exit codes (`-x`)
 * as success, kills it past `-k`, and turns a final failure into a
 * HandlerError that names the handler.
 */
import { HandlerError } from '../errors.js';
import { log } from '../log.js';
import { isUtf8 } from 'node:buffer';
import { nativeString } from '../bytes.js';
import { expandArgs } from '../handlers/substitute.js';
import type { PreparedCommand, RunOptions } from './run.js';
import { describeEnd, runWithRetries } from './retry.js';

/** The argument that becomes one argument per path (SPEC §7: it must be a whole argument). */
export const INCLUDE_LIST = '%INCLUDE-LIST%';

/** Retries, waits, ignored codes and the timeout (`-r`, `-w`, `-x`, `-k`). */
export interface ExecPolicy {
  /** tries in all; 0 = until it succeeds */
  readonly retries: number;
  /** wait between tries (ms) */
  readonly delaySyncMs: number;
  /** exit codes that count as success besides 0 */
  readonly okCodes: readonly number[];
  /** kill the handler after this many ms (0 = never) */
  readonly timeoutMs: number;
  /** `--timeout-stall` in ms (0 = never): used where a run says how a stall ends (HandlerRun.stallCode) */
  readonly stallMs: number;
}

/** What one sync run is: CLSYNC_STATUS and CLSYNC_ITERATION. */
export interface RunContext {
  iteration: number;
  status: string;
}

/** One run of the handler. */
export interface HandlerRun {
  /** the argument template, `-S` first is added by the runner */
  template: readonly string[];
  /** per-run substitutions: %INCLUDE-LIST-PATH%, %EVENT-MASK%, … */
  values?: Readonly<Record<string, string>>;
  /** arguments that become several, themselves templates: %RSYNC-ARGS% */
  lists?: Readonly<Record<string, readonly string[]>>;
  /** what an argument `%INCLUDE-LIST%` becomes: these paths, each one argument, as they are */
  paths?: readonly string[];
  /** a name for the log ("rsync (inplace, 3)"); default: the program */
  tag?: string;
  /** exit codes handed back to the caller instead of failing (rsync's races) */
  passOn?: ReadonlySet<number>;
  /** stderr lines that are routine (logged as info) */
  routine?: RegExp;
  /** explains an exit code in the failure message (rsync's meanings) */
  meaning?: (code: number) => string | undefined;
  /** a command started ahead (rsync --files-from=-) and its input, for the first try */
  prepared?: { command: PreparedCommand; input: Buffer };
  /** watch the run for a stall (ExecPolicy.stallMs) and end a stalled one with this code */
  stallCode?: number;
}

/** Runs a mode's handler program; one per handler, shared by all its runs. */
export class HandlerRunner {
  private readonly okCodes: ReadonlySet<number>;

  /**
   * `program`: `-S` (argv[0]); `values`: the lowercase substitutions filled
   * once; `cwd`: the watch dir (the C tool runs the handler there);
   * `aborted`: the daemon is ending (no more retries).
   */
  constructor(
    readonly program: string,
    private readonly values: Readonly<Record<string, string>>,
    private readonly policy: ExecPolicy,
    private readonly cwd: string,
    private readonly aborted: () => boolean,
  ) {
    this.okCodes = new Set(policy.okCodes);
  }

  /** argv of a run (byte strings): the program, then the template with every substitution made. */
  argv(run: Pick<HandlerRun, 'template' | 'values' | 'lists' | 'paths'>): string[] {
    const args = expandArgs(run.template, { ...this.values, ...run.values }, run.lists);
    const paths = run.paths;
    return [this.program, ...(paths ? args.flatMap((a) => (a === INCLUDE_LIST ? paths : [a])) : args)];
  }

  /** The environment the C tool gives a handler (and its hooks). */
  static env(context: RunContext): Record<string, string> {
    return { CLSYNC_STATUS: context.status, CLSYNC_ITERATION: String(context.iteration) };
  }

  /**
   * Run once, with retries. Resolves with the exit code when it succeeded
   * or ended with one of `passOn`; rejects with a HandlerError naming the
   * handler otherwise.
   */
  async run(run: HandlerRun, context: RunContext): Promise<number> {
    // exact bytes through the helper when a word is not UTF-8 (a file name may be any bytes)
    const bytes = this.argv(run);
    const byteArgs = !bytes.every((word) => isUtf8(Buffer.from(word, 'latin1')));
    const argv = byteArgs ? bytes : bytes.map(nativeString);
    const tag = run.tag ?? this.program;
    log.debug(2, `${tag}: ${run.prepared ? '(started ahead, input on stdin) ' : ''}${argv.join(' ')}`);
    const stall = run.stallCode !== undefined && this.policy.stallMs > 0 ? { ms: this.policy.stallMs, code: run.stallCode } : undefined;
    const options: RunOptions = { tag, routine: run.routine, timeoutMs: this.policy.timeoutMs, env: HandlerRunner.env(context), cwd: this.cwd === '' ? undefined : nativeString(this.cwd), byteArgs, stall };
    const passOn = run.passOn;
    const okCodes = passOn?.size ? new Set([...this.okCodes, ...passOn]) : this.okCodes;
    const prepared = run.prepared;
    const result = await runWithRetries(
      argv,
      options,
      { retries: this.policy.retries, delayMs: this.policy.delaySyncMs, okCodes, aborted: this.aborted },
      prepared && (() => prepared.command.start(prepared.input, options)),
    );
    if (result.code !== null && passOn?.has(result.code)) return result.code;
    if (!result.ok) {
      const meaning = result.code === null || result.timedOut ? undefined : run.meaning?.(result.code);
      throw new HandlerError(
        `sync handler "${this.program}" failed after ${result.tries} tr${result.tries === 1 ? 'y' : 'ies'}: ` +
          `${describeEnd(result)}${meaning ? ` (${meaning})` : ''}`,
      );
    }
    return result.code ?? 0;
  }
}
