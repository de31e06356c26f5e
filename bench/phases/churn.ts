/**
 * Churn: with the daemon running, a seeded mix of creates, appends, deletes,
 * file renames, directory renames and one deep new subtree (about N/20 of
 * each), done as fast as the benchmark can; then time until equal again.
 */
import { converge, daemonCpuMs, lastRunS, round, wallNow, type Figures, type PhaseContext } from './context.js';

type Op = 'create' | 'append' | 'delete' | 'renameFile' | 'renameDir' | 'subtree';

/** Depth of the chain of new directories above the deep subtree's bushy part. */
const SUBTREE_CHAIN = 16;

/** Shuffled list of operations: `each` of every kind and one subtree. */
function plan(ctx: PhaseContext, each: number): Op[] {
  const ops: Op[] = [];
  for (const kind of ['create', 'append', 'delete', 'renameFile', 'renameDir'] as const) {
    for (let i = 0; i < each; i++) ops.push(kind);
  }
  ops.push('subtree');
  const rng = ctx.content.rng;
  for (let i = ops.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ops[i], ops[j]] = [ops[j], ops[i]];
  }
  return ops;
}

/** Applies the operations; returns the number of file system operations done. */
function apply(ctx: PhaseContext, ops: Op[], each: number): number {
  const { model, content } = ctx;
  const rng = content.rng;
  let n = 0;
  let done = 0;
  for (const op of ops) {
    n++;
    switch (op) {
      case 'create':
        model.createFile(model.randomDir(rng), `c${n}`, content);
        done++;
        break;
      case 'append': {
        const f = model.randomFile(rng);
        if (f >= 0) model.append(f, content.pool.slice(rng, 1 + rng.int(1024)));
        done++;
        break;
      }
      case 'delete': {
        const f = model.randomFile(rng);
        if (f >= 0) model.unlink(f);
        done++;
        break;
      }
      case 'renameFile': {
        const f = model.randomFile(rng);
        if (f >= 0) model.renameFile(f, model.randomDir(rng), `m${n}`);
        done++;
        break;
      }
      case 'renameDir': {
        const d = model.randomSubdir(rng);
        if (d >= 0) model.renameDir(d, `r${n}`);
        done++;
        break;
      }
      case 'subtree': {
        // mkdir -p deep/chain, then fill: the classic race of content
        // created before the daemon has watched the new directories.
        let d = model.randomDir(rng);
        for (let i = 0; i < SUBTREE_CHAIN; i++, done++) d = model.mkdir(d, i === 0 ? `deep${n}` : `l${i}`);
        done += model.fill(d, each, content, 's');
        break;
      }
    }
  }
  return done;
}

/** Runs the churn and waits for the destination to be equal again. */
export async function churnPhase(ctx: PhaseContext): Promise<Figures> {
  const each = Math.max(1, Math.round(ctx.config.size / 20));
  const ops = plan(ctx, each);
  const from = wallNow();
  const cpu0 = daemonCpuMs(ctx);
  const done = apply(ctx, ops, each);
  const genMs = wallNow() - from;
  const r = await converge(ctx, from, 60_000 + ctx.config.size * 0.5);
  const rsync = ctx.log.between(from);
  const cpuMs = r.cpuAtEqualMs - cpu0;
  return {
    operations: done,
    generateS: round(genMs / 1000),
    wallS: r.wallMs === null ? null : round(r.wallMs / 1000),
    // Only meaningful once the daemon is done (equal) or has stopped (stalled).
    lastRsyncEndS: r.equal || r.stalled ? lastRunS(ctx, from) : null,
    daemonCpuS: round(cpuMs / 1000),
    daemonCpuMsPer1000Ops: round(cpuMs / (done / 1000), 1),
    rsyncCpuS: round(rsync.cpuMs / 1000),
    rsyncRuns: rsync.runs,
    rsyncFailed: rsync.failed,
    wholeTreeRuns: rsync.wholeTree,
    equal: r.equal,
    stalled: r.stalled,
    differences: r.equal ? 0 : r.differences,
  };
}
