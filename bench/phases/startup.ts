/**
 * Startup: from spawning the daemon until the destination equals the
 * generated source (marking + initial sync).
 */
import { converge, round, type Figures, type PhaseContext } from './context.js';
import { readPeakRssMiB } from '../harness/proc.js';

/** Measures the startup of a daemon spawned at wall-clock `spawnedAtMs`. */
export async function startupPhase(ctx: PhaseContext, spawnedAtMs: number): Promise<Figures> {
  const timeoutMs = 60_000 + ctx.config.size * 0.5;
  const r = await converge(ctx, spawnedAtMs, timeoutMs);
  const rsync = ctx.log.between(spawnedAtMs);
  return {
    wallS: r.wallMs === null ? null : round(r.wallMs / 1000),
    daemonCpuS: round(r.cpuAtEqualMs / 1000),
    rsyncCpuS: round(rsync.cpuMs / 1000),
    rsyncRuns: rsync.runs,
    peakRssMiB: round(readPeakRssMiB(ctx.daemon.pid) ?? NaN, 1),
    equal: r.equal,
  };
}
