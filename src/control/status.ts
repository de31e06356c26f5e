import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { log } from '../log.js';
import { replaceAtomically } from '../safe-files.js';
import { OptionError } from '../errors.js';

/** The daemon's states, spelled as clsync writes them (SPEC §2). */
export type DaemonStatus =
  | 'starting'
  | 'initsync'
  | 'running'
  | 'synchandler error'
  | 'rehashing'
  | 'preexit'
  | 'terminating'
  | 'exiting';

/** Status and pid files can be read by anyone, as the C clsync's are. */
const PUBLIC_FILE_MODE = 0o644;

/**
 * Keeps the current status: exported to handlers as CLSYNC_STATUS and
 * written to `--status-file` on every change (replaced atomically: a
 * symlink planted at its path is replaced, never followed).
 */
export class StatusTracker {
  private current: DaemonStatus = 'starting';

  /** `onChange`: told every new status (systemd's STATUS=, the JSON status file) */
  constructor(
    private readonly statusFile: string | undefined,
    private readonly onChange?: (status: DaemonStatus) => void,
  ) {}

  get value(): DaemonStatus {
    return this.current;
  }

  set(status: DaemonStatus): void {
    this.current = status;
    log.debug(1, `status: ${status}`);
    this.onChange?.(status);
    if (!this.statusFile) return;
    try {
      replaceAtomically(this.statusFile, status + '\n', PUBLIC_FILE_MODE);
    } catch (err) {
      log.warn(`--status-file ${this.statusFile}: cannot write: ${(err as Error).message}`);
    }
  }
}

/**
 * Write `--pid-file` (replaced atomically, never through a symlink);
 * returns a function that removes it at exit if it still holds our pid
 * (another instance may have taken the name since).
 */
export function writePidFile(path: string | undefined): () => void {
  if (!path) return () => {};
  try {
    replaceAtomically(path, pidFileContent(), PUBLIC_FILE_MODE);
  } catch (err) {
    throw new OptionError(`--pid-file ${path}: cannot write: ${(err as Error).message}; give a path in a directory the daemon can write to`);
  }
  return pidFileRemover(path);
}

/** The text of our pid file. */
function pidFileContent(): string {
  return `${process.pid}\n`;
}

/**
 * The removal of a pid file written earlier with this pid (by this process,
 * or by its first stage before the privilege relaunch): it removes only a
 * regular file that still names us.
 */
export function pidFileRemover(path: string | undefined): () => void {
  if (!path) return () => {};
  return () => {
    try {
      if (lstatSync(path).isFile() && readFileSync(path, 'latin1') === pidFileContent()) rmSync(path);
    } catch {
      // gone already, or not ours to remove any more (the daemon runs as another user now)
    }
  };
}
