/**
 * inotify limits for tests that must hit them: set a sysctl for the length
 * of a test (always restored), and count the watches every process holds
 * (the watch limit is per user; the tests run as root).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SYSCTL = '/proc/sys/fs/inotify';

/** Set an inotify sysctl for the length of `body`, restoring it whatever happens. */
export async function withInotifySysctl<T>(name: string, value: number, body: () => Promise<T>): Promise<T> {
  const file = join(SYSCTL, name);
  const saved = readFileSync(file, 'utf8').trim();
  writeFileSync(file, String(value));
  try {
    return await body();
  } finally {
    writeFileSync(file, saved);
  }
}

/** Watches held by every inotify instance of the machine (the limit is per user; tests run as root). */
export function countWatchesInUse(): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        n += (readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm) ?? []).length;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return n;
}
