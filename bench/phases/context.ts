/**
 * What every phase gets: the tool under test, its running daemon, the rsync
 * log, the model of the source tree and the seeded generators.
 */
import { spawnSync } from 'node:child_process';
import type { Daemon } from '../harness/daemon.js';
import type { RsyncLog } from '../harness/rsync-log.js';
import type { ContentSpec, TreeModel } from '../harness/tree-model.js';
import type { RunPaths, ToolName } from '../harness/tools.js';
import { waitEqual, type Convergence } from '../harness/converge.js';
import { readCpu, wallNow } from '../harness/proc.js';

/** Settings of one benchmark size. */
export interface BenchConfig {
  /** Files in the generated tree. */
  size: number;
  seed: number;
  /** Generated files are 0..maxFileBytes bytes. */
  maxFileBytes: number;
  burstFiles: number;
  idleMs: number;
  latencySamples: number;
  /** Multiplies every convergence timeout. */
  timeoutScale: number;
  rsync: string;
}

/** One tool's run through the phases. */
export interface PhaseContext {
  tool: ToolName;
  config: BenchConfig;
  paths: RunPaths;
  daemon: Daemon;
  log: RsyncLog;
  model: TreeModel;
  content: ContentSpec;
}

/** Figures of one phase: numbers (null when not measurable) and yes/no answers. */
export type Figures = Record<string, number | boolean | null>;

/** Daemon CPU (own threads, no children) in ms now; NaN once it is gone. */
export function daemonCpuMs(ctx: PhaseContext): number {
  return readCpu(ctx.daemon.pid)?.selfMs ?? NaN;
}

/**
 * Waits until dst equals src, reading the daemon's CPU the moment it is
 * confirmed; gives up early when the daemon exits.
 */
export async function converge(
  ctx: PhaseContext,
  fromMs: number,
  timeoutMs: number,
): Promise<Convergence & { cpuAtEqualMs: number }> {
  let cpuAtEqualMs = NaN;
  const result = await waitEqual({
    rsync: ctx.config.rsync,
    src: ctx.paths.src,
    dst: ctx.paths.dst,
    log: ctx.log,
    fromMs,
    timeoutMs: timeoutMs * ctx.config.timeoutScale,
    onEqual: () => (cpuAtEqualMs = daemonCpuMs(ctx)),
    gaveUp: () => ctx.daemon.exitStatus,
  });
  if (!result.equal) {
    cpuAtEqualMs = daemonCpuMs(ctx);
    const why = ctx.daemon.exitStatus
      ? `daemon exited (${ctx.daemon.exitStatus})`
      : result.stalled
        ? 'no rsync run for 10 s'
        : 'timeout';
    const what = result.differences > 0 ? `${result.differences} differences, e.g.:` : 'rsync still running';
    console.log(`    ${ctx.tool}: NOT equal (${why}); ${what}`);
    for (const l of result.sample) console.log(`      ${l}`);
    if (ctx.daemon.exitStatus) console.log(ctx.daemon.tail().replace(/^/gm, '      | '));
    // Only a daemon that stopped working can be repaired behind its back; one
    // still running rsync would race the repair (the run ends its phases).
    else if (result.stalled) repair(ctx);
  }
  return { ...result, cpuAtEqualMs };
}

/**
 * Copies what the daemon left out, outside its accounting, so the next phase
 * starts from an equal destination and measures only its own changes.
 */
function repair(ctx: PhaseContext): void {
  const r = spawnSync(ctx.config.rsync, ['-aH', '--delete', `${ctx.paths.src}/`, `${ctx.paths.dst}/`], { stdio: 'ignore' });
  console.log(`    ${ctx.tool}: destination repaired by the benchmark (rsync exit ${r.status}) before the next phase`);
}

/**
 * Seconds from `fromMs` to the end of the last rsync run since then: how long
 * the daemon kept working, available even when the trees never got equal.
 */
export function lastRunS(ctx: PhaseContext, fromMs: number): number | null {
  const runs = ctx.log.runs;
  const last = runs.length ? runs[runs.length - 1].endMs : -Infinity;
  return last >= fromMs ? round((last - fromMs) / 1000) : null;
}

/** Rounds to `digits` decimals (NaN → null, for JSON). */
export function round(x: number, digits = 3): number | null {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export { wallNow };
