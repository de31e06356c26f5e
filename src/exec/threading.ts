/**
 * The threading policy of `-p/--threading` (SPEC §6): how many released
 * batches may run their handler at once.
 *
 * - `off`: one at a time (the daemon takes the next batch after the last ended);
 * - `full`: in parallel, up to THREADING_LIMIT at once;
 * - `safe`: in parallel, but never two batches that name one path, or a path
 *   and one of its ancestors, at once (PathGuard): such a batch waits until
 *   the runs it overlaps have ended.
 *
 * At most one batch waits: while it does, the daemon takes nothing more from
 * the queue, where later events keep merging per path (bounded memory, and
 * a later batch can never overtake an earlier one about the same paths).
 */
import { availableParallelism } from 'node:os';
import type { RelPath } from '../types.js';
import type { Change } from '../queue/index.js';
import { log } from '../log.js';

export type ThreadingMode = 'off' | 'safe' | 'full';

/**
 * Most handler runs at once with `-p safe|full`. The C clsync starts one
 * thread per sync without a bound; handler runs are processes (rsync, a
 * script) that mostly wait on disks or the network, so a few per core keep
 * the machine busy without letting a burst fork hundreds.
 */
export const THREADING_LIMIT = Math.max(1, availableParallelism()) * 4;

/**
 * -p as the handler allows it: a mode that keeps state from one run to the
 * next (SyncHandler.concurrent false) runs one sync at a time, said once.
 */
export function threadingFor(wanted: ThreadingMode, handler: { readonly concurrent?: boolean }, mode: string): ThreadingMode {
  if (wanted === 'off' || handler.concurrent) return wanted;
  log.notice(`-p ${wanted} is ignored: --mode=${mode} with these arguments runs one sync at a time`);
  return 'off';
}

/** The paths a batch touches at the destination, for -p safe: each change's path and the other name of a rename or exchange. */
export function batchPaths(changes: readonly Change[]): RelPath[] {
  const paths: RelPath[] = [];
  for (const c of changes) {
    paths.push(c.path);
    if (c.movedFrom !== undefined) paths.push(c.movedFrom);
    if (c.exchangedWith !== undefined) paths.push(c.exchangedWith);
  }
  return paths;
}

/** `a` and `b` are the same path or one is an ancestor of the other ('' is everyone's). */
export function pathsOverlap(a: RelPath, b: RelPath): boolean {
  if (a === b || a === '' || b === '') return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && long.charCodeAt(short.length) === 0x2f; // '/'
}

/**
 * The paths held by running batches, for `-p safe`. A path is blocked when
 * a running batch holds it, one of its ancestors, or one of its
 * descendants; checks are O(depth) per path (held paths and, counted, all
 * their ancestors).
 */
export class PathGuard {
  /** held path → number of running batches holding it */
  private readonly held = new Map<RelPath, number>();
  /** proper ancestors of held paths → number of holds below them */
  private readonly above = new Map<RelPath, number>();

  /** No running batch holds any of `paths`, an ancestor or a descendant of one. */
  free(paths: Iterable<RelPath>): boolean {
    if (this.held.size === 0) return true;
    for (const p of paths) {
      if (this.held.has(p) || this.above.has(p) || this.held.has('')) return false;
      for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) if (this.held.has(p.slice(0, i))) return false;
    }
    return true;
  }

  /** Hold `paths` for a batch that starts. */
  hold(paths: Iterable<RelPath>): void {
    for (const p of paths) {
      bump(this.held, p, 1);
      forAncestors(p, (a) => bump(this.above, a, 1));
    }
  }

  /** Release what `hold(paths)` held. */
  release(paths: Iterable<RelPath>): void {
    for (const p of paths) {
      bump(this.held, p, -1);
      forAncestors(p, (a) => bump(this.above, a, -1));
    }
  }

  /** Nothing is held. */
  get empty(): boolean {
    return this.held.size === 0;
  }
}

/** The proper ancestors of `p`, '' (the watch dir) included for any non-root path. */
function forAncestors(p: RelPath, fn: (ancestor: RelPath) => void): void {
  if (p === '') return;
  fn('');
  for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) fn(p.slice(0, i));
}

function bump(map: Map<RelPath, number>, key: RelPath, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

/** One batch waiting for its turn. */
interface Waiting {
  paths: readonly RelPath[];
  run: () => Promise<void>;
  settle: { resolve: () => void; reject: (err: unknown) => void };
}

/**
 * Starts batches by the threading policy. `submit` starts a batch now or
 * keeps it as the one waiting batch; the daemon asks `accepting` before it
 * takes another batch from the queue.
 */
export class Dispatcher {
  private readonly guard = new PathGuard();
  private running = 0;
  private waiting: Waiting | null = null;
  private readonly limit: number;

  constructor(
    readonly mode: ThreadingMode,
    limit = THREADING_LIMIT,
  ) {
    this.limit = mode === 'off' ? 1 : limit;
  }

  /** Handler runs under way. */
  get active(): number {
    return this.running;
  }

  /** The daemon may take another batch: none waits, and the limit leaves room. */
  get accepting(): boolean {
    return this.waiting === null && this.running < this.limit;
  }

  /**
   * Run `run` for a batch about `paths` now, or when the policy lets it;
   * resolves or rejects as `run` does. Call only while `accepting`.
   */
  submit(paths: readonly RelPath[], run: () => Promise<void>): Promise<void> {
    if (!this.accepting) throw new Error('Dispatcher.submit: a batch already waits');
    return new Promise<void>((resolve, reject) => {
      const job: Waiting = { paths, run, settle: { resolve, reject } };
      if (this.mayStart(paths)) this.start(job);
      else this.waiting = job;
    });
  }

  private mayStart(paths: readonly RelPath[]): boolean {
    if (this.running >= this.limit) return false;
    return this.mode !== 'safe' || this.guard.free(paths);
  }

  private start(job: Waiting): void {
    this.running++;
    const guarded = this.mode === 'safe';
    if (guarded) this.guard.hold(job.paths);
    job
      .run()
      .finally(() => {
        this.running--;
        if (guarded) this.guard.release(job.paths);
        const next = this.waiting;
        if (next && this.mayStart(next.paths)) {
          this.waiting = null;
          this.start(next);
        }
      })
      .then(job.settle.resolve, job.settle.reject);
  }
}
