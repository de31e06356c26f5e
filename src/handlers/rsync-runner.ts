/**
 * rsync as a handler program (rsyncdirect, and the files-from machinery):
 * the user's argument template with `%RSYNC-ARGS%` filled per run, rsync's
 * routine complaints kept out of the warnings, its exit codes explained in
 * errors, and 24 (vanished files) never an error (SPEC §6).
 */
import { nativeString } from '../bytes.js';
import { HandlerRunner, type RunContext } from '../exec/handler-runner.js';
import type { PreparedCommand } from '../exec/run.js';
import { isRsync, rsyncMeaningFor, RSYNC_ROUTINE_STDERR, RSYNC_STALLED, RSYNC_VANISHED } from '../rsync/index.js';
import { destinationKind, remoteExitMeaning, transportArgs, type DestinationKind } from '../rsync/remote.js';
import type { HandlerOptions } from './options.js';

/** One rsync run: `%RSYNC-ARGS%` and the per-run substitutions. */
export interface RsyncRun {
  rsyncArgs: readonly string[];
  tag: string;
  /** %INCLUDE-LIST-PATH%, %EXCLUDE-LIST-PATH% */
  values?: Readonly<Record<string, string>>;
  /** exit codes handed back instead of failing (rsync's races) */
  passOn?: ReadonlySet<number>;
  /** a run started ahead and its input (see WarmRun) */
  prepared?: { command: PreparedCommand; input: Buffer };
}

/** Runs the rsync handler of a mode. */
export class RsyncRunner {
  private readonly runner: HandlerRunner;
  private readonly program: string;
  /** how rsync reaches the destination, and the words that say so (`--rsh`, `--password-file`) */
  private readonly kind: DestinationKind;
  private readonly transport: readonly string[];

  constructor(
    options: HandlerOptions,
    /** the argument template: the user's, or the mode's own default */
    private readonly template: readonly string[],
    aborted: () => boolean,
  ) {
    this.runner = new HandlerRunner(options.program, options.values, { ...options.exec, okCodes: [...options.exec.okCodes, RSYNC_VANISHED] }, options.watchDir, aborted);
    this.program = options.program;
    this.kind = destinationKind(options.destinationDir);
    this.transport = transportArgs(options.destinationDir, options.transport);
  }

  /** The command line of a run (native strings, for spawning). */
  argv(rsyncArgs: readonly string[], values: Readonly<Record<string, string>> = {}): string[] {
    return this.runner.argv({ template: this.template, values, lists: { 'RSYNC-ARGS': this.withTransport(rsyncArgs) } }).map(nativeString);
  }

  /** Run once with retries: the exit code on success or a `passOn` code; a HandlerError otherwise. */
  run(run: RsyncRun, context: RunContext): Promise<number> {
    return this.runner.run(
      {
        template: this.template,
        values: run.values,
        lists: { 'RSYNC-ARGS': this.withTransport(run.rsyncArgs) },
        tag: run.tag,
        passOn: run.passOn,
        routine: RSYNC_ROUTINE_STDERR,
        meaning: (code) => this.meaning(code),
        prepared: run.prepared,
        // rsync's own hang only (a wrapper of the user's may wait on purpose), and only where every
        // process is on this machine: a remote run may wait on the other side
        stallCode: this.kind === 'local' && isRsync(this.program) ? RSYNC_STALLED : undefined,
      },
      context,
    );
  }

  /** rsync's meaning of an exit code, said for a remote destination where it says more; none for a wrapper's codes */
  private meaning(code: number): string | undefined {
    const rsyncs = rsyncMeaningFor(this.program, code);
    return rsyncs === undefined ? undefined : (remoteExitMeaning(this.kind, code) ?? rsyncs);
  }

  /** `%RSYNC-ARGS%` of a run: the remote destination's transport options first (an empty list for a local one). */
  private withTransport(rsyncArgs: readonly string[]): readonly string[] {
    return this.transport.length === 0 ? rsyncArgs : [...this.transport, ...rsyncArgs];
  }
}
