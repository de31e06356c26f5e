import type { Change } from '../queue/index.js';
import { ancestorIn, type ExcludedObject } from '../rsync/index.js';

/**
 * The excluded objects rsync could reach in this batch: those below a
 * recursive entry (a new or moved-in directory is sent with its content).
 */
export function excludedUnder(changes: readonly Change[], excluded: readonly ExcludedObject[]): ExcludedObject[] {
  if (excluded.length === 0) return [];
  const roots = new Set<string>();
  for (const c of changes) if (c.recursive) roots.add(c.path);
  if (roots.size === 0) return [];
  if (roots.has('')) return [...excluded];
  return excluded.filter((e) => ancestorIn(e.path, roots) !== undefined);
}
