/**
 * The comparison table (rows = figures, columns = tools and our ratio to
 * each peer) and the results file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Figures } from '../phases/context.js';
import type { PhaseName } from './args.js';
import { TOOL_LABELS, type ToolName } from './tools.js';

/** Figures of one tool in one round, by phase (plus 'final'). */
export type ToolResult = Partial<Record<PhaseName | 'final', Figures>> & { error?: string };

/** A row of the table. */
interface Row {
  phase: PhaseName | 'final';
  key: string;
  label: string;
}

const ROWS: Row[] = [
  { phase: 'startup', key: 'wallS', label: 'startup: wall until equal (s)' },
  { phase: 'startup', key: 'daemonCpuS', label: 'startup: daemon CPU (s)' },
  { phase: 'startup', key: 'rsyncCpuS', label: 'startup: rsync CPU (s)' },
  { phase: 'startup', key: 'rsyncRuns', label: 'startup: rsync runs' },
  { phase: 'startup', key: 'peakRssMiB', label: 'startup: daemon peak RSS (MiB)' },
  { phase: 'idle', key: 'daemonCpuMs', label: 'idle: daemon CPU over the idle time (ms)' },
  { phase: 'idle', key: 'rsyncRuns', label: 'idle: rsync runs' },
  { phase: 'latency', key: 'medianMs', label: 'latency: one file, median (ms)' },
  { phase: 'latency', key: 'maxMs', label: 'latency: one file, max (ms)' },
  { phase: 'churn', key: 'operations', label: 'churn: operations' },
  { phase: 'churn', key: 'wallS', label: 'churn: wall until equal (s)' },
  { phase: 'churn', key: 'lastRsyncEndS', label: 'churn: wall until the last rsync run ended (s)' },
  { phase: 'churn', key: 'daemonCpuMsPer1000Ops', label: 'churn: daemon CPU per 1000 ops (ms)' },
  { phase: 'churn', key: 'daemonCpuS', label: 'churn: daemon CPU (s)' },
  { phase: 'churn', key: 'rsyncCpuS', label: 'churn: rsync CPU (s)' },
  { phase: 'churn', key: 'rsyncRuns', label: 'churn: rsync runs' },
  { phase: 'churn', key: 'rsyncFailed', label: 'churn: failed rsync runs' },
  // ours: a full sync (the peers run every sync over the whole tree); must stay 0 in a churn
  { phase: 'churn', key: 'wholeTreeRuns', label: 'churn: whole-tree rsync runs' },
  { phase: 'churn', key: 'equal', label: 'churn: destination equal' },
  { phase: 'burst', key: 'wallS', label: 'burst: wall until equal (s)' },
  { phase: 'burst', key: 'lastRsyncEndS', label: 'burst: wall until the last rsync run ended (s)' },
  { phase: 'burst', key: 'daemonCpuS', label: 'burst: daemon CPU (s)' },
  { phase: 'burst', key: 'rsyncCpuS', label: 'burst: rsync CPU (s)' },
  { phase: 'burst', key: 'rsyncRuns', label: 'burst: rsync runs' },
  { phase: 'burst', key: 'rsyncFailed', label: 'burst: failed rsync runs' },
  { phase: 'burst', key: 'wholeTreeRuns', label: 'burst: whole-tree rsync runs' },
  { phase: 'burst', key: 'equal', label: 'burst: destination equal' },
  { phase: 'final', key: 'peakRssMiB', label: 'whole run: daemon peak RSS (MiB)' },
];

type Cell = number | boolean | null | undefined;

/** Median of the numbers; for yes/no answers, yes only if every round said yes. */
function combine(values: Cell[]): Cell {
  const present = values.filter((v) => v !== undefined);
  if (!present.length) return undefined;
  if (present.some((v) => typeof v === 'boolean')) return present.every((v) => v === true);
  const nums = present.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  if (nums.length < present.length) return null; // some round could not measure it
  const m = nums.length >> 1;
  return nums.length % 2 ? nums[m] : (nums[m - 1] + nums[m]) / 2;
}

function show(v: Cell): string {
  if (v === undefined) return '';
  if (v === null) return 'n/a';
  if (typeof v === 'boolean') return v ? 'yes' : 'NO';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3).replace(/\.?0+$/, '') || '0';
}

function ratio(a: Cell, b: Cell): string {
  if (typeof a !== 'number' || typeof b !== 'number') return '';
  if (b === 0) return a === 0 ? '=' : '∞';
  return `${(a / b).toFixed(2)}×`;
}

/** Builds the text table for one size from every round's results. */
export function formatTable(size: number, tools: ToolName[], rounds: Partial<Record<ToolName, ToolResult>>[]): string {
  const peers = tools.filter((t) => t !== 'ours');
  const header = ['figure', ...tools.map((t) => TOOL_LABELS[t])];
  if (tools.includes('ours')) for (const p of peers) header.push(`ours÷${TOOL_LABELS[p]}`);
  const lines: string[][] = [header];
  for (const row of ROWS) {
    const cells = new Map<ToolName, Cell>();
    for (const t of tools) cells.set(t, combine(rounds.map((r) => r[t]?.[row.phase]?.[row.key])));
    if (tools.every((t) => cells.get(t) === undefined)) continue;
    const line = [row.label, ...tools.map((t) => show(cells.get(t)))];
    if (tools.includes('ours')) for (const p of peers) line.push(ratio(cells.get('ours'), cells.get(p)));
    lines.push(line);
  }
  const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const fmt = (l: string[]): string => l.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  const title = `clsync benchmark, ${size.toLocaleString('en')} files${rounds.length > 1 ? `, median of ${rounds.length} rounds` : ''}`;
  const errors = rounds.flatMap((r, i) =>
    tools.filter((t) => r[t]?.error).map((t) => `  round ${i + 1} ${TOOL_LABELS[t]}: ${r[t]?.error}`),
  );
  return [title, fmt(lines[0]), fmt(lines[0].map((_, c) => '-'.repeat(widths[c]))), ...lines.slice(1).map(fmt), ...errors].join('\n');
}

/** Short form of a size for file names: 100k, 1M. */
export function sizeTag(size: number): string {
  if (size % 1_000_000 === 0) return `${size / 1_000_000}M`;
  if (size % 1000 === 0) return `${size / 1000}k`;
  return String(size);
}

/** Writes `data` to `<dir>/<date>-<size>.json` (never overwriting); returns the path. */
export function writeResults(dir: string, size: number, data: unknown): string {
  fs.mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  let file = path.join(dir, `${date}-${sizeTag(size)}.json`);
  for (let n = 2; fs.existsSync(file); n++) file = path.join(dir, `${date}-${sizeTag(size)}-${n}.json`);
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
