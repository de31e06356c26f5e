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
  c.destinations = c.destinations.map((dest) => {
    if (isRemote(dest)) return dest;
    try {
      return fs.realpathSync(bytes(path.resolve(dest)), { encoding: 'buffer' }).toString('latin1');
    } catch {
      return path.resolve(dest); // not there yet: rsync will create it
    }
  });
  if (c.destinations.length > 0) c.correct('destination-dir', c.destinations[0]!);
  const seen = new Set<string>();
  for (const dest of c.destinations) {
    const key = isRemote(dest) ? dest : withSlash(dest);
    if (seen.has(key)) throw new OptionError(`${c.nameOf(optionByLong('destination-dir')!)}: "${dest}" is given twice`);
    seen.add(key);
  }
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
  if (typeof watch !== 'string') return;
  const dName = c.nameOf(optionByLong('destination-dir')!);
  const w = withSlash(watch);
  const locals = c.destinations.filter((dest) => !isRemote(dest)).map((dest) => ({ dest, d: withSlash(resolveThroughAncestor(path.resolve(dest))) }));
  for (const { dest, d } of locals) {
    const relation = w === d ? 'they are the same directory' : d.startsWith(w) ? 'the destination is inside the watched tree' : w.startsWith(d) ? 'the watched tree is inside the destination' : null;
    if (relation === null) continue;
    throw new OptionError(
      `${c.nameOf(optionByLong('watch-dir')!)} "${watch}" and ${dName} "${dest}" overlap ` +
        `(${relation}); give a destination outside the watched tree and the watched tree outside the destination`,
    );
  }
  // two destinations, one inside the other: each one's --delete would remove the other's copy
  for (const a of locals) {
    for (const b of locals) {
      if (a !== b && b.d.startsWith(a.d)) {
        throw new OptionError(`${dName}: "${b.dest}" is inside the other destination "${a.dest}"; give destinations apart from each other`);
      }
    }
  }
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
