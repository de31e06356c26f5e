/**
 * "Until the destination equals the source": an rsync dry run with
 * `--itemize-changes` that prints nothing means equal (names, types, sizes,
 * modes, owners, times, links; deletions too). A full compare walks both
 * trees, so it is gated by the cheap rsync-log pre-check: compare only when
 * no rsync run is in flight and the daemon has been quiet for a moment after
 * a run ended — or, as a safety net for a daemon that stopped short of
 * equal, after a back-off timer. Polls at most every 200 ms and never back to back, so the
 * checker cannot steal much of the daemon's CPU.
 */
import { spawn } from 'node:child_process';
import { RsyncLog } from './rsync-log.js';
import { sleep, wallNow } from './proc.js';

/** Result of comparing two trees. */
export interface TreeDiff {
  equal: boolean;
  /** Lines rsync itemized (differences). */
  differences: number;
  /** The first few of them, for the report. */
  sample: string[];
}

/** Compares `src` and `dst` with an rsync dry run. */
export function compareTrees(rsync: string, src: string, dst: string): Promise<TreeDiff> {
  return new Promise((resolve, reject) => {
    const child = spawn(rsync, ['-rlptgoDHn', '--delete', '--itemize-changes', `${src}/`, `${dst}/`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sample: string[] = [];
    let differences = 0;
    let partial = '';
    let stderr = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (!l) continue;
        differences++;
        if (sample.length < 5) sample.push(l);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial) differences++;
      // 24 = files vanished during the walk: the tree is still moving, not equal.
      if (code !== 0 && code !== 24) return reject(new Error(`rsync compare exited ${code}: ${stderr.trim()}`));
      resolve({ equal: differences === 0 && code === 0, differences, sample });
    });
  });
}

/** What waiting for equality found. */
export interface Convergence extends TreeDiff {
  /** ms from `fromMs` until the destination became equal (end of the last rsync run), or null. */
  wallMs: number | null;
  /** Wall-clock ms at which equality was established (for CPU readings). */
  atMs: number;
  /** Full compares made. */
  checks: number;
  /** Not equal, and the daemon stopped running rsync: it will not get there. */
  stalled: boolean;
}

/** Options of {@link waitEqual}. */
export interface WaitEqualOptions {
  rsync: string;
  src: string;
  dst: string;
  log: RsyncLog;
  /** Wall-clock ms the phase began. */
  fromMs: number;
  timeoutMs: number;
  /** Called right after equality is confirmed, before anything else runs. */
  onEqual?: () => void;
  /** Why waiting is pointless now (the daemon exited), or undefined. */
  gaveUp?: () => string | undefined;
}

const POLL_MS = 200;
/** A daemon with delays 0 starts its next run within a few ms of an event; 300 ms quiet means it is idle. */
const QUIET_MS = 300;
const MAX_BACKOFF_MS = 8000;
/**
 * A daemon with delays 0 that has not run rsync for this long while the
 * trees still differ (the same number of differences twice) has given up on
 * them: waiting for the timeout would only make the benchmark slower.
 */
const STALL_MS = 10_000;

/** Waits until `dst` equals `src`, or the timeout passes. */
export async function waitEqual(o: WaitEqualOptions): Promise<Convergence> {
  const deadline = o.fromMs + o.timeoutMs;
  let checks = 0;
  let runsAtLastCheck = -1;
  let lastCheckEnd = 0;
  let backoff = 1000;
  let last: TreeDiff = { equal: false, differences: -1, sample: [] };
  let previousDifferences = -2;
  for (;;) {
    await sleep(POLL_MS);
    o.log.poll();
    const now = wallNow();
    const timedOut = now > deadline || o.gaveUp?.() !== undefined;
    const idle = o.log.running === 0 && now - o.log.lastActivityMs >= QUIET_MS;
    // Every change to dst comes from an rsync run: before the first run of
    // the phase ended there is nothing worth a full compare.
    const ranInPhase = o.log.runs.length > 0 && o.log.runs[o.log.runs.length - 1].endMs >= o.fromMs;
    const newRun = o.log.runs.length !== runsAtLastCheck;
    const backoffDue = now - lastCheckEnd >= backoff;
    if (!timedOut && !(idle && ranInPhase && (newRun || backoffDue))) continue;
    if (!newRun) backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    runsAtLastCheck = o.log.runs.length;
    const startedBefore = o.log.started;
    const checkStart = wallNow();
    last = await compareTrees(o.rsync, o.src, o.dst);
    checks++;
    lastCheckEnd = wallNow();
    o.log.poll();
    // A run that started during the compare may have changed dst under it.
    const undisturbed = o.log.started === startedBefore && o.log.running === 0;
    if (last.equal && undisturbed) {
      o.onEqual?.();
      const lastEnd = o.log.runs.length ? o.log.runs[o.log.runs.length - 1].endMs : 0;
      const at = lastEnd >= o.fromMs ? lastEnd : checkStart;
      return { ...last, wallMs: at - o.fromMs, atMs: at, checks, stalled: false };
    }
    const stalled = undisturbed && last.differences === previousDifferences && wallNow() - o.log.lastActivityMs >= STALL_MS;
    previousDifferences = last.differences;
    if (timedOut || stalled) return { ...last, equal: false, wallMs: null, atMs: wallNow(), checks, stalled };
  }
}
