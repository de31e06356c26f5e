/**
 * Messages for inotify's kernel limits: they must name the sysctl, its
 * current value and what to set it to, so the administrator can act at once.
 */
import { readFileSync } from 'node:fs';
import { KernelLimitError } from '../errors.js';

/** Current value of /proc/sys/fs/inotify/<name>, or null when unreadable. */
export function readInotifySysctl(name: 'max_user_watches' | 'max_queued_events' | 'max_user_instances'): number | null {
  try {
    return Number.parseInt(readFileSync(`/proc/sys/fs/inotify/${name}`, 'utf8'), 10);
  } catch {
    return null;
  }
}

/** The error for ENOSPC from inotify_add_watch: `missing` directories still need a watch. */
export function watchLimitError(watchDir: string, missing: number): KernelLimitError {
  const current = readInotifySysctl('max_user_watches');
  const now = current === null ? 'unknown' : String(current);
  const target = current === null ? `at least ${missing} more than now` : String(current + missing);
  return new KernelLimitError(
    `inotify watch limit reached while watching "${watchDir}": fs.inotify.max_user_watches is ${now} and ` +
      `at least ${missing} more director${missing === 1 ? 'y needs' : 'ies need'} a watch. ` +
      `Raise it: sysctl -w fs.inotify.max_user_watches=${target} (persist in /etc/sysctl.d/), ` +
      `or exclude directories with rules, or use --monitor=fanotify.`,
  );
}

/** The warning for IN_Q_OVERFLOW (events were lost; the monitor rescans). */
export function overflowWarning(watchDir: string): string {
  const current = readInotifySysctl('max_queued_events');
  const now = current === null ? 'unknown' : String(current);
  const target = current === null ? 16384 * 4 : Math.max(current * 4, 16384);
  return (
    `inotify event queue overflowed for "${watchDir}": events were lost; rescanning the whole tree and ` +
    `resyncing it. fs.inotify.max_queued_events is ${now}; raise it: ` +
    `sysctl -w fs.inotify.max_queued_events=${target} (persist in /etc/sysctl.d/)`
  );
}
