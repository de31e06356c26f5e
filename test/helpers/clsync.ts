import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real `clsync` command of this checkout. */
export const CLSYNC_BIN = fileURLToPath(new URL('../../../bin/clsync.js', import.meta.url));

/**
 * CLSYNC_TEST_SPLIT=1 (the CI's second pass over the mirror, hostile and
 * fuzz suites): every daemon runs with --secure-splitting, as nobody keeping
 * only CAP_DAC_READ_SEARCH (the tests' trees sit in root's private
 * temporary directories), its handlers started by the privileged helper.
 */
export const SPLIT_PASS = process.env.CLSYNC_TEST_SPLIT === '1';
const SPLIT_ARGS = ['--secure-splitting', '-C', 'CAP_DAC_READ_SEARCH'];
/** The user the daemon runs as in that pass. */
const SPLIT_DAEMON_UID = 65534;

/** Skip reason for tests of what the daemon itself does at the destination (the door): off in the split pass. */
export const DOOR_SHUT = SPLIT_PASS && 'split pass: the daemon runs with fewer rights than rsync, so its own acts at the destination (the door) are off';

/** A directory the daemon writes itself (-L, --dump-dir) becomes its own in the split pass. */
export function giveToDaemon(path: string): void {
  if (SPLIT_PASS) chownSync(path, SPLIT_DAEMON_UID, SPLIT_DAEMON_UID);
}

/** How much of a daemon's output is kept (characters): far more than any test reads. */
const OUTPUT_KEPT = 64 << 20;

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
  const child = spawn(process.execPath, [CLSYNC_BIN, ...(SPLIT_PASS ? SPLIT_ARGS : []), ...args], {
    env: { ...process.env, HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let out = '';
  let err = '';
  // Only the last part is kept: a daemon logging at -d3 for an hour (the soak) writes more than a
  // string can hold, and a harness that stopped reading would block the daemon on its full pipe.
  const keep = (s: string): string => (s.length > OUTPUT_KEPT ? s.slice(-OUTPUT_KEPT / 2) : s);
  child.stdout!.on('data', (d: Buffer) => {
    text = keep(text + d.toString());
    out = keep(out + d.toString());
  });
  child.stderr!.on('data', (d: Buffer) => {
    text = keep(text + d.toString());
    err = keep(err + d.toString());
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => {
      rmSync(home, { recursive: true, force: true });
      resolve(code ?? signal ?? -1);
    }),
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
