/**
 * File-system checks of path options: the watch dir must be an existing
 * directory (and is made canonical, as clsync does with realpath), a local
 * destination is made absolute, hooks must be executable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { optionByLong } from './table.js';
import type { CollectedOptions } from './state.js';

/** Byte-string path → Buffer for fs calls. */
function bytes(p: string): Buffer {
  return Buffer.from(p, 'latin1');
}

/** `-W` must exist and be a directory; it becomes its realpath. */
export function checkWatchDir(c: CollectedOptions): void {
  const spec = optionByLong('watch-dir')!;
  const dir = c.value('watch-dir');
  if (typeof dir !== 'string') return;
  let st: fs.Stats;
  try {
    st = fs.statSync(bytes(dir));
  } catch (e) {
    throw new OptionError(`${c.nameOf(spec)}: cannot use "${dir}": ${(e as NodeJS.ErrnoException).code ?? String(e)}; give an existing directory`);
  }
  if (!st.isDirectory()) throw new OptionError(`${c.nameOf(spec)}: "${dir}" is not a directory`);
  c.correct('watch-dir', fs.realpathSync(bytes(dir), { encoding: 'buffer' }).toString('latin1'));
}

/**
 * A local `-D` becomes absolute (its realpath when it exists; rsync creates
 * a missing last component). Remote destinations (`host:dir`, `user@host:dir`,
 * `rsync://…`) are kept as written.
 */
export function resolveDestination(c: CollectedOptions): void {
  const dest = c.value('destination-dir');
  if (typeof dest !== 'string' || isRemote(dest)) return;
  const absolute = path.resolve(dest);
  let resolved = absolute;
  try {
    resolved = fs.realpathSync(bytes(absolute), { encoding: 'buffer' }).toString('latin1');
  } catch {
    // not there yet: rsync will create it
  }
  c.correct('destination-dir', resolved);
}

/**
 * A local `-D` must not overlap `-W` (the same directory, or either inside
 * the other), after resolving symlinks: syncing a tree into itself copies
 * the copies, or deletes the source. A `-D` that does not exist yet is
 * resolved through its nearest existing ancestor. Call after checkWatchDir
 * and resolveDestination.
 */
export function refuseOverlap(c: CollectedOptions): void {
  const watch = c.value('watch-dir');
  const dest = c.value('destination-dir');
  if (typeof watch !== 'string' || typeof dest !== 'string' || isRemote(dest)) return;
  const w = withSlash(watch);
  const d = withSlash(resolveThroughAncestor(path.resolve(dest)));
  const relation = w === d ? 'they are the same directory' : d.startsWith(w) ? 'the destination is inside the watched tree' : w.startsWith(d) ? 'the watched tree is inside the destination' : null;
  if (relation === null) return;
  throw new OptionError(
    `${c.nameOf(optionByLong('watch-dir')!)} "${watch}" and ${c.nameOf(optionByLong('destination-dir')!)} "${dest}" overlap ` +
      `(${relation}); give a destination outside the watched tree and the watched tree outside the destination`,
  );
}

/** The real path of `p`, or of its nearest existing ancestor with the missing rest appended. */
function resolveThroughAncestor(p: string): string {
  const missing: string[] = [];
  for (let at = p; ; at = path.dirname(at)) {
    try {
      const real = fs.realpathSync(bytes(at), { encoding: 'buffer' }).toString('latin1');
      return path.join(real, ...missing.reverse());
    } catch {
      if (at === path.dirname(at)) return p;
      missing.push(path.basename(at));
    }
  }
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : p + '/';
}

/** rsync's rule: a colon before the first slash means a remote host; `://` a URL. */
export function isRemote(dest: string): boolean {
  return dest.includes('://') || /^[^/]*:/.test(dest);
}

/** `--exit-hook` and `--pre-exit-hook` must be executable files (clsync checks access(X_OK)). */
export function checkHooks(c: CollectedOptions): void {
  for (const long of ['exit-hook', 'pre-exit-hook']) {
    const hook = c.value(long);
    if (typeof hook !== 'string') continue;
    try {
      fs.accessSync(bytes(hook), fs.constants.X_OK);
    } catch {
      throw new OptionError(`${c.nameOf(optionByLong(long)!)}: "${hook}" is not an executable file; chmod +x it or fix the path`);
    }
  }
}
