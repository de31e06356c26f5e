import { log } from '../log.js';
import { runCommand, type RunOptions, type RunResult } from './run.js';
import { sleep } from '../long-timer.js';

/** How often to try and how long to wait between tries (`-r`, `-w`). */
export interface TriesPolicy {
  /** tries in all; 0 = until it succeeds (`-r/--retries`) */
  retries: number;
  /** wait between tries, ms (`-w/--delay-sync`) */
  delayMs: number;
  /** stop retrying early, e.g. when the daemon is terminating */
  aborted: () => boolean;
}

/** What counts as success and how often to try (SPEC §6 "Execution"). */
export interface RetryPolicy extends TriesPolicy {
  /** exit codes that count as success besides 0 (`-x`, plus 24 for rsyncdirect) */
  okCodes: ReadonlySet<number>;
}

/** The final outcome after all tries. */
export interface TriesResult extends RunResult {
  ok: boolean;
  tries: number;
}

/** Describe how a run ended, for the log and error messages. */
export function describeEnd(r: RunResult): string {
  if (r.timedOut) return `timed out after ${Math.round(r.ms)} ms`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.code}`;
}

/**
 * The retry loop every kind of handler shares (programs: runWithRetries;
 * module calls: callWithRetries): try until `ok`, the tries run out, or the
 * daemon ends. Each failed try is logged with what happens next, so the log
 * tells what will be retried.
 */
export async function retryLoop<R>(
  attempt: (tries: number) => Promise<R>,
  ok: (result: R) => boolean,
  describe: (result: R) => string,
  tag: string,
  policy: TriesPolicy,
): Promise<{ result: R; ok: boolean; tries: number }> {
  for (let tries = 1; ; tries++) {
    const result = await attempt(tries);
    if (ok(result)) return { result, ok: true, tries };
    const last = policy.retries !== 0 && tries >= policy.retries;
    if (last || policy.aborted()) return { result, ok: false, tries };
    log.warn(
      `${tag}: ${describe(result)} (try ${tries}${policy.retries ? ` of ${policy.retries}` : ''}); ` +
        `retrying in ${policy.delayMs / 1000} s`,
    );
    await sleep(policy.delayMs);
    if (policy.aborted()) return { result, ok: false, tries };
  }
}

/** Runs again of a run killed as hung before it counts as a failed try. */
const STALL_RERUNS = 3;

/**
 * Run a command until it succeeds or the tries run out (see retryLoop).
 * `firstTry`, when given, runs the first try instead (a prepared command);
 * the later tries run `argv`.
 */
export async function runWithRetries(
  argv: readonly string[],
  options: RunOptions,
  policy: RetryPolicy,
  firstTry?: () => Promise<RunResult>,
): Promise<TriesResult> {
  // A run killed as hung (RunOptions.stall) is run again at once, without counting as a try: the
  // hang is rsync's, not a failure of the sync, and -r is 1 by default.
  const attempt = async (tries: number): Promise<RunResult> => {
    let result = await (tries === 1 && firstTry ? firstTry() : runCommand(argv, options));
    for (let again = 1; result.stalled && again <= STALL_RERUNS && !policy.aborted(); again++) {
      log.warn(`${options.tag}: running it again (${again} of ${STALL_RERUNS} after a hang)`);
      result = await runCommand(argv, options);
    }
    return result;
  };
  const { result, ok, tries } = await retryLoop(
    attempt,
    (r) => r.code !== null && !r.timedOut && (r.code === 0 || policy.okCodes.has(r.code)),
    describeEnd,
    options.tag,
    policy,
  );
  return { ...result, ok, tries };
}
