/**
 * The next content run, started ahead: rsync with `--files-from=-` waiting
 * for its list on stdin, so a write then costs only the transfer, not
 * rsync's start-up (exec, its libraries, its two forks: ~10 ms here,
 * against ~4 ms for the transfer of a small file). Local destinations with
 * the default arguments only: the receiver has entered the destination
 * directory already, which must still be the same directory when the run
 * is used.
 */
import { prepareCommand, type PreparedCommand } from '../../exec/run.js';
import { HandlerRunner } from '../../exec/handler-runner.js';
import { directoryIdentity } from '../../destination/index.js';

export class WarmRun {
  /** the prepared run, with the destination directory it entered (directoryIdentity) */
  private warm: { command: PreparedCommand; destination: string } | null = null;

  /** `destination`: the local destination directory (bytes) */
  constructor(private readonly destination: Buffer) {}

  /** Start `argv` (native strings) now, unless a prepared run is still waiting. */
  prepare(argv: readonly string[], iteration: number): void {
    if (this.warm?.command.ready) return;
    this.discard();
    const destination = directoryIdentity(this.destination);
    if (destination === undefined) return;
    this.warm = { command: prepareCommand(argv, HandlerRunner.env({ status: 'running', iteration })), destination };
  }

  /** The prepared run, when it can serve: still waiting, and the destination is the directory it entered. */
  take(): PreparedCommand | undefined {
    const warm = this.warm;
    this.warm = null;
    if (!warm) return undefined;
    if (warm.command.ready && directoryIdentity(this.destination) === warm.destination) return warm.command;
    warm.command.discard();
    return undefined;
  }

  /** Kill the prepared run, if any. */
  discard(): void {
    this.warm?.command.discard();
    this.warm = null;
  }
}
