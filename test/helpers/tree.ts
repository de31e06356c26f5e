import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One object of a tree as the comparison sees it. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  /** sha1 of the content (files) or the link target (symlinks) */
  digest: string;
}

/**
 * Read a whole tree into a map keyed by the relative path as a latin1 byte
 * string, so names that are not valid UTF-8 compare exactly.
 */
export function snapshot(root: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const walk = (dir: Buffer, rel: string): void => {
    let names: Buffer[];
    try {
      names = readdirSync(dir, { encoding: 'buffer' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      const full = Buffer.concat([dir, Buffer.from('/'), name]);
      const relPath = (rel ? rel + '/' : '') + name.toString('latin1');
      // rsync's temporary files come and go while a sync runs: a vanished entry is not part of the tree
      const st = lstatSync(full, { throwIfNoEntry: false });
      if (!st) continue;
      let entry: TreeEntry;
      if (st.isDirectory()) {
        entry = { type: 'dir', mode: st.mode & 0o7777, size: 0, digest: '' };
        walk(full, relPath);
      } else if (st.isSymbolicLink()) {
        const target = readlinkSync(full, { encoding: 'buffer' });
        entry = { type: 'symlink', mode: 0, size: 0, digest: target.toString('latin1') };
      } else if (st.isFile()) {
        let content: Buffer;
        try {
          content = readFileSync(full);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw err;
        }
        const digest = createHash('sha1').update(content).digest('hex');
        entry = { type: 'file', mode: st.mode & 0o7777, size: st.size, digest };
      } else {
        entry = { type: 'other', mode: st.mode, size: 0, digest: '' };
      }
      out.set(relPath, entry);
    }
  };
  walk(Buffer.from(root), '');
  return out;
}

/** Human-readable list of differences between two trees ([] when equal). */
export function diffTrees(src: string, dst: string): string[] {
  const a = snapshot(src);
  const b = snapshot(dst);
  const diffs: string[] = [];
  const show = (p: string): string => JSON.stringify(Buffer.from(p, 'latin1').toString('utf8'));
  for (const [path, entry] of a) {
    const other = b.get(path);
    if (!other) diffs.push(`missing in destination: ${show(path)}`);
    else if (JSON.stringify(entry) !== JSON.stringify(other)) {
      diffs.push(`differs: ${show(path)} ${JSON.stringify(entry)} vs ${JSON.stringify(other)}`);
    }
  }
  for (const path of b.keys()) if (!a.has(path)) diffs.push(`extra in destination: ${show(path)}`);
  return diffs;
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'clsync-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true, maxRetries: 5 }) };
}

/** A fresh temporary directory with empty `src` and `dst` directories in it. */
export function tempSrcDst(prefix = 'clsync-test-'): { base: { path: string; remove: () => void }; src: string; dst: string } {
  const base = tempDir(prefix);
  const src = join(base.path, 'src');
  const dst = join(base.path, 'dst');
  mkdirSync(src);
  mkdirSync(dst);
  return { base, src, dst };
}

/** Poll `check` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function waitFor(check: () => boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Relative paths of the regular files below `root`, recursively. */
export function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...listFiles(root, path));
    else if (e.isFile()) out.push(path);
  }
  return out;
}
