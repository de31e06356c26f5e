/**
 * What one planned `--files-from` run hands rsync (see files-from.ts for
 * the plan): its list of paths, split by `--rsync-inclimit`, and its
 * arguments.
 */
import type { RelPath } from '../types.js';
import type { FilesFromRun } from './files-from.js';

/**
 * A `--files-from` list: NUL-terminated byte-string paths (used with
 * `--from0`). rsync skips list lines starting with `#` or `;` as comments,
 * even NUL-terminated ones (measured), so such paths get a `./` prefix.
 */
export function filesFromList(paths: readonly RelPath[]): Buffer {
  let size = 0;
  for (const p of paths) size += p.length + 3;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of paths) {
    if (p.charCodeAt(0) === HASH || p.charCodeAt(0) === SEMICOLON) at += out.write('./', at, 'latin1');
    at += out.write(p, at, 'latin1');
    out[at++] = 0;
  }
  return out.subarray(0, at);
}

const HASH = 0x23;
const SEMICOLON = 0x3b;

/** Split a run's paths into chunks of at most `limit` (`--rsync-inclimit`; 0 = no limit). */
export function chunk<T>(items: readonly T[], limit: number): T[][] {
  if (limit <= 0 || items.length <= limit) return [items.slice()];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += limit) out.push(items.slice(i, i + limit));
  return out;
}

/** Every kind of run filesFromArgs knows (the privileged helper registers each: src/security/permitted.ts). */
export const FILES_FROM_ARG_KINDS = ['full', 'top', 'root', 'recursive', 'recursive-verify', 'content', 'verify', 'inplace', 'link', 'plain'] as const;

/**
 * `%RSYNC-ARGS%` for one files-from run. `listPath`/`excludePath` are the
 * list files; the two directory arguments come from the template.
 * `deleteMissing` (default): `--delete-missing-args`, so listed paths
 * missing at the source are deleted (see src/handlers/deletions.ts for the
 * rsyncs that cannot).
 */
export function filesFromArgs(kind: FilesFromRun | 'full' | 'top' | 'root', listPath: string, excludePath: string, deleteMissing = true): string[] {
  const args = ['-aH', '--force', '--from0'];
  const dma = deleteMissing ? ['--delete-missing-args'] : [];
  switch (kind) {
    case 'root':
      // nanosecond mtimes: the root's mtime moves with every change in it, often within the same second
      return ['-aH', '--no-r', '--dirs', '--exclude=*', '--modify-window=-1'];
    case 'full':
      return [...args, '--delete', `--exclude-from=${excludePath}`];
    case 'top':
      // the root's own entries of a full sync split by top-level directory
      return ['-aH', '--no-r', '--dirs', '--force', '--from0', '--delete', `--exclude-from=${excludePath}`];
    case 'recursive':
      return [...args, '-r', '--delete', ...dma, `--exclude-from=${excludePath}`, `--files-from=${listPath}`];
    case 'recursive-verify':
      return [...args, '-r', '--checksum', '--delete', ...dma, `--exclude-from=${excludePath}`, `--files-from=${listPath}`];
    case 'content':
      return [...args, '--ignore-times', ...dma, `--files-from=${listPath}`];
    case 'verify':
      return [...args, '--checksum', ...dma, `--files-from=${listPath}`];
    case 'inplace':
      return [...args, '--ignore-times', '--inplace', ...dma, `--files-from=${listPath}`];
    case 'link':
      // --inplace: should the data change under the run, the group's file is written, not replaced
      return [...args, '--inplace', ...dma, `--files-from=${listPath}`];
    case 'plain':
      return [...args, ...dma, `--files-from=${listPath}`];
  }
}
