import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { log } from '../log.js';
import { signalGroup, track } from './children.js';

/** How one run of a command ended. */
export interface RunResult {
  /** exit code, or null when killed by a signal */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  /** extra environment variables (CLSYNC_STATUS, CLSYNC_ITERATION, …) */
  env?: Record<string, string>;
  /** kill the command after this many ms (0 = never); SPEC: `-k/--timeout-sync` */
  timeoutMs: number;
  /** prefix for the command's output lines in the log */
  tag: string;
  /** stderr lines that are routine, logged as info (-v) rather than as warnings */
  routine?: RegExp;
}

/** Grace between SIGTERM and SIGKILL for a command past its timeout. */
const KILL_GRACE_MS = 5000;

/**
 * Run one command (argv[0] looked up in PATH) and resolve when it exits.
 * Its stdout and stderr are forwarded to the log line by line, so they reach
 * syslog with `-Y syslog` and cannot interleave with our own lines. Spawn
 * failures (ENOENT, EACCES) resolve as exit code 127/126, as a shell would.
 */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    track(child);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            log.error(`${options.tag}: still running after ${options.timeoutMs / 1000} s (--timeout-sync): killing it`);
            signalGroup(child, 'SIGTERM');
            killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs)
        : undefined;
    forwardLines(child.stdout, (line) => log.info(`${options.tag}: ${line}`));
    const routine = options.routine;
    forwardLines(child.stderr, (line) =>
      routine?.test(line) ? log.info(`${options.tag}: ${line}`) : log.warn(`${options.tag}: ${line}`),
    );
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({ code, signal, timedOut, ms: performance.now() - started });
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      log.error(`${options.tag}: cannot run "${argv[0]}": ${err.message}`);
      finish(err.code === 'ENOENT' ? 127 : 126, null);
    });
    child.once('close', (code, signal) => finish(code, signal));
  });
}

function forwardLines(stream: NodeJS.ReadableStream | null, sink: (line: string) => void): void {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', sink);
}
