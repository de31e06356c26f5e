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

/**
 * One alarm: fires at a time (ms since the epoch), at once when that time
 * has come (setImmediate: a 0 ms timer waits at least 1 ms), never once
 * cancelled. Setting it again replaces the time set before.
 */
export class Alarm {
  private timer: LongTimer | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly fire: () => void) {}

  at(time: number): void {
    this.cancel();
    const delay = time - Date.now();
    if (delay <= 0) this.immediate = setImmediate(this.fire);
    else this.timer = setLongTimeout(this.fire, delay);
  }

  cancel(): void {
    clearLongTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
