/**
 * Small things the remote-destination tests share: the rsync this test run
 * uses (PATH decides: Debian 12's 3.2.7 when /opt/rsync327/usr/bin is put
 * first), so that the server side runs the same one, and a directory that
 * plays "the server's disk".
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** The directory of the first `rsync` on PATH. */
export function rsyncDirOnPath(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'rsync'), constants.X_OK);
      return dir;
    } catch {
      // not here
    }
  }
  throw new Error('no rsync on PATH');
}

/** `rsync  version 3.2.7  protocol version 32` → `3.2.7`. */
export function rsyncVersion(output: string): string {
  return /version\s+(\S+)/.exec(output)?.[1] ?? output.split('\n')[0]!;
}

/** The version of the rsync on PATH. */
export function localRsyncVersion(): string {
  return rsyncVersion(execFileSync('rsync', ['--version'], { encoding: 'utf8' }));
}
