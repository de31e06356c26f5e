/** Command-line options of `npm run bench`. */
import { TOOL_NAMES, type ToolName } from './tools.js';

/** Phase names accepted by `--only`, in the order they run. */
export const PHASE_NAMES = ['startup', 'idle', 'latency', 'churn', 'burst', 'multi'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** Parsed options. */
export interface BenchArgs {
  sizes: number[];
  tools: ToolName[];
  phases: PhaseName[];
  rounds: number;
  seed: number;
  burstFiles: number;
  idleSeconds: number;
  latencySamples: number;
  /** undefined: 4096 below 1M files, 0 (empty files) from 1M on. */
  maxFileBytes: number | undefined;
  timeoutScale: number;
  base: string;
  outDir: string | undefined;
}

export const USAGE = `usage: npm run bench -- [options]
  --size LIST        tree sizes in files: 100k, 300k, 1M or numbers (default 100k)
  --tools LIST       ${TOOL_NAMES.join(',')} (default all)
  --only LIST        ${PHASE_NAMES.join(',')} (default all; startup always runs; multi: several destinations, once after the sizes)
  --rounds N         alternate the tools N times, report medians (default 1)
  --seed N           seed of the generated trees and churn (default 1)
  --burst N          files in the burst (default 200000)
  --idle-seconds N   length of the idle measurement (default 10)
  --samples N        latency samples (default 10)
  --max-file-bytes N generated file sizes 0..N (default 4096; 0 from 1M files on)
  --timeout-scale X  multiply convergence timeouts (default 1)
  --base DIR         where trees are generated (default /dev/shm)
  --out DIR          where results JSON goes (default bench/results)`;

/** Parses "100k", "1M", "300000". */
export function parseCount(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`not a count: ${s}`);
  const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

function list<T extends string>(value: string, allowed: readonly T[], option: string): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) {
    if (!allowed.includes(i as T)) throw new Error(`${option}: unknown "${i}" (one of ${allowed.join(', ')})`);
  }
  return items as T[];
}

/** Parses `argv` (without node and script). */
export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    sizes: [100_000],
    tools: [...TOOL_NAMES],
    phases: [...PHASE_NAMES],
    rounds: 1,
    seed: 1,
    burstFiles: 200_000,
    idleSeconds: 10,
    latencySamples: 10,
    maxFileBytes: undefined,
    timeoutScale: 1,
    base: '/dev/shm',
    outDir: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--size': a.sizes = value().split(',').map(parseCount); break;
      case '--tools': a.tools = list(value(), TOOL_NAMES, flag); break;
      case '--only': a.phases = list(value(), PHASE_NAMES, flag); break;
      case '--rounds': a.rounds = parseCount(value()); break;
      case '--seed': a.seed = parseCount(value()); break;
      case '--burst': a.burstFiles = parseCount(value()); break;
      case '--idle-seconds': a.idleSeconds = Number(value()); break;
      case '--samples': a.latencySamples = parseCount(value()); break;
      case '--max-file-bytes': a.maxFileBytes = parseCount(value()); break;
      case '--timeout-scale': a.timeoutScale = Number(value()); break;
      case '--base': a.base = value(); break;
      case '--out': a.outDir = value(); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0);
      // falls through (exit does not return)
      default: throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  if (!a.phases.includes('startup')) a.phases.unshift('startup');
  if (a.rounds < 1 || a.sizes.some((s) => s < 1)) throw new Error('--rounds and --size must be at least 1');
  return a;
}
