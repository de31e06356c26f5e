/**
 * Comparative benchmark of live-sync daemons: ours, the C clsync 0.4.5 and
 * lsyncd 2.2.3, on generated trees on tmpfs, tools alternating in one run.
 * Prints one table per size and writes JSON under bench/results/.
 *
 *   npm run bench -- --size 100k,300k --tools ours,clsync --only churn
 *
 * Benchmarks print figures; they are not tests and nothing here fails on a time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, PHASE_NAMES, type BenchArgs, type PhaseName } from './harness/args.js';
import { Daemon } from './harness/daemon.js';
import { readPeakRssMiB, wallNow } from './harness/proc.js';
import { formatTable, writeResults, type ToolResult } from './harness/report.js';
import { ContentPool, createRng } from './harness/rng.js';
import { RsyncLog, writeRsyncWrapper } from './harness/rsync-log.js';
import { TreeModel } from './harness/tree-model.js';
import { commandFor, ensureTools, findBinary, TOOL_LABELS, toolVersions, type ToolName } from './harness/tools.js';
import { burstPhase } from './phases/burst.js';
import { churnPhase } from './phases/churn.js';
import type { BenchConfig, Figures, PhaseContext } from './phases/context.js';
import { idlePhase } from './phases/idle.js';
import { latencyPhase } from './phases/latency.js';
import { startupPhase } from './phases/startup.js';
import { multiDestinationBench } from './multi.js';

const RUNNING_PHASES: Record<Exclude<PhaseName, 'startup' | 'multi'>, (ctx: PhaseContext) => Promise<Figures>> = {
  idle: idlePhase,
  latency: latencyPhase,
  churn: churnPhase,
  burst: burstPhase,
};

/** Removes a (possibly huge) tree; `rm -rf` is faster than fs.rmSync at 1M files. */
function removeTree(dir: string): void {
  spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'inherit' });
}

/** Generates the tree, starts `tool` on it and runs the selected phases. */
async function runTool(tool: ToolName, config: BenchConfig, phases: PhaseName[], base: string): Promise<ToolResult> {
  const work = fs.mkdtempSync(path.join(base, `clsync-bench-${tool}-`));
  // The C clsync runs as nobody (keeping CAP_DAC_READ_SEARCH); let it in anyway.
  fs.chmodSync(work, 0o755);
  const paths = { src: `${work}/src`, dst: `${work}/dst`, wrapper: `${work}/rsync-wrapper.sh`, work };
  fs.mkdirSync(paths.src);
  fs.mkdirSync(paths.dst);
  const logPath = `${work}/rsync.log`;
  writeRsyncWrapper(paths.wrapper, logPath, config.rsync);
  const result: ToolResult = {};
  let daemon: Daemon | undefined;
  try {
    const rng = createRng(config.seed);
    const content = { rng, pool: new ContentPool(rng), maxBytes: config.maxFileBytes };
    const model = new TreeModel(paths.src);
    const g0 = wallNow();
    model.fill(0, config.size, content);
    console.log(`  ${TOOL_LABELS[tool]}: generated ${model.fileCount} files in ${model.dirCount} directories in ${((wallNow() - g0) / 1000).toFixed(1)} s`);
    const spawnedAt = wallNow();
    daemon = Daemon.start(commandFor(tool, paths), `${work}/daemon.log`);
    const ctx: PhaseContext = { tool, config, paths, daemon, log: new RsyncLog(logPath), model, content };
    for (const phase of PHASE_NAMES.filter((p) => phases.includes(p))) {
      const t0 = wallNow();
      if (phase === 'multi') continue; // once for all sizes (main)
      const figures = phase === 'startup' ? await startupPhase(ctx, spawnedAt) : await RUNNING_PHASES[phase](ctx);
      result[phase] = figures;
      console.log(`  ${TOOL_LABELS[tool]} ${phase} (${((wallNow() - t0) / 1000).toFixed(1)} s): ${JSON.stringify(figures)}`);
      if (daemon.exitStatus) throw new Error(`daemon exited (${daemon.exitStatus}) during ${phase}:\n${daemon.tail()}`);
      if (phase === 'startup' && figures.equal !== true) throw new Error('startup never reached an equal destination');
      if (figures.equal === false && figures.stalled === false) {
        result.error = `${phase} still syncing at its timeout${phase === 'burst' ? '' : ': later phases skipped'}`;
        break;
      }
    }
    result.final = { peakRssMiB: readPeakRssMiB(daemon.pid) ?? null };
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
    console.log(`  ${TOOL_LABELS[tool]}: ${result.error}`);
  } finally {
    await daemon?.stop();
    removeTree(work);
  }
  return result;
}

/** Machine facts that bear on the figures. */
function environment(): Record<string, unknown> {
  const read = (p: string): string | null => {
    try {
      return fs.readFileSync(p, 'utf8').trim();
    } catch {
      return null;
    }
  };
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryMiB: Math.round(os.totalmem() / 1048576),
    loadAverageAtStart: os.loadavg(),
    inotifyMaxUserWatches: Number(read('/proc/sys/fs/inotify/max_user_watches')),
    inotifyMaxQueuedEvents: Number(read('/proc/sys/fs/inotify/max_queued_events')),
  };
}

async function main(args: BenchArgs): Promise<void> {
  const tools = ensureTools(args.tools);
  const rsync = findBinary('rsync') as string;
  const versions = toolVersions(tools);
  const outDir = args.outDir ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  console.log(`tools: ${tools.map((t) => `${TOOL_LABELS[t]} (${versions[t]})`).join(', ')}; ${versions.rsync}`);
  // --only multi: the several-destinations scenario alone, no generated trees
  const sizes = args.phases.some((p) => p !== 'multi') ? args.sizes : [];
  for (const size of sizes) {
    const config: BenchConfig = {
      size,
      seed: args.seed,
      maxFileBytes: args.maxFileBytes ?? (size >= 1_000_000 ? 0 : 4096),
      burstFiles: args.burstFiles,
      idleMs: args.idleSeconds * 1000,
      latencySamples: args.latencySamples,
      timeoutScale: args.timeoutScale,
      rsync,
    };
    const env = environment();
    const rounds: Partial<Record<ToolName, ToolResult>>[] = [];
    for (let r = 0; r < args.rounds; r++) {
      console.log(`size ${size.toLocaleString('en')}, round ${r + 1}/${args.rounds}`);
      const round: Partial<Record<ToolName, ToolResult>> = {};
      // Alternate the starting tool between rounds so no tool always runs first.
      const order = tools.map((_, i) => tools[(i + r) % tools.length]);
      for (const tool of order) round[tool] = await runTool(tool, config, args.phases, args.base);
      rounds.push(round);
    }
    console.log('');
    console.log(formatTable(size, tools, rounds));
    const file = writeResults(outDir, size, {
      date: new Date().toISOString(),
      command: process.argv.slice(2),
      config,
      phases: args.phases,
      tools,
      versions,
      environment: env,
      rounds,
    });
    console.log(`\nresults: ${path.relative(process.cwd(), file)}\n`);
  }
  if (args.phases.includes('multi')) {
    const multi = await multiDestinationBench(tools, args.base);
    const file = path.join(outDir, `${new Date().toISOString().slice(0, 10)}-multi.json`);
    fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), versions, environment: environment(), results: multi }, null, 2) + '\n');
    console.log(`\nresults: ${path.relative(process.cwd(), file)}\n`);
  }
}

let args: BenchArgs;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
}
await main(args);
