import { writeFileSync, rmSync } from 'node:fs';
import { log } from '../log.js';

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

/**
 * Keeps the current status: exported to handlers as CLSYNC_STATUS and
 * written to `--status-file` on every change.
 */
export class StatusTracker {
  private current: DaemonStatus = 'starting';

  constructor(private readonly statusFile: string | undefined) {}

  get value(): DaemonStatus {
    return this.current;
  }

  set(status: DaemonStatus): void {
    this.current = status;
    log.debug(1, `status: ${status}`);
    if (!this.statusFile) return;
    try {
      writeFileSync(this.statusFile, status + '\n');
    } catch (err) {
      log.warn(`--status-file ${this.statusFile}: cannot write: ${(err as Error).message}`);
    }
  }
}

/** Write `--pid-file`; returns a function that removes it at exit. */
export function writePidFile(path: string | undefined): () => void {
  if (!path) return () => {};
  writeFileSync(path, `${process.pid}\n`);
  return () => rmSync(path, { force: true });
}
