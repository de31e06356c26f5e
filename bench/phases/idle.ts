/** Idle: the daemon's CPU over a stretch of nothing happening. */
import { daemonCpuMs, round, wallNow, type Figures, type PhaseContext } from './context.js';
import { sleep } from '../harness/proc.js';

/** Measures CPU over `config.idleMs` with no changes to the tree. */
export async function idlePhase(ctx: PhaseContext): Promise<Figures> {
  // Let the last compare's and sync's after-effects (e.g. GC) settle first.
  await sleep(1000);
  const from = wallNow();
  const cpu0 = daemonCpuMs(ctx);
  await sleep(ctx.config.idleMs);
  const cpu1 = daemonCpuMs(ctx);
  ctx.log.poll();
  const rsync = ctx.log.between(from);
  return {
    seconds: ctx.config.idleMs / 1000,
    daemonCpuMs: round(cpu1 - cpu0, 1),
    rsyncRuns: rsync.runs,
  };
}
