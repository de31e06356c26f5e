import type { ChildProcess } from 'node:child_process';

/**
 * Every child the daemon has running, so that INT/TERM can kill them all and
 * QUIT can wait for them. Children are put into their own process group
 * (`detached`) so a signal reaches a handler script's own children too.
 */
const running = new Set<ChildProcess>();

/** Track a child until it exits. */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
}

/** How many children are running now. */
export function runningCount(): number {
  return running.size;
}

/** Send `signal` to the process group of every running child. */
export function signalAll(signal: NodeJS.Signals): void {
  for (const child of running) signalGroup(child, signal);
}

/** Send a signal to a child's process group (falling back to the child itself). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Resolve once no child is running (used by QUIT: finish running handlers, then exit). */
export async function allExited(): Promise<void> {
  while (running.size > 0) {
    const [first] = running;
    await new Promise<void>((resolve) => {
      if (first.exitCode !== null || first.signalCode !== null) resolve();
      else first.once('exit', () => resolve());
    });
    running.delete(first);
  }
}

/**
 * Resolve once no child is running, or after `ms`: true when none is left.
 * At exit the daemon gives its TERMed children this long to clean up (rsync
 * removes its partial files) before its own end makes the exec helpers KILL
 * them.
 */
export async function allExitedWithin(ms: number): Promise<boolean> {
  if (running.size === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([allExited(), late]);
  clearTimeout(timer);
  return running.size === 0;
}
