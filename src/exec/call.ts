/**
 * Calls of a sync module's function (`--mode=so|rsyncso`) with the retry
 * policy of a handler program (retryLoop): a thrown error, a rejected
 * promise or a non-zero result (a shared object's int, unless `-x` lists
 * it) is a failed try; a call still running past `-k` is abandoned and
 * counts as failed (a function call cannot be killed as a process can).
 */
import { log } from '../log.js';
import { clearLongTimeout, setLongTimeout, type LongTimer } from '../long-timer.js';
import { retryLoop, type TriesPolicy } from './retry.js';

/** Retries, waits, ignored results and the timeout of module calls. */
export interface CallPolicy extends TriesPolicy {
  /** results that count as success besides 0 and undefined (`-x`) */
  okCodes: ReadonlySet<number>;
  /** abandon a call after this many ms (0 = never): `-k` */
  timeoutMs: number;
}

/** How one call ended. */
export interface CallResult {
  /** the function's int result (shared objects), or undefined */
  code?: number;
  /** what it threw or rejected with */
  error?: unknown;
  timedOut: boolean;
  ms: number;
}

/** The final outcome after all tries. */
export interface CallTriesResult extends CallResult {
  ok: boolean;
  tries: number;
}

/** Describe how a call ended, for the log and error messages. */
export function describeCall(r: CallResult): string {
  if (r.timedOut) return `timed out after ${Math.round(r.ms)} ms`;
  if (r.error !== undefined) return `threw ${r.error instanceof Error ? r.error.message : String(r.error)}`;
  return `returned ${r.code}`;
}

/** A call succeeded: it returned (nothing, 0 or a `-x` code) in time. */
export function callSucceeded(r: CallResult, okCodes: ReadonlySet<number>): boolean {
  return !r.timedOut && r.error === undefined && (r.code === undefined || r.code === 0 || okCodes.has(r.code));
}

/** One call, bounded by `timeoutMs`; `onTimeout` runs when it is abandoned. */
export async function callOnce(
  call: () => Promise<number | void>,
  tag: string,
  timeoutMs: number,
  onTimeout?: () => void,
): Promise<CallResult> {
  const started = performance.now();
  const ms = (): number => performance.now() - started;
  let timer: LongTimer | undefined;
  const timeout = new Promise<CallResult>((resolve) => {
    if (timeoutMs <= 0) return;
    timer = setLongTimeout(() => {
      log.error(`${tag}: still running after ${timeoutMs / 1000} s (--timeout-sync): abandoning the call`);
      onTimeout?.();
      resolve({ timedOut: true, ms: ms() });
    }, timeoutMs);
  });
  const done = (async (): Promise<CallResult> => {
    try {
      const code = await call();
      return { code: typeof code === 'number' ? code : undefined, timedOut: false, ms: ms() };
    } catch (error) {
      return { error: error ?? new Error('rejected without a reason'), timedOut: false, ms: ms() };
    }
  })();
  try {
    return await Promise.race([done, timeout]);
  } finally {
    if (timer) clearLongTimeout(timer);
  }
}

/** Call until it succeeds or the tries run out (see retryLoop). */
export async function callWithRetries(
  call: () => Promise<number | void>,
  tag: string,
  policy: CallPolicy,
  onTimeout?: () => void,
): Promise<CallTriesResult> {
  const { result, ok, tries } = await retryLoop(
    () => callOnce(call, tag, policy.timeoutMs, onTimeout),
    (r) => callSucceeded(r, policy.okCodes),
    describeCall,
    tag,
    policy,
  );
  return { ...result, ok, tries };
}
