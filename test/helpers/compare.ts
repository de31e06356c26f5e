/**
 * Complete comparison of two trees for the differential tests: names (as
 * bytes), types, sizes, content hashes, modes, symlink targets and — when
 * asked — hard-link groups. Unlike `tree.ts`'s `diffTrees` it also compares
 * the root directory itself and can restrict itself to one subtree.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One object as the full comparison sees it. */
export interface FullEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  /** sha1 of the content (files) or the link target bytes as latin1 (symlinks) */
  digest: string;
  /**
   * Hard-link group: the smallest relative path (within the snapshot) of the
   * files sharing this file's inode; '' when it shares it with no other file
   * of the snapshot. Links that leave the snapshot do not count.
   */
  linkGroup: string;
}

/** A tree keyed by relative path as a latin1 byte string; the root is ''. */
export type FullSnapshot = Map<string, FullEntry>;

/** Whether an error is one of the "it vanished while we looked" kind of a live tree. */
function vanished(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Read a whole tree (a missing root gives an empty map). */
export function fullSnapshot(root: string | Buffer): FullSnapshot {
  const out: FullSnapshot = new Map();
  const inodes = new Map<string, string[]>();
  const visit = (full: Buffer, rel: string): void => {
    let st;
    try {
      st = lstatSync(full, { throwIfNoEntry: false, bigint: false });
    } catch (err) {
      // ENOTDIR: a parent became a file while the walk was under way (rsync is still working)
      if (vanished(err)) return;
      throw err;
    }
    if (!st) return;
    let entry: FullEntry;
    if (st.isDirectory()) {
      entry = { type: 'dir', mode: st.mode & 0o7777, size: 0, digest: '', linkGroup: '' };
      out.set(rel, entry);
      let names: Buffer[];
      try {
        names = readdirSync(full, { encoding: 'buffer' });
      } catch (err) {
        if (vanished(err)) return;
        throw err;
      }
      names.sort(Buffer.compare);
      for (const name of names) {
        visit(Buffer.concat([full, Buffer.from('/'), name]), (rel ? rel + '/' : '') + name.toString('latin1'));
      }
      return;
    }
    if (st.isSymbolicLink()) {
      let target: Buffer;
      try {
        target = readlinkSync(full, { encoding: 'buffer' });
      } catch (err) {
        if (vanished(err)) return;
        throw err;
      }
      entry = { type: 'symlink', mode: 0, size: 0, digest: target.toString('latin1'), linkGroup: '' };
    } else if (st.isFile()) {
      let content: Buffer;
      try {
        content = readFileSync(full);
      } catch (err) {
        if (vanished(err)) return;
        throw err;
      }
      const digest = createHash('sha1').update(content).digest('hex');
      entry = { type: 'file', mode: st.mode & 0o7777, size: content.length, digest, linkGroup: '' };
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const group = inodes.get(key);
        if (group) group.push(rel);
        else inodes.set(key, [rel]);
      }
    } else {
      entry = { type: 'other', mode: st.mode, size: 0, digest: '', linkGroup: '' };
    }
    out.set(rel, entry);
  };
  visit(typeof root === 'string' ? Buffer.from(root) : root, '');
  for (const group of inodes.values()) {
    if (group.length < 2) continue;
    const leader = group.reduce((a, b) => (a < b ? a : b));
    for (const rel of group) out.get(rel)!.linkGroup = leader;
  }
  return out;
}

/** What to compare beyond names, types, sizes, contents, modes and link targets. */
export interface CompareOptions {
  /** compare hard-link groups (meaningful when rsync runs with -H) */
  hardLinks?: boolean;
}

/** Show a byte-string path readably: valid UTF-8 as text, every other byte escaped. */
export function showBytes(path: string): string {
  return JSON.stringify(Buffer.from(path, 'latin1').toString('utf8').includes('\uFFFD') ? escapeLatin1(path) : Buffer.from(path, 'latin1').toString('utf8'));
}

function escapeLatin1(path: string): string {
  let s = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    s += c >= 0x20 && c < 0x7f ? path[i] : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

function describe(e: FullEntry, hardLinks: boolean): string {
  const parts: string[] = [e.type];
  if (e.type !== 'symlink') parts.push(`mode=${e.mode.toString(8)}`);
  if (e.type === 'file') parts.push(`size=${e.size}`, `sha1=${e.digest.slice(0, 10)}`);
  if (e.type === 'symlink') parts.push(`-> ${showBytes(e.digest)}`);
  if (hardLinks && e.linkGroup) parts.push(`linked-with=${showBytes(e.linkGroup)}`);
  return parts.join(' ');
}

/** What kind of difference a line reports (for keeping a shrunk failure the same failure). */
export type DiffKind = 'missing' | 'extra' | 'type' | 'content' | 'mode' | 'target' | 'linkgroup';

/** One difference: its kind and a readable line. */
export interface TreeDiff {
  kind: DiffKind;
  text: string;
}

function kindOf(a: FullEntry, b: FullEntry): DiffKind {
  if (a.type !== b.type) return 'type';
  if (a.type === 'symlink') return 'target';
  if (a.size !== b.size || a.digest !== b.digest) return 'content';
  if (a.mode !== b.mode) return 'mode';
  return 'linkgroup';
}

/** Differences between two snapshots with their kinds ([] when equal). */
export function diffSnapshotsDetailed(a: FullSnapshot, b: FullSnapshot, options: CompareOptions = {}): TreeDiff[] {
  const hardLinks = options.hardLinks ?? false;
  const diffs: TreeDiff[] = [];
  for (const [path, entry] of a) {
    const other = b.get(path);
    if (!other) {
      diffs.push({ kind: 'missing', text: `missing in destination: ${showBytes(path)} (${describe(entry, hardLinks)})` });
      continue;
    }
    const same =
      entry.type === other.type &&
      entry.mode === other.mode &&
      entry.size === other.size &&
      entry.digest === other.digest &&
      (!hardLinks || entry.linkGroup === other.linkGroup);
    if (!same) {
      diffs.push({
        kind: kindOf(entry, other),
        text: `differs: ${showBytes(path)} source: ${describe(entry, hardLinks)}; destination: ${describe(other, hardLinks)}`,
      });
    }
  }
  for (const [path, entry] of b) {
    if (!a.has(path)) diffs.push({ kind: 'extra', text: `extra in destination: ${showBytes(path)} (${describe(entry, hardLinks)})` });
  }
  return diffs;
}

/** Differences between two snapshots, one readable line each ([] when equal). */
export function diffSnapshots(a: FullSnapshot, b: FullSnapshot, options: CompareOptions = {}): string[] {
  return diffSnapshotsDetailed(a, b, options).map((d) => d.text);
}

/** Compare the trees at `src` and `dst` completely ([] when equal). */
export function compareTrees(src: string | Buffer, dst: string | Buffer, options: CompareOptions = {}): string[] {
  return diffSnapshots(fullSnapshot(src), fullSnapshot(dst), options);
}

/** Compare the trees at `src` and `dst` completely, with the kind of each difference. */
export function compareTreesDetailed(src: string | Buffer, dst: string | Buffer, options: CompareOptions = {}): TreeDiff[] {
  return diffSnapshotsDetailed(fullSnapshot(src), fullSnapshot(dst), options);
}
