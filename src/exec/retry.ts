import { log } from '../log.js';
import { runCommand, type RunOptions, type RunResult } from './run.js';
import { sleep } from '../long-timer.js';

/** What counts as success and how often to try (SPEC §6 "Execution"). */
export interface RetryPolicy {
  /** tries in all; 0 = until it succeeds (`-r/--retries`) */
  retries: number;
  /** wait between tries, ms (`-w/--delay-sync`) */
  delayMs: number;
  /** exit codes that count as success besides 0 (`-x`, plus 24 for rsyncdirect) */
  okCodes: ReadonlySet<number>;
  /** stop retrying early, e.g. when the daemon is terminating */
  aborted: () => boolean;
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
 * Run a command until it succeeds or the tries run out. Each failed try is
 * logged with what happens next, so the log tells what will be retried.
 * `firstTry`, when given, runs the first try instead (a prepared command);
 * the later tries run `argv`.
 */
export async function runWithRetries(
  argv: readonly string[],
  options: RunOptions,
  policy: RetryPolicy,
  firstTry?: () => Promise<RunResult>,
): Promise<TriesResult> {
  for (let tries = 1; ; tries++) {
    const result = await (tries === 1 && firstTry ? firstTry() : runCommand(argv, options));
    const ok = result.code !== null && !result.timedOut && (result.code === 0 || policy.okCodes.has(result.code));
    if (ok) return { ...result, ok, tries };
    const last = policy.retries !== 0 && tries >= policy.retries;
    if (last || policy.aborted()) {
      return { ...result, ok: false, tries };
    }
    log.warn(
      `${options.tag}: ${describeEnd(result)} (try ${tries}${policy.retries ? ` of ${policy.retries}` : ''}); ` +
        `retrying in ${policy.delayMs / 1000} s`,
    );
    await sleep(policy.delayMs);
    if (policy.aborted()) return { ...result, ok: false, tries };
  }
}
