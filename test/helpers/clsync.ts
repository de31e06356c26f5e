import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real `clsync` command of this checkout. */
export const CLSYNC_BIN = fileURLToPath(new URL('../../../bin/clsync.js', import.meta.url));

/** A running `clsync` with its collected output. */
export interface ClsyncRun {
  child: ChildProcess;
  output(): string;
  /** what it wrote to its stdout, and to its stderr, apart */
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code (or the signal name) */
  exited: Promise<number | string>;
}

/**
 * Start the real `clsync` command. HOME points at an empty directory so no
 * ~/.clsync.conf of the machine leaks in.
 */
export function startClsync(args: string[], env: Record<string, string> = {}): ClsyncRun {
  const home = mkdtempSync(join(tmpdir(), 'clsync-home-'));
  const child = spawn(process.execPath, [CLSYNC_BIN, ...args], {
    env: { ...process.env, HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    text += d.toString();
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    text += d.toString();
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, output: () => text, stdout: () => out, stderr: () => err, exited };
}

/** Run `clsync` to its end; rejects if it runs longer than `timeoutMs`. */
export async function runClsync(
  args: string[],
  timeoutMs = 30_000,
  env: Record<string, string> = {},
): Promise<{ code: number | string; output: string }> {
  const run = startClsync(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, output: run.output() };
}
