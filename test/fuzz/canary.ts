/**
 * The canary: a small tree outside the source and the destination that the
 * hostile writer's symlinks point at (and symlinks planted in the lists
 * directory too). Nothing the daemon does may change it: it is hashed
 * before and after every seed, together with the names in the
 * destination's parent and in `/` (symlinks point there as well).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullSnapshot, diffSnapshotsDetailed, type FullSnapshot } from '../helpers/compare.js';

/** A directory of the canary with subdirectories named as the generator names some of its own (see generator.ts). */
export const CANARY_TRAP_DIR = 't';
export const CANARY_TRAP_NAMES = ['d0', 'd1', 'd2'] as const;
/** Files of the canary that symlinks point at. */
export const CANARY_FILES = ['file1', 'file2', 'sub/x'] as const;

/** Make (or make again) the canary tree at `dir`. */
export function makeCanary(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'sub'), { recursive: true });
  for (const f of CANARY_FILES) writeFileSync(join(dir, f), `canary ${f}\n`);
  for (const d of CANARY_TRAP_NAMES) {
    mkdirSync(join(dir, CANARY_TRAP_DIR, d, 'deep'), { recursive: true });
    writeFileSync(join(dir, CANARY_TRAP_DIR, d, 'f'), `canary ${d}\n`);
  }
}

/** What the canary check compares. */
export interface CanaryState {
  tree: FullSnapshot;
  /** names in the destination's parent */
  parent: string[];
  /** names in / */
  root: string[];
}

/** The canary's state now. */
export function canaryState(canary: string, destinationParent: string): CanaryState {
  return { tree: fullSnapshot(canary), parent: names(destinationParent), root: names('/') };
}

/** What changed in the canary between two states ([] when nothing did). */
export function canaryDamage(before: CanaryState, after: CanaryState): string[] {
  // the comparison speaks of a source and a destination: here they are the canary before and after
  const out = diffSnapshotsDetailed(before.tree, after.tree).map(
    (d) => `canary tree: ${d.text.replace('missing in destination', 'gone').replace('extra in destination', 'appeared').replace('source:', 'before:').replace('destination:', 'after:')}`,
  );
  for (const n of before.parent) if (!after.parent.includes(n)) out.push(`destination's parent: ${JSON.stringify(n)} is gone`);
  for (const n of after.parent) if (!before.parent.includes(n)) out.push(`destination's parent: ${JSON.stringify(n)} appeared`);
  // other processes may add names to /; one going away is what a rename through a symlink does
  for (const n of before.root) if (!after.root.includes(n)) out.push(`/: ${JSON.stringify(n)} is gone`);
  return out;
}

function names(dir: string): string[] {
  return readdirSync(dir, { encoding: 'buffer' }).map((n) => n.toString('latin1')).sort();
}
