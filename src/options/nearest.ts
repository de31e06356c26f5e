/**
 * The option name nearest to a misspelt one (Levenshtein distance), for
 * messages about unknown config keys: `rules-path` → `rules-file`.
 */
import { OPTIONS, type OptionSpec } from './table.js';

/** Edit distance (insertions, deletions, substitutions) between two short words. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Keys of older clsync versions that are not near their successor by
 * spelling: `syslog = 1` (in clsync's own production example) is `-Y syslog` now.
 */
const RENAMED: Readonly<Record<string, string>> = { syslog: 'output = syslog' };

/**
 * The long name of the option (accepted in a config file) nearest to `key`,
 * or its successor's `key = value` for an old key; ties go to table order.
 */
export function nearestConfigKey(key: string): string {
  const renamed = RENAMED[key];
  if (renamed !== undefined) return renamed;
  let best = '';
  let bestDistance = Infinity;
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    if (spec.place === 'cli') continue;
    const d = editDistance(key, spec.long);
    if (d < bestDistance) {
      best = spec.long;
      bestDistance = d;
    }
  }
  return best;
}
