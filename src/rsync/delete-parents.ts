/**
 * Deletions without `--delete-missing-args`, for any rsync on either side.
 *
 * rsync 3.2.7 and 3.4.x (and receivers of unknown version) fail a whole run
 * when `--delete-missing-args` lists a missing path below the top level
 * (rsync bug #910: "invalid file mode 00", exit 2). Instead, each parent
 * directory of a deleted name is listed as `parent/.` in one `-d --delete`
 * run (`--dirs`: a listed `dir/.` has its own entries sent, not deeper
 * ones), and filter rules let it touch nothing but the deleted names:
 *
 *     + /parent/name        a deleted name: not protected, so deleted
 *     + /parent/child       a child on the way to another listed parent
 *     - /parent/*           everything else: neither sent nor deleted
 *
 * Listed parents are subject to the rules of the parents above them, which
 * is why the children on the way to deeper listed parents are included.
 * Names the source still has can be removed too: `H /parent/name` hides them
 * from the sender, so the receiver deletes them as extraneous. The rules go
 * in a merge file (`--exclude-from` knows only `+ ` and `- `), NUL-terminated
 * (`--from0` applies to it), so every name survives.
 * Verified by test/rsync/delete-parents.test.ts on the rsync in PATH.
 */
import { rsyncChildrenPattern, rsyncPattern } from './escape.js';
import { filesFromList } from './files-from-run.js';
import type { RelPath } from '../types.js';

/** The list and rule files of one per-parent deletion run. */
export interface ParentDeletion {
  /** `--files-from` (NUL-separated): each parent as `parent/.`, the root as `.` */
  list: Buffer;
  /** filter rules for `--filter=merge` (NUL-separated) */
  rules: Buffer;
}

/**
 * The run that deletes `names` (paths missing at the source, or listed in
 * `hidden`, none below another) at the destination and nothing else.
 * `hidden`: names the source has, hidden from the sender so they are deleted.
 */
export function parentDeletion(names: readonly RelPath[], hidden: readonly RelPath[] = []): ParentDeletion {
  /** parent → the deleted names in it, then the children leading to deeper listed parents */
  const parents = new Map<RelPath, Set<RelPath>>();
  for (const name of names) {
    const dir = parentOf(name);
    const set = parents.get(dir);
    if (set) set.add(name);
    else parents.set(dir, new Set([name]));
  }
  for (const dir of [...parents.keys()]) {
    for (let child = dir; child !== ''; ) {
      const above = parentOf(child);
      parents.get(above)?.add(child);
      child = above;
    }
  }
  const listed: RelPath[] = [];
  const rules: string[] = hidden.map((name) => 'H ' + rsyncPattern(name, false));
  for (const [dir, children] of parents) {
    listed.push(dir === '' ? '.' : dir + '/.');
    for (const child of children) rules.push('+ ' + rsyncPattern(child, false));
    rules.push('- ' + rsyncChildrenPattern(dir));
  }
  return { list: filesFromList(listed), rules: Buffer.from(rules.join('\0') + '\0', 'latin1') };
}

/** `%RSYNC-ARGS%` of a per-parent deletion run. */
export function parentDeletionArgs(listPath: string, rulesPath: string): string[] {
  return ['-aH', '--force', '--from0', '-d', '--delete', `--filter=merge ${rulesPath}`, `--files-from=${listPath}`];
}

function parentOf(path: RelPath): RelPath {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
