/**
 * Helpers for the `-M so` / `-M rsyncso` tests: the recorder modules (a
 * typed JavaScript module, a shared object built from C here) and a daemon
 * started with one of them on a temporary tree.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClsync, type ClsyncRun } from './clsync.js';
import { killHard, waitForLog } from './faults.js';
import { tempDir } from './tree.js';

/** The compiled TypeScript recorder (test/e2e/fixtures/so-recorder.ts). */
export const JS_RECORDER = fileURLToPath(new URL('../e2e/fixtures/so-recorder.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Build test/e2e/fixtures/so-recorder.c into `dir` with the shipped header; returns the .so path. */
export function buildSoRecorder(dir: string): string {
  const so = join(dir, 'so-recorder.so');
  if (!existsSync(so)) {
    execFileSync('cc', ['-Wall', '-shared', '-fPIC', '-I', join(REPO, 'include'), '-o', so, join(REPO, 'test/e2e/fixtures/so-recorder.c')]);
    chmodSync(so, 0o755);
  }
  return so;
}

/** A daemon with a recorder module and where its records and faults go. */
export interface SoSetup {
  base: string;
  src: string;
  /** the recorder's output ($SO_OUT) */
  out: string;
  /** while this file exists the recorder fails ($SO_FAULT) */
  fault: string;
  run: ClsyncRun;
}

/**
 * Start `clsync -M<mode> -S<module>` on a fresh `src` (prepared by
 * `prepare` before the start), wait for the initial sync, then `body`.
 * `module` may be a function of the temporary directory (to build or copy
 * one there), and so may `args`.
 */
export async function withSoDaemon(
  mode: 'so' | 'rsyncso',
  module: string | ((base: string) => string),
  args: string[] | ((base: string) => string[]),
  body: (s: SoSetup) => Promise<void>,
  prepare: (src: string) => void = () => {},
): Promise<void> {
  const base = tempDir('clsync-so-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  prepare(src);
  const out = join(base.path, 'out');
  const fault = join(base.path, 'fault');
  const file = typeof module === 'string' ? module : module(base.path);
  const run = startClsync([`-M${mode}`, `-S${file}`, `-W${src}`, '-t1', '-T1', '-w0', '-lsotest', ...(typeof args === 'function' ? args(base.path) : args)], { SO_OUT: out, SO_FAULT: fault });
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    await body({ base: base.path, src, out, fault, run });
  } finally {
    await killHard(run);
    base.remove();
  }
}

/** The recorder's JSON lines so far. */
export function records(out: string): Array<Record<string, unknown>> {
  if (!existsSync(out)) return [];
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A copy of `file` in `dir` with `mode` (for the permission checks). */
export function copyWithMode(file: string, dir: string, name: string, mode: number): string {
  const copy = join(dir, name);
  copyFileSync(file, copy);
  chmodSync(copy, mode);
  return copy;
}
