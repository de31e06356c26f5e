import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClsyncError } from '../errors.js';

/**
 * The exec helper (native/exec_helper.c, built by node-gyp next to the
 * addon) through which every child is started: it kills the child's whole
 * process group when the daemon dies, even by SIGKILL. Its contract:
 * `clsync-exec <parent-pid> [<policy option>...] [--via FD] [--hex] -- <program> [<argument>...]`.
 */
const HELPER_PATH = fileURLToPath(new URL('../../../build/Release/clsync-exec', import.meta.url));

/** Prefix of the helper's own lines on stderr ("clsync-exec: cannot run ..."). */
export const HELPER_PREFIX = 'clsync-exec: ';

let checked = false;

/**
 * The helper's path; the first call checks it is there, so a missing build
 * ends the daemon with the fix instead of every run failing with 127.
 */
export function execHelperPath(): string {
  if (!checked) {
    try {
      accessSync(HELPER_PATH, constants.X_OK);
    } catch {
      throw new ClsyncError(`the exec helper ${HELPER_PATH} is missing or not executable; build it with "npm install" (node-gyp rebuild)`);
    }
    checked = true;
  }
  return HELPER_PATH;
}

/** Where a child's helper finds the privileged helper's channel (fd 3 of the child, see childStdio). */
const CHILD_CHANNEL_FD = 3;

/** How children start: set once at start-up from the privilege plan (src/security/). */
const childSetup: { policyArgs: readonly string[]; channelFd: number | null } = { policyArgs: [], channelFd: null };

/**
 * Every child from now on is confined by `policyArgs` (clsync-exec's policy
 * options, splitting off) or, with `channelFd`, started by the privileged
 * helper on that channel (--splitting=process).
 */
export function configureChildren(policyArgs: readonly string[], channelFd: number | null): void {
  childSetup.policyArgs = policyArgs;
  childSetup.channelFd = channelFd;
}

/** Whether a child's program runs below our helper (false: the privileged helper starts it, ours only stands in). */
export function programsAreOurChildren(): boolean {
  return childSetup.channelFd === null;
}

/** The extra descriptor a child's helper needs (the privileged helper's channel as its fd 3), if any. */
export function childExtraStdio(): number[] {
  return childSetup.channelFd === null ? [] : [childSetup.channelFd];
}

/**
 * The helper's argument vector for running `argv` as a child of this
 * process. `hex`: `argv` holds byte strings (one char per byte) passed as
 * hex, for words that are not UTF-8 (Node passes arguments as UTF-8 only).
 */
export function helperArgs(argv: readonly string[], hex = false): string[] {
  const how = childSetup.channelFd === null ? childSetup.policyArgs : ['--via', String(CHILD_CHANNEL_FD)];
  if (!hex) return [String(process.pid), ...how, '--', ...argv];
  return [String(process.pid), ...how, '--hex', '--', ...argv.map((word) => Buffer.from(word, 'latin1').toString('hex'))];
}
