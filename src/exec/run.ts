import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { log } from '../log.js';
import { signalGroup, track } from './children.js';
import { childExtraStdio, execHelperPath, helperArgs, HELPER_PREFIX, programsAreOurChildren } from './helper.js';
import { clearLongTimeout, setLongTimeout } from '../long-timer.js';
import { watchStall } from './stall.js';

/** How one run of a command ended. */
export interface RunResult {
  /** exit code, or null when killed by a signal */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** killed by the stall watch (RunOptions.stall); `code` is then the stall's code */
  stalled: boolean;
  ms: number;
}

export interface RunOptions {
  /** extra environment variables (CLSYNC_STATUS, CLSYNC_ITERATION, …) */
  env?: Record<string, string>;
  /** working directory (a handler runs in the watch dir); default: the daemon's */
  cwd?: string;
  /** argv holds byte strings, some not UTF-8: passed exactly through the helper (helperArgs) */
  byteArgs?: boolean;
  /** kill the command after this many ms (0 = never); SPEC: `-k/--timeout-sync` */
  timeoutMs: number;
  /** prefix for the command's output lines in the log */
  tag: string;
  /** stderr lines that are routine, logged as info (-v) rather than as warnings */
  routine?: RegExp;
  /** kill the command when none of its processes ran or woke for `ms` (stall.ts), and end with `code` */
  stall?: { ms: number; code: number };
}

/** Grace between SIGTERM and SIGKILL for a command past its timeout. */
const KILL_GRACE_MS = 5000;
/** The same for a run taken as hung: rsync ends on TERM at once, even in a deadlock. */
const STALL_KILL_GRACE_MS = 1000;

/**
 * Run one command (argv[0] looked up in PATH) and resolve when it exits.
 * Its stdout and stderr go to the daemon's own, line by line (so they cannot
 * interleave with our own lines); with `-Y syslog` each line is logged,
 * tagged with the handler. Routine stderr lines (rsync's vanished files)
 * are logged as info (-v) instead. Spawn
 * failures (ENOENT, EACCES) resolve as exit code 127/126, as a shell would,
 * and are logged as errors.
 */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const spawned = spawnChild(argv, options.env, 'ignore', options.cwd, options.byteArgs);
  track(spawned.child);
  return supervise(spawned, argv, options, started);
}

/**
 * A command started ahead of time that waits for its standard input (rsync
 * with `--files-from=-`): by the time a change comes, it has been exec'd,
 * has loaded its libraries and forked its other processes, so only the
 * transfer is left. It does not count as running (QUIT does not wait for
 * it) and does not keep the daemon alive until it is started.
 */
export interface PreparedCommand {
  /** it is still waiting for its input */
  readonly ready: boolean;
  /** Hand it its input and resolve when it exits, as runCommand does; the timeout counts from now. */
  start(input: Buffer, options: RunOptions): Promise<RunResult>;
  /** Not needed after all: kill it without a word. */
  discard(): void;
}

export function prepareCommand(argv: readonly string[], env: Record<string, string> | undefined, cwd?: string): PreparedCommand {
  const spawned = spawnChild(argv, env, 'pipe', cwd);
  const { child } = spawned;
  let used = false;
  const streams = [child.stdin, child.stdout, child.stderr] as Array<{ unref?: () => void; ref?: () => void } | null>;
  child.unref();
  for (const s of streams) s?.unref?.();
  child.stdin?.on('error', () => {}); // EPIPE when it died meanwhile: its exit says what happened
  return {
    get ready() {
      return !used && !spawned.closed && child.exitCode === null && child.signalCode === null;
    },
    start(input, options) {
      used = true;
      const started = performance.now();
      child.ref();
      for (const s of streams) s?.ref?.();
      track(child);
      const result = supervise(spawned, argv, options, started);
      child.stdin?.end(input);
      return result;
    },
    discard() {
      if (used) return;
      used = true;
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      signalGroup(child, 'SIGKILL');
    },
  };
}

interface Spawned {
  child: ChildProcess;
  /** set once it has exited and its output ended (or it could not be spawned) */
  closed: boolean;
  /** how it ended: exit code (127/126 when it could not be spawned) and signal */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>;
}

