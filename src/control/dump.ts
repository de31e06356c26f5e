/**
 * Signal 29 (SIGIO): the daemon's state written to a new file in
 * `--dump-dir`, as the C clsync does. The dump names every queued and
 * watched path, so the directory must be the daemon's own and closed to
 * others (checked as `-L` is), and each dump is a new file (O_EXCL,
 * never through a symlink), mode 0600.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { showPath } from '../log.js';
import { checkPrivateDir, createExclusive, randomPart } from '../safe-files.js';
import type { QueuedEntry } from '../queue/index.js';
import type { RelPath } from '../types.js';

/** What a dump shows. */
export interface DaemonState {
  label: string;
  status: string;
  iteration: number;
  queue: readonly QueuedEntry[];
  /** undefined when the monitor cannot list them */
  watchedDirs: readonly RelPath[] | undefined;
}

/**
 * Create `--dump-dir` if missing (0700) and check it is the daemon's own;
 * returns its real path. Throws an OptionError naming --dump-dir.
 */
export function prepareDumpDir(dir: string): string {
  const bytes = Buffer.from(dir, 'latin1').toString();
  mkdirSync(bytes, { recursive: true, mode: 0o700 });
  return checkPrivateDir(bytes, '--dump-dir');
}

/** The text of a dump: one `key: value` line per fact, then one line per queued entry and per watched directory. */
export function dumpText(state: DaemonState, now = new Date()): string {
  const lines = [
    `clsync state dump`,
    `time: ${now.toISOString()}`,
    `pid: ${process.pid}`,
    `label: ${showPath(state.label)}`,
    `status: ${state.status}`,
    `iteration: ${state.iteration}`,
    `queue: ${state.queue.length} entries`,
  ];
  for (const e of state.queue) {
    lines.push(`  ${e.queue} ${e.state} mask=0x${e.mask.toString(16)}${e.recursive ? ' recursive' : ''} ${showPath(e.path)}`);
  }
  if (state.watchedDirs === undefined) {
    lines.push('watched directories: unknown (the monitor cannot list them)');
  } else {
    lines.push(`watched directories: ${state.watchedDirs.length}`);
    for (const path of [...state.watchedDirs].sort()) lines.push(`  ${showPath(path)}`);
  }
  return lines.join('\n') + '\n';
}

/** Write a dump into `dir` (checked by prepareDumpDir); returns the file's path. */
export function writeDump(dir: string, state: DaemonState): string {
  const now = new Date();
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `clsync-dump.${process.pid}.${stamp}.${randomPart()}`);
  createExclusive(path, dumpText(state, now), 0o600);
  return path;
}
