/**
 * Burst: a new directory with many new files (10 per directory) written as
 * fast as the benchmark can; time until equal.
 */
import { converge, daemonCpuMs, lastRunS, round, wallNow, type Figures, type PhaseContext } from './context.js';

/** Writes `config.burstFiles` files under a new top-level directory. */
export async function burstPhase(ctx: PhaseContext): Promise<Figures> {
  const { model, content } = ctx;
  const from = wallNow();
  const cpu0 = daemonCpuMs(ctx);
  const top = model.mkdir(0, 'burst');
  const done = 1 + model.fill(top, ctx.config.burstFiles, content, 'b');
  const genMs = wallNow() - from;
  // 90 s at 200k files: enough for a daemon that keeps up, and keeps the default run to minutes.
  const r = await converge(ctx, from, 30_000 + ctx.config.burstFiles * 0.3);
  const rsync = ctx.log.between(from);
  return {
    files: ctx.config.burstFiles,
    operations: done,
    generateS: round(genMs / 1000),
    wallS: r.wallMs === null ? null : round(r.wallMs / 1000),
    // Only meaningful once the daemon is done (equal) or has stopped (stalled).
    lastRsyncEndS: r.equal || r.stalled ? lastRunS(ctx, from) : null,
    daemonCpuS: round((r.cpuAtEqualMs - cpu0) / 1000),
    rsyncCpuS: round(rsync.cpuMs / 1000),
    rsyncRuns: rsync.runs,
    rsyncFailed: rsync.failed,
    wholeTreeRuns: rsync.wholeTree,
    equal: r.equal,
    stalled: r.stalled,
  };
}
