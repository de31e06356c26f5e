/**
 * A running mirror for the hostile end-to-end tests: the real `clsync`
 * (`-Mrsyncdirect -w0 -t0 -T0`) from a fresh source to a fresh destination,
 * an outside directory beside the source for moves in and out, and a
 * complete comparison (hard-link groups included: our rsync runs with -H).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { startClsync, type ClsyncRun } from './clsync.js';
import { compareTrees } from './compare.js';
import { tempDir, waitFor } from './tree.js';

/** What a hostile test gets. */
export interface Mirror {
  src: string;
  dst: string;
  /** beside src on the same file system: the outside for moves in and out */
  out: string;
  run: ClsyncRun;
  /** A path under src (`in`) or out (`outside`) from parts that may be Buffers (odd names). */
  in(...parts: Array<string | Buffer>): Buffer;
  outside(...parts: Array<string | Buffer>): Buffer;
  /** Wait until src and dst are equal; fail with the differences and the daemon's log otherwise. */
  converge(what: string, timeoutMs?: number): Promise<void>;
}

function joinBytes(base: string, parts: Array<string | Buffer>): Buffer {
  return Buffer.concat([Buffer.from(base), ...parts.flatMap((p) => [Buffer.from('/'), Buffer.from(p)])]);
}

/** Run `body` against a fresh mirror (already through its initial sync); always cleans up. */
export async function withMirror(
  body: (m: Mirror) => Promise<void>,
  options: {
    prepare?: (src: string) => void;
    extraArgs?: (dirs: { src: string; out: string }) => string[];
    /** where to make the temporary directories (default: the OS temp dir) */
    parentDir?: string;
    /** extra environment of the daemon */
    env?: Record<string, string>;
    /** a destination elsewhere (a remote one): `-D` as given, and the directory its content lands in, compared with src */
    destination?: { arg: string; dir: string };
  } = {},
): Promise<void> {
  const base = options.parentDir ? tempDirIn(options.parentDir) : tempDir('clsync-hostile-');
  const src = join(base.path, 'src');
  const dst = options.destination?.dir ?? join(base.path, 'dst');
  const out = join(base.path, 'out');
  for (const d of [src, out]) mkdirSync(d);
  if (!options.destination) mkdirSync(dst);
  options.prepare?.(src);
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${options.destination?.arg ?? dst}`, '-w0', '-t0', '-T0', ...(options.extraArgs?.({ src, out }) ?? [])], options.env);
  const mirror: Mirror = {
    src,
    dst,
    out,
    run,
    in: (...parts) => joinBytes(src, parts),
    outside: (...parts) => joinBytes(out, parts),
    async converge(what, timeoutMs = 10_000) {
      let diffs: string[] = [];
      const ok = await waitFor(() => (diffs = compareTrees(src, dst, { hardLinks: true })).length === 0, timeoutMs, 50);
      if (!ok) assert.fail(`${what}: destination differs:\n${diffs.slice(0, 20).join('\n')}\n--- clsync log:\n${run.output().slice(-3000)}`);
    },
  };
  try {
    assert.ok(await waitFor(() => /initial sync done/.test(run.output()), 15_000, 20), run.output());
    await body(mirror);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    base.remove();
  }
}

/** A pause that lets a sync run between two steps (the daemon syncs at once with -t0 -w0). */
export function pause(ms = 150): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tempDirIn(parent: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(parent, 'clsync-hostile-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true, maxRetries: 5 }) };
}
