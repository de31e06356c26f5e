/**
 * A run that neither runs nor wakes: rsync 3.2.7 (Debian 12's main
 * archive) sometimes deadlocks on a tree that changes under a `-r
 * --checksum --delete --files-from` run: its three processes wait in
 * poll() for each other for good (fuzz soak, 2 runs in 4,000 seeds), and
 * the lane waited until `-k` (a day by default). rsync's own `--timeout`
 * does not help: its keep-alives count as I/O.
 *
 * The watch reads /proc/PID/schedstat (CPU time and the number of times
 * scheduled; readable by any user) of the run's processes (the exec helper
 * and its descendants, from /proc/PID/task/PID/children). A process
 * waiting in poll() without a timeout is never scheduled; rsync without
 * `--timeout` wakes every 60 s, so the limit must stay below that. Any
 * change in any process restarts the clock. Where /proc does not tell
 * (no schedstat), the watch never fires. Under the privileged helper the
 * program is not in our tree (our child only stands in): run.ts does not
 * watch there.
 */
import { readFileSync } from 'node:fs';

/** How often the processes are looked at, at most (ms). */
const SAMPLE_MS = 1000;

/** `root` and its descendants, as far as /proc lists children. */
function processTree(root: number): number[] {
  const out: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    out.push(pid);
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const word of children.split(' ')) if (word !== '') pending.push(Number(word));
  }
  return out;
}

/** What changes whenever any process of the tree runs or wakes; undefined when /proc does not say. */
function activity(root: number): string | undefined {
  let signature = '';
  for (const pid of processTree(root)) {
    try {
      signature += `${pid}:${readFileSync(`/proc/${pid}/schedstat`, 'latin1').trim()};`;
    } catch {
      return undefined;
    }
  }
  return signature;
}

/**
 * What each process of the tree waits on, for the log line of a run taken as
 * hung: `pid name state wait-channel`, e.g. `812 rsync S poll_schedule_timeout.constprop.0`
 * (a deadlocked rsync 3.2.7: all three of its processes so).
 */
function describeTree(root: number): string {
  const described: string[] = [];
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 1)[0];
      let wchan = '';
      try {
        wchan = readFileSync(`/proc/${pid}/wchan`, 'latin1');
      } catch {
        // not readable here: the state alone
      }
      described.push(`${pid} ${name} ${state}${wchan && wchan !== '0' ? ` ${wchan}` : ''}`);
    } catch {
      described.push(`${pid} gone`);
    }
  }
  return described.join(', ');
}

/**
 * Call `onStall` once when no process of `root`'s tree has run or woken for
 * `stallMs`, with what each of them waits on. Returns the function that ends
 * the watch.
 */
export function watchStall(root: number, stallMs: number, onStall: (processes: string) => void): () => void {
  const every = Math.max(50, Math.min(SAMPLE_MS, stallMs / 4));
  let last = activity(root);
  let since = performance.now();
  let tick = since;
  const timer = setInterval(() => {
    const at = performance.now();
    // Our own event loop stood still (a long batch, or a log line blocked on a full pipe, which also
    // blocks rsync writing its messages to us): what the processes did meanwhile is not theirs to blame.
    const paused = at - tick > 2 * every;
    tick = at;
    const now = activity(root);
    if (paused || now === undefined || now !== last) {
      last = now;
      since = at;
      return;
    }
    if (at - since >= stallMs) {
      clearInterval(timer);
      onStall(describeTree(root));
    }
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
