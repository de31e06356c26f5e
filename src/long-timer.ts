/**
 * Timers of any length. Node's setTimeout takes at most 2^31-1 ms (24.8
 * days): a longer delay fires after 1 ms with a TimeoutOverflowWarning. The
 * delays and timeouts users give in seconds go up to 2^32-1 s (136 years,
 * the C clsync's range, enforced by the option table), so they run as a
 * chain of maximal timers towards one deadline on the monotonic clock.
 */

/** The longest delay setTimeout honours. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A pending long timer. */
export interface LongTimer {
  /** Stop it; calling it again, or after it fired, does nothing. */
  cancel(): void;
}

/**
 * Call `fn` once after `ms` milliseconds, however large (Infinity = never).
 * Like setTimeout, a pending timer keeps the process alive.
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const deadline = performance.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = deadline - performance.now();
    if (left === Infinity) return;
    if (left > MAX_TIMEOUT_MS) timer = setTimeout(arm, MAX_TIMEOUT_MS);
    else timer = setTimeout(fn, Math.max(0, left));
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

/** Cancel a long timer that may not be set. */
export function clearLongTimeout(timer: LongTimer | undefined): void {
  timer?.cancel();
}

/** Resolve after `ms` milliseconds, however large. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setLongTimeout(resolve, ms));
}
