import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** An errno value, positive or negative (the native calls return -errno), as its name: -2 → "ENOENT". */
export function errnoName(code: number): string {
  return ERRNO_NAMES.get(Math.abs(code)) ?? `errno ${Math.abs(code)}`;
}

/**
 * One error class per kind of problem a user can act on. Each message names
 * the thing at fault and, where there is one, the fix. `exitCode` is what
 * the `clsync` command exits with when the error ends it.
 */
export class ClsyncError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** An invalid command-line or config-file option value. Message names the option. */
export class OptionError extends ClsyncError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A broken config file: message names the file, the line when known, and the problem. */
export class ConfigError extends ClsyncError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A malformed rules file: message names the file and line. */
export class RulesError extends ClsyncError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A kernel limit was reached (inotify watches, queue size); message names the sysctl to raise. */
export class KernelLimitError extends ClsyncError {
  constructor(message: string) {
    super(message, 3);
  }
}

/** The sync handler failed beyond what retries and ignored exit codes cover. */
export class HandlerError extends ClsyncError {
  constructor(message: string) {
    super(message, 4);
  }
}
