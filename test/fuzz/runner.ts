/**
 * The differential runner: the real `clsync` mirrors a tree while seeded
 * random activity happens in it; then source and destination must be equal.
 *
 * Many seeds share one daemon (starting one costs ~0.3 s): each seed works
 * in its own subdirectory `src/s<seed>/` of the watch dir, with
 * `out/s<seed>/` (a sibling of the watch dir, same file system) as the
 * outside for moves in and out. After a seed's operations the runner polls
 * until that subtree is equal at the destination. A seed that does not
 * converge is run again alone on a fresh daemon (to confirm it), then its
 * operation log is shrunk (trials again share one daemon, one subdirectory
 * each) and printed as a bash script and as JSON for `soak.js --replay`.
 *
 * The hostile writer's symlinks point at a canary tree beside the source
 * and the destination (and are planted in the daemon's `-L` lists
 * directory): the canary is hashed before and after every seed, and any
 * change fails the seed (kind 'canary'), whatever the trees say.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { giveToDaemon, startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { compareTrees, compareTreesDetailed, type DiffKind } from '../helpers/compare.js';
import { waitFor } from '../helpers/tree.js';
import { applyOps, opsToJson, opsToShellScript, type Op, type Roots } from './ops.js';
import { generateOps, type Activity } from './generator.js';
import { shrinkList } from './shrink.js';
import { canaryDamage, canaryState, makeCanary } from './canary.js';

/** The daemon's command line: the seed line of the issue, delays off, and a lists dir the hostile writer plants symlinks in. */
export function daemonArgs(src: string, dst: string, lists: string): string[] {
  // CLSYNC_FUZZ_DAEMON_LOG=DIR: the daemon logs each run (-d2, or -d$CLSYNC_FUZZ_DEBUG), and a failed trial's log is kept in DIR
  const debug = process.env.CLSYNC_FUZZ_DAEMON_LOG ? [`-d${process.env.CLSYNC_FUZZ_DEBUG ?? '2'}`, '-U'] : [];
  // --timeout-stall=2: a hung rsync (3.2.7 deadlocks now and then) is run again well within the settle time;
  // CLSYNC_FUZZ_STALL=1 makes more runs be taken as hung (what a stopped run leaves is then tried more often)
  const stall = process.env.CLSYNC_FUZZ_STALL ?? '2';
  return ['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--timeout-stall=${stall}`, `-L${lists}`, ...debug];
}

/**
 * Where the runs' directories go: tmpfs when there is one, so the harness
 * measures the daemon rather than a disk others share (CLSYNC_FUZZ_TMP overrides).
 */
const FUZZ_TMP = process.env.CLSYNC_FUZZ_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

function tempDirIn(parent: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(parent, 'clsync-fuzz-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true, maxRetries: 5 }) };
}

/** Our default rsync arguments carry -H: hard-link groups must survive. */
const COMPARE_HARD_LINKS = true;

/** Outcome of one log applied against a running daemon. */
export interface TrialResult {
  /** differences left after the settle timeout ([] = converged) */
  diffs: string[];
  /** the kinds of those differences; 'exited' when the daemon died */
  kinds: Set<FailureKind>;
  /** operations that failed when applied (a generated log should have none) */
  failedOps: Array<{ index: number; code: string }>;
  /** ms from the last operation to equality (or to giving up) */
  settleMs: number;
}

/** What went wrong in a trial: a kind of tree difference, or the daemon exited. */
export type FailureKind = DiffKind | 'exited' | 'canary';

/**
 * The failure a shrunk log must keep showing, so shrinking does not drift to
 * another (e.g. a known) bug: the most severe kind of the original.
 */
const SEVERITY: readonly FailureKind[] = ['canary', 'exited', 'missing', 'extra', 'type', 'content', 'target', 'mode', 'linkgroup'];

/** The most severe kind in a set. */
export function primaryKind(kinds: ReadonlySet<FailureKind>): FailureKind | undefined {
  return SEVERITY.find((k) => kinds.has(k));
}

/** One clsync daemon on fresh src/dst/out directories. */
export class FuzzSession {
  private constructor(
    readonly base: { path: string; remove: () => void },
    readonly run: ClsyncRun,
    private exitedEarly: boolean,
  ) {}

  get src(): string {
    return join(this.base.path, 'src');
  }
  get dst(): string {
    return join(this.base.path, 'dst');
  }
  get out(): string {
    return join(this.base.path, 'out');
  }
  get scratch(): string {
    return join(this.base.path, 'scratch');
  }
  /** outside source and destination: nothing may change in it */
  get canary(): string {
    return join(this.base.path, 'canary');
  }
  /** the daemon's -L */
  get lists(): string {
    return join(this.base.path, 'lists');
  }

  /** Start a daemon on new directories; resolves after its initial sync. */
  static async start(): Promise<FuzzSession> {
    const base = tempDirIn(FUZZ_TMP);
    for (const d of ['src', 'dst', 'out', 'scratch']) mkdirSync(join(base.path, d));
    makeCanary(join(base.path, 'canary'));
    mkdirSync(join(base.path, 'lists'), { mode: 0o700 });
    chmodSync(join(base.path, 'lists'), 0o700);
    giveToDaemon(join(base.path, 'lists'));
    const run = startClsync(daemonArgs(join(base.path, 'src'), join(base.path, 'dst'), join(base.path, 'lists')));
    const session = new FuzzSession(base, run, false);
    void run.exited.then(() => (session.exitedEarly = true));
    const ready = await waitFor(() => /initial sync done/.test(run.output()) || session.exitedEarly, 15_000, 20);
    if (!ready || session.exitedEarly) {
      await session.stop();
      throw new Error(`clsync did not start:\n${run.output()}`);
    }
    return session;
  }

  /** the canary was damaged: the session takes no more seeds */
  private retired = false;

  /** The daemon is still running (and the session still usable). */
  get alive(): boolean {
    return !this.exitedEarly && !this.retired;
  }

  /** The last lines of the daemon's output. */
  logTail(lines = 30): string {
    return this.run.output().split('\n').slice(-lines).join('\n');
  }

  /** Apply `ops` in subdirectory `name` (of src and out), then wait up to `settleMs` for equality. */
  async trial(name: string, ops: readonly Op[], settleMs: number): Promise<TrialResult> {
    const roots: Roots = {
      tree: Buffer.from(join(this.src, name)),
      outside: Buffer.from(join(this.out, name)),
      scratch: Buffer.from(this.scratch),
      canary: Buffer.from(this.canary),
      destinationParent: Buffer.from(this.base.path),
      lists: Buffer.from(this.lists),
    };
    mkdirSync(roots.tree);
    mkdirSync(roots.outside);
    const canaryBefore = canaryState(this.canary, this.base.path);
    const { failed } = await applyOps(roots, ops);
    const started = Date.now();
    const dstTree = join(this.dst, name);
    let found: ReturnType<typeof compareTreesDetailed> = [];
    await waitFor(
      () => {
        found = compareTreesDetailed(roots.tree, dstTree, { hardLinks: COMPARE_HARD_LINKS });
        return found.length === 0 || !this.alive;
      },
      settleMs,
      40,
    );
    const settled = Date.now() - started;
    const diffs = found.map((d) => d.text);
    const kinds = new Set<FailureKind>(found.map((d) => d.kind));
    const damage = canaryDamage(canaryBefore, canaryState(this.canary, this.base.path));
    if (damage.length > 0) {
      diffs.unshift(`CANARY CHANGED (a write outside source and destination, through a symlink): ${damage.slice(0, 10).join('; ')}`);
      kinds.add('canary');
      // the next seeds need an intact canary, and the session's own directories may have moved: a fresh daemon
      makeCanary(this.canary);
      this.retired = true;
    }
    if (this.exitedEarly) {
      diffs.push(`clsync exited:\n${this.logTail()}`);
      kinds.add('exited');
    }
    const keep = process.env.CLSYNC_FUZZ_DAEMON_LOG;
    if (keep && diffs.length > 0) {
      // with the lists the daemon kept (-U), NULs shown as " | "
      mkdirSync(keep, { recursive: true });
      const lists = readdirSync(this.lists).sort().map((f) => `${f}: ${readFileSync(join(this.lists, f), 'latin1').split('\0').join(' | ')}`);
      writeFileSync(
        join(keep, `${name}-${Date.now()}.log`),
        `${diffs.join('\n')}\n--- processes\n${processTree(this.run.child.pid)}\n---\n${this.run.output()}\n--- lists\n${lists.join('\n')}\n`,
      );
    }
    return { diffs, kinds, failedOps: failed, settleMs: settled };
  }

  /** The daemon's log lines of rsync runs it killed as hung and ran again (--timeout-stall). */
  hungRuns(): string[] {
    return this.run.output().split('\n').filter((line) => line.includes('taken as hung'));
  }

  /** The whole trees, compared once more (catches late damage to subtrees already checked). */
  async finalCompare(settleMs: number): Promise<string[]> {
    let diffs: string[] = [];
    await waitFor(() => (diffs = compareTrees(this.src, this.dst, { hardLinks: COMPARE_HARD_LINKS })).length === 0, settleMs, 100);
    return diffs;
  }

  /** Stop the daemon (SIGTERM, then SIGKILL) and remove the directories. */
  async stop(): Promise<void> {
    this.run.child.kill('SIGTERM');
    const timer = setTimeout(() => this.run.child.kill('SIGKILL'), 5000);
    await this.run.exited;
    clearTimeout(timer);
    this.base.remove();
  }
}

/** Options of a fuzz run. */
export interface FuzzOptions {
  /** the seeds to run, in order */
  seeds: readonly number[];
  /** activities per seed */
  activities?: number;
  /** seeds per daemon start */
  batchSize?: number;
  /** how long a seed may take to converge after its last operation */
  settleMs?: number;
  /** stop starting new seeds after this long (ms) */
  timeBudgetMs?: number;
  /** activities not to generate */
  without?: readonly Activity[];
  /** only plain names */
  plainNames?: boolean;
  /** shrink at most this many failing seeds (0: report seeds only) */
  shrinkFailures?: number;
  /** time budget of one shrink (ms) */
  shrinkBudgetMs?: number;
  /** progress and failure reports */
  log?: (line: string) => void;
}

/** A seed whose destination did not match its source. */
export interface SeedFailure {
  seed: number;
  diffs: string[];
  /** failed again when run alone on a fresh daemon */
  confirmed: boolean;
  /** the shortest log found that still fails (the full log when not shrunk) */
  ops: Op[];
  shrunk: boolean;
  /** the failure report as printed */
  report: string;
  /** the kinds of differences the seed showed in the run */
  kinds?: FailureKind[];
}

/** Summary of a fuzz run. */
export interface FuzzReport {
  seedsRun: number;
  opsRun: number;
  failures: SeedFailure[];
  /** generated operations that failed to apply (generator model bugs) */
  invalidOps: number;
  /** differences found by the whole-tree comparison at the end of a batch */
  batchDiffs: string[];
  ms: number;
  /** slowest convergence after a seed's last operation */
  maxSettleMs: number;
  /** rsync runs killed as hung and run again (FuzzSession.hungRuns) */
  hungRuns: number;
}

/** Run the seeds; never throws for differences (they are in the report). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const activities = options.activities ?? 40;
  const batchSize = options.batchSize ?? 50;
  const settleMs = options.settleMs ?? 5000;
  const budget = options.timeBudgetMs ?? Infinity;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const report: FuzzReport = { seedsRun: 0, opsRun: 0, failures: [], invalidOps: 0, batchDiffs: [], ms: 0, maxSettleMs: 0, hungRuns: 0 };
  const failing: Array<{ seed: number; diffs: string[]; kinds: Set<FailureKind>; ops: Op[] }> = [];
  const gen = (seed: number): Op[] =>
    generateOps(seed, { activities, without: options.without, plainNames: options.plainNames });

  /**
   * A session's last look: the whole trees compared once more (differences not of a failing seed are
   * late damage), and the runs its daemon took as hung, counted and shown with what they waited on.
   */
  const closeOut = async (ended: FuzzSession, when: string): Promise<void> => {
    const diffs = ended.alive ? await ended.finalCompare(settleMs) : [];
    const late = diffs.filter((d) => !failing.some((f) => d.includes(`"s${f.seed}/`) || d.includes(`"s${f.seed}"`)));
    if (late.length > 0) {
      log(`whole-tree comparison ${when} found ${late.length} differences:\n${late.slice(0, 20).join('\n')}`);
      report.batchDiffs.push(...late);
    }
    const hung = ended.hungRuns();
    report.hungRuns += hung.length;
    for (const line of hung) log(`rsync run taken as hung: ${line}`);
  };
  let session: FuzzSession | null = null;
  let inBatch = 0;
  try {
    for (const seed of options.seeds) {
      if (Date.now() - started > budget) {
        log(`time budget reached after ${report.seedsRun} seeds`);
        break;
      }
      if (!session || !session.alive || inBatch >= batchSize) {
        if (session) {
          await closeOut(session, 'at the end of a batch');
          await session.stop();
        }
        session = await FuzzSession.start();
        inBatch = 0;
      }
      inBatch++;
      const ops = gen(seed);
      const result = await session.trial(`s${seed}`, ops, settleMs);
      report.seedsRun++;
      report.opsRun += ops.length;
      report.maxSettleMs = Math.max(report.maxSettleMs, result.settleMs);
      if (result.failedOps.length > 0) {
        report.invalidOps += result.failedOps.length;
        log(`seed ${seed}: generator bug, ops failed to apply: ${JSON.stringify(result.failedOps.slice(0, 5))}`);
      }
      if (result.diffs.length > 0) {
        log(`seed ${seed}: ${result.kinds.has('exited') ? 'clsync EXITED; ' : ''}${result.diffs.length} differences after ${result.settleMs} ms (first: ${result.diffs[0]})`);
        failing.push({ seed, diffs: result.diffs, kinds: result.kinds, ops });
      }
    }
    if (session) await closeOut(session, 'at the end');
  } finally {
    await session?.stop();
  }

  let shrinkLeft = options.shrinkFailures ?? 3;
  for (const f of failing) {
    const failure = await investigate(f.seed, f.ops, f.diffs, f.kinds, {
      settleMs,
      shrink: shrinkLeft > 0,
      shrinkBudgetMs: options.shrinkBudgetMs ?? 120_000,
      log,
    });
    if (failure.shrunk) shrinkLeft--;
    report.failures.push({ ...failure, kinds: [...f.kinds] });
    log(failure.report);
  }
  report.ms = Date.now() - started;
  return report;
}

/** Runs of a failing log alone on a fresh daemon before it counts as not reproducible. */
const CONFIRM_ATTEMPTS = 3;

/** Confirm a failing seed alone on a fresh daemon, shrink its log, and write the report. */
export async function investigate(
  seed: number,
  ops: Op[],
  diffs: string[],
  kinds: ReadonlySet<FailureKind>,
  options: { settleMs: number; shrink: boolean; shrinkBudgetMs: number; log: (line: string) => void },
): Promise<SeedFailure> {
  const primary = primaryKind(kinds);
  // Races do not fire every time: a few tries alone before calling it timing-dependent.
  let alone = await runAlone(ops, options.settleMs);
  for (let attempt = 1; attempt < CONFIRM_ATTEMPTS && !(primary && alone.kinds.has(primary)); attempt++) {
    alone = await runAlone(ops, options.settleMs);
  }
  const confirmed = primary !== undefined && alone.kinds.has(primary);
  let minimal = ops;
  let shrunk = false;
  let trials = 0;
  if (confirmed && options.shrink) {
    options.log(`seed ${seed}: confirmed alone; shrinking ${ops.length} ops keeping a "${primary}" failure`);
    const shrinkSettle = Math.min(options.settleMs, 2500);
    let session = await FuzzSession.start();
    let n = 0;
    try {
      const result = await shrinkList(
        ops,
        async (candidate) => {
          if (!session.alive || n % 100 === 99) {
            await session.stop();
            session = await FuzzSession.start();
          }
          const r = await session.trial(`t${n++}`, candidate, shrinkSettle);
          return r.kinds.has(primary!);
        },
        { maxTrials: 400, timeBudgetMs: options.shrinkBudgetMs },
      );
      minimal = result.items;
      trials = result.trials;
      shrunk = true;
    } finally {
      await session.stop();
    }
  }
  let minimalDiffs = alone.diffs;
  let minimalFailed: TrialResult['failedOps'] = [];
  if (shrunk) {
    for (let attempt = 0; attempt < CONFIRM_ATTEMPTS; attempt++) {
      const again = await runAlone(minimal, options.settleMs);
      minimalDiffs = again.diffs;
      minimalFailed = again.failedOps;
      if (primary && again.kinds.has(primary)) break;
    }
  }
  const lines = [
    `==== clsync differential failure: seed ${seed} (${primary}) ====`,
    confirmed
      ? `reproduced alone on a fresh daemon` + (shrunk ? `; shrunk ${ops.length} → ${minimal.length} ops in ${trials} trials` : '')
      : `NOT reproduced alone on a fresh daemon (timing-dependent); full log below`,
    minimalDiffs.length > 0
      ? `differences (${shrunk ? 'minimal log, run alone' : 'run alone'}):`
      : `differences (first run; the ${shrunk ? 'minimal log' : 'log'} converged when run alone again: timing-dependent):`,
    ...(minimalDiffs.length > 0 ? minimalDiffs : diffs).slice(0, 15).map((d) => '  ' + d),
    ...(minimalFailed.length > 0 ? [`ops that failed to apply in the minimal log (harmless no-ops): ${minimalFailed.map((f) => `#${f.index + 1} ${f.code}`).join(', ')}`] : []),
    `replay: node dist/test/fuzz/soak.js --seed ${seed}   (or save the JSON below and use --replay FILE)`,
    '--- bash ---',
    opsToShellScript(minimal),
    '--- json ---',
    opsToJson(minimal),
    `==== end of seed ${seed} ====`,
  ];
  return { seed, diffs, confirmed, ops: minimal, shrunk, report: lines.join('\n') };
}

/** Run one log on a fresh daemon of its own. */
export async function runAlone(ops: readonly Op[], settleMs: number): Promise<TrialResult & { log: string }> {
  const session = await FuzzSession.start();
  try {
    const r = await session.trial('alone', ops, settleMs);
    return { ...r, log: session.logTail() };
  } finally {
    await session.stop();
  }
}

/** The daemon and its descendants with state and CPU time, to tell a daemon that hangs from one that spins or waits on rsync. */
function processTree(root: number | undefined): string {
  if (root === undefined) return '(no pid)';
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,etime=,time=,wchan:20=,args='], { encoding: 'utf8' }).split('\n');
  const inTree = new Set([root]);
  const picked: string[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      const [pid, ppid] = row.trim().split(/\s+/).map(Number);
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  for (const row of rows) if (inTree.has(Number(row.trim().split(/\s+/)[0]))) picked.push(row);
  return picked.join('\n');
}
