/**
 * Delta debugging over an operation log (Zeller's ddmin, complement-only):
 * drop chunks of the log while the failure stays, halving the chunk size
 * when nothing can be dropped, then try dropping single operations. The
 * predicate runs the real daemon, so the number of trials is bounded.
 */

/** Limits of one shrink. */
export interface ShrinkLimits {
  /** most predicate runs */
  maxTrials: number;
  /** stop after this many ms (the best log so far is returned) */
  timeBudgetMs: number;
}

/** Result of a shrink: the smallest failing log found and how many trials it took. */
export interface ShrinkResult<T> {
  items: T[];
  trials: number;
  /** the limits cut the search short (the log may not be 1-minimal) */
  exhausted: boolean;
}

/** Shrink `items` keeping `fails(items)` true. `items` itself is assumed to fail. */
export async function shrinkList<T>(
  items: readonly T[],
  fails: (candidate: T[]) => Promise<boolean>,
  limits: ShrinkLimits,
): Promise<ShrinkResult<T>> {
  const deadline = Date.now() + limits.timeBudgetMs;
  let trials = 0;
  const outOfBudget = (): boolean => trials >= limits.maxTrials || Date.now() > deadline;
  const test = async (candidate: T[]): Promise<boolean> => {
    trials++;
    return fails(candidate);
  };

  let current = [...items];
  let granularity = 2;
  while (current.length >= 2 && !outOfBudget()) {
    const chunk = Math.ceil(current.length / granularity);
    let reduced = false;
    for (let start = 0; start < current.length && !outOfBudget(); start += chunk) {
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      if (candidate.length > 0 && (await test(candidate))) {
        current = candidate;
        granularity = Math.max(granularity - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunk <= 1) break;
      granularity = Math.min(granularity * 2, current.length);
    }
  }
  // One pass of single removals from the end (later ops depend on earlier ones, so this order cuts most).
  for (let i = current.length - 1; i >= 0 && current.length > 1 && !outOfBudget(); i--) {
    const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
    if (await test(candidate)) current = candidate;
  }
  return { items: current, trials, exhausted: outOfBudget() };
}
