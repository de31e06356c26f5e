/**
 * What rsync's exit codes mean (rsync(1), "EXIT VALUES"), for logs and for
 * deciding whether a sync failed.
 */

/** The meaning of one rsync exit code. */
export interface RsyncExitMeaning {
  code: number;
  /** the sync reached its goal (0, and 24 in rsyncdirect mode) */
  ok: boolean;
  /** some files were transferred and some not (23, 24, 25): worth a retry */
  partial: boolean;
  /** rsync's own wording */
  message: string;
}

const MESSAGES: ReadonlyMap<number, string> = new Map([
  [0, 'success'],
  [1, 'syntax or usage error'],
  [2, 'protocol incompatibility'],
  [3, 'errors selecting input/output files, dirs'],
  [4, 'requested action not supported'],
  [5, 'error starting client-server protocol'],
  [6, 'daemon unable to append to log-file'],
  [10, 'error in socket I/O'],
  [11, 'error in file I/O'],
  [12, 'error in rsync protocol data stream'],
  [13, 'errors with program diagnostics'],
  [14, 'error in IPC code'],
  [20, 'received SIGUSR1 or SIGINT'],
  [21, 'some error returned by waitpid()'],
  [22, 'error allocating core memory buffers'],
  [23, 'partial transfer due to error'],
  [24, 'partial transfer due to vanished source files'],
  [25, 'the --max-delete limit stopped deletions'],
  [30, 'timeout in data send/receive'],
  [35, 'timeout waiting for daemon connection'],
  // set by the exec helper (or by us, as a shell would) when rsync itself could not be run
  [126, 'rsync could not be executed'],
  [127, 'rsync could not be started (not found, or see the error above)'],
]);

/**
 * Meaning of rsync exit `code`. `vanishedIsOk` (true in rsyncdirect mode):
 * code 24 — files vanished between listing and copying — is success, since
 * their deletion is itself an event the next sync handles.
 */
export function rsyncExitMeaning(code: number, vanishedIsOk = true): RsyncExitMeaning {
  const message = MESSAGES.get(code) ?? `unknown rsync exit code ${code}`;
  return {
    code,
    ok: code === 0 || (code === 24 && vanishedIsOk),
    partial: code === 23 || code === 24 || code === 25,
    message,
  };
}

/**
 * rsync exit codes that a live tree produces when it changes under rsync's
 * feet: 23 (partial transfer: a path became a directory or a file while
 * rsync read it) and 2 ("invalid path from sender": a directory vanished and
 * came back during the walk). A files-from run that ends with one is run
 * again with a fresh list (RACE_RERUNS times); after that a full sync takes over.
 */
export const RSYNC_RACE_CODES: ReadonlySet<number> = new Set([23, 2]);

/**
 * The code a local run killed by the stall watch (`--timeout-stall`,
 * src/exec/stall.ts) ends with when it hung again each time it was run
 * again (src/exec/retry.ts): rsync's own "timeout in data send/receive".
 */
export const RSYNC_STALLED = 30;

/** rsync's "some files vanished before they could be transferred": normal on a live tree (SPEC §6). */
export const RSYNC_VANISHED = 24;

/** Re-runs of a files-from run that ended with a race code before a full sync takes over. */
export const RACE_RERUNS = 3;

/**
 * rsync's meaning of exit `code` for a failure message, only when the
 * handler program (`-S`, argv[0]) is rsync itself: `-S false` failing with
 * 1 is not a "syntax or usage error", and a wrapper script's codes are its own.
 */
export function rsyncMeaningFor(program: string, code: number): string | undefined {
  return isRsync(program) ? rsyncExitMeaning(code, true).message : undefined;
}

/** Whether the handler program (`-S`) is rsync itself, not a wrapper of the user's. */
export function isRsync(program: string): boolean {
  return program.slice(program.lastIndexOf('/') + 1) === 'rsync';
}

/**
 * rsync's complaints that are routine on a live tree — objects that vanished
 * between the event and the transfer (exit 24, never an error here). Logged
 * as info so the warnings that remain mean something.
 */
export const RSYNC_ROUTINE_STDERR =
  /^(file has vanished: |directory has vanished: |rsync warning: some files vanished before they could be transferred|WARNING: parent dir is absent in the file list: )/;
