/**
 * `-b/--background`: Node cannot fork, so the command starts itself again
 * (same Node flags, same arguments) as a detached child — `detached: true`
 * makes it call setsid(), so it leads a new session with no controlling
 * terminal — with its standard streams on /dev/null and a pipe on fd 3.
 * The child says over that pipe when it has started (marking begun), or
 * why it could not; the parent waits for that, prints the reason if there
 * is one, and exits 0 only when the child runs. The child writes the pid
 * file (`-z`), so it names the daemon, not the parent that is gone.
 */
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';

/** Set in the environment of the detached child; removed again before anything else runs. */
const CHILD_MARKER = 'CLSYNC_BACKGROUND_CHILD';

/** The child's end of the readiness pipe. */
const READY_FD = 3;

/** First byte of the child's message: started, or failed with the text that follows. */
const READY = 'R';
const FAILED = 'E';

/** How long the parent waits for the rest of a failed child's message after its exit. */
const END_WAIT_MS = 1000;

let isChild = false;

/** Whether this process is the detached child of `-b` (call once, first: it clears the marker). */
export function takeBackgroundMarker(): boolean {
  if (process.env[CHILD_MARKER] === '1') {
    isChild = true;
    delete process.env[CHILD_MARKER]; // handlers and hooks must not inherit it
  }
  return isChild;
}

/** The environment and descriptor that keep the marker and the readiness pipe across the privilege relaunch (src/security/launch.ts). */
export function backgroundChildCarry(): { env: Record<string, string>; fds: number[] } {
  return isChild ? { env: { [CHILD_MARKER]: '1' }, fds: [READY_FD] } : { env: {}, fds: [] };
}

/**
 * In the parent: start the detached child and wait for its word. Never
 * returns: exits 0 once the child started, or with the child's exit code
 * (and its reason on stderr) when it failed first.
 */
export async function detach(argv: readonly string[]): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [CHILD_MARKER]: '1' },
  });
  let message = '';
  const pipe = child.stdio[READY_FD] as NodeJS.ReadableStream;
  pipe.setEncoding('utf8');
  pipe.on('data', (text: string) => {
    message += text;
    if (message.startsWith(READY)) {
      child.unref();
      process.exit(0);
    }
  });
  const code = await new Promise<number>((resolve) => {
    child.once('error', (err) => {
      message = `${FAILED}cannot start the background process: ${err.message}`;
      resolve(1);
    });
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  // it ended before it was ready: wait for the last of its message (a bounded wait: a handler it
  // started may hold the pipe open a little longer)
  await new Promise((resolve) => {
    if (!pipe.readable) return resolve(undefined);
    pipe.once('end', resolve);
    setTimeout(resolve, END_WAIT_MS).unref();
  });
  const reason = message.startsWith(FAILED) ? message.slice(1).trim() : `the background process ended with code ${code} before it started`;
  process.stderr.write(`clsync: ${reason}\n`);
  process.exit(code === 0 ? 1 : code);
}

/** In the child: tell the parent we run (marking has begun); the pipe is closed after. */
export function reportStarted(): void {
  if (!isChild) return;
  isChild = false;
  tell(READY);
}

/** In the child: tell the parent why we could not start (before reportStarted). */
export function reportFailure(reason: string): void {
  if (!isChild) return;
  isChild = false;
  tell(FAILED + reason);
}

function tell(text: string): void {
  try {
    writeSync(READY_FD, text);
    closeSync(READY_FD);
  } catch {
    // the parent is gone (killed): nobody to tell
  }
}