/**
 * Start `argv` through the exec helper, in a process group of its own
 * (`detached`) that the helper leads: signals to the group reach the command
 * and its children, and the helper kills the group if the daemon dies.
 */
function spawnChild(argv: readonly string[], env: Record<string, string> | undefined, stdin: 'ignore' | 'pipe', cwd?: string, byteArgs = false): Spawned {
  const child = spawn(execHelperPath(), helperArgs(argv, byteArgs), {
    env: env ? { ...process.env, ...env } : process.env,
    cwd,
    stdio: [stdin, 'pipe', 'pipe', ...childExtraStdio()],
    detached: true,
  });
  const spawned: Spawned = {
    child,
    closed: false,
    ended: new Promise((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code === 'ENOENT' ? 127 : 126, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    }),
  };
  void spawned.ended.then(() => (spawned.closed = true));
  return spawned;
}

/** Forward the output, enforce the timeout, and resolve with how it ended. */
function supervise(spawned: Spawned, argv: readonly string[], options: RunOptions, started: number): Promise<RunResult> {
  const { child } = spawned;
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  /** TERM to the group (rsync removes its temporary files on it), KILL after `graceMs` */
  const stop = (graceMs: number): void => {
    signalGroup(child, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  };
  const timer =
    options.timeoutMs > 0
      ? setLongTimeout(() => {
          timedOut = true;
          log.error(`${options.tag}: still running after ${options.timeoutMs / 1000} s (--timeout-sync): killing it`);
          stop(KILL_GRACE_MS);
        }, options.timeoutMs)
      : undefined;
  let stalled = false;
  // under the privileged helper our child only stands in, waiting: its program is not in our tree
  const stall = programsAreOurChildren() ? options.stall : undefined;
  const endWatch =
    stall && child.pid !== undefined
      ? watchStall(child.pid, stall.ms, (processes) => {
          stalled = true;
          log.warn(`${options.tag}: none of its processes ran or woke for ${stall.ms / 1000} s: taken as hung (rsync 3.2.7 can deadlock), stopping it (processes: ${processes})`);
          stop(STALL_KILL_GRACE_MS); // a deadlocked rsync still takes TERM
        })
      : undefined;
  // The C clsync leaves the handler its own stdout and stderr; so do we (whole lines, so they never
  // interleave with ours), except into syslog, where each line becomes a message tagged with the handler.
  const toSyslog = log.output === 'syslog';
  if (!toSyslog) keepStreamErrorsQuiet();
  forwardLines(child.stdout, (line) => (toSyslog ? log.notice(`${options.tag}: ${line}`) : process.stdout.write(line + '\n')));
  const routine = options.routine;
  forwardLines(child.stderr, (line) => {
    if (line.startsWith(HELPER_PREFIX)) log.error(`${options.tag}: ${line.slice(HELPER_PREFIX.length)}`);
    else if (routine?.test(line)) log.info(`${options.tag}: ${line}`);
    else if (toSyslog) log.warn(`${options.tag}: ${line}`);
    else process.stderr.write(line + '\n');
  });
  return spawned.ended.then(({ code, signal, error }) => {
    clearLongTimeout(timer);
    clearTimeout(killTimer);
    endWatch?.();
    if (error) {
      // spawn reports a missing working directory as the program's ENOENT
      const gone = error.code === 'ENOENT' && options.cwd !== undefined && !existsSync(options.cwd);
      log.error(`${options.tag}: cannot run "${argv[0]}": ${gone ? `its working directory, the watch dir ${options.cwd}, is gone` : error.message}`);
    }
    // a run taken as hung ends with the stall's code, whatever the signal that stopped it
    const ended = stalled ? { code: stall!.code, signal: null } : { code, signal };
    return { ...ended, timedOut, stalled, ms: performance.now() - started };
  });
}

let quietStreams = false;

/**
 * Handler output written to a stdout/stderr the reader closed (`clsync … | head`)
 * gives EPIPE; unhandled, that would end the daemon. The lines are lost, the
 * daemon goes on (its own messages then go nowhere either: nothing to report to).
 */
function keepStreamErrorsQuiet(): void {
  if (quietStreams) return;
  quietStreams = true;
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
}

function forwardLines(stream: NodeJS.ReadableStream | null, sink: (line: string) => void): void {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', sink);
}
