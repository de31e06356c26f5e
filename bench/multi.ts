/**
 * Several destinations (issue 12): one watched tree, three local
 * destinations. Latency of one new file at each destination with all up;
 * the same at the live ones while one is down (its parent directory moved
 * away, so rsync cannot reach it); and the time the down one takes to catch
 * up once it is back. Ours (three `-D`, `--ignore-failures`) against lsyncd
 * (three `sync{}` blocks on the same work); the C clsync has no several
 * destinations.
 *
 *   npm run bench -- --only multi --tools ours,lsyncd
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Daemon } from './harness/daemon.js';
import { sleep, wallNow } from './harness/proc.js';
import { findBinary, OUR_BIN, type Command, type ToolName } from './harness/tools.js';

const FILES = 1000;
const SAMPLES = 10;
const SAMPLE_TIMEOUT_MS = 10_000;
const CATCH_UP_TIMEOUT_MS = 60_000;

export type MultiFigures = Record<string, number | string | null>;

function commandFor(tool: ToolName, src: string, dsts: string[], work: string): Command | undefined {
  if (tool === 'ours' || tool === 'ours-split') {
    const split = tool === 'ours-split' ? ['--secure-splitting', '-C', 'CAP_DAC_READ_SEARCH'] : [];
    return { file: OUR_BIN, args: ['-H', '/NULL/', '-Mrsyncdirect', '-W', src, ...dsts.map((d) => `-D${d}`), '-w0', '-t0', '-T0', '--ignore-failures', ...split] };
  }
  if (tool === 'lsyncd') {
    const s = (v: string): string => JSON.stringify(v);
    const config = path.join(work, 'lsyncd-multi.lua');
    fs.writeFileSync(
      config,
      `settings { nodaemon = true, logfile = "/dev/null", statusFile = "/dev/null", insist = true }\n` +
        dsts.map((d) => `sync { default.rsync, source = ${s(src)}, target = ${s(d)}, delay = 0, rsync = { archive = true, hard_links = true } }\n`).join(''),
    );
    return { file: findBinary('lsyncd') ?? 'lsyncd', args: ['-nodaemon', config] };
  }
  return undefined;
}

async function until(check: () => boolean, timeoutMs: number): Promise<number | null> {
  const t0 = wallNow();
  for (;;) {
    if (check()) return Math.round(wallNow() - t0);
    if (wallNow() - t0 > timeoutMs) return null;
    await sleep(2);
  }
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return Math.round((s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) * 10) / 10;
}

/** Per destination: the median ms until a new file's bytes are there (null: never within the timeout). */
async function sample(src: string, dsts: string[], tag: string): Promise<Array<number | null>> {
  const per: number[][] = dsts.map(() => []);
  for (let i = 0; i < SAMPLES; i++) {
    const name = `${tag}-${i}`;
    const content = `${name} ${Math.random()}\n`;
    const t0 = wallNow();
    fs.writeFileSync(path.join(src, name), content);
    await Promise.all(
      dsts.map(async (d, k) => {
        const ms = await until(() => {
          try {
            return fs.readFileSync(path.join(d, name), 'utf8') === content;
          } catch {
            return false;
          }
        }, SAMPLE_TIMEOUT_MS);
        if (ms !== null) per[k]!.push(wallNow() - t0);
      }),
    );
    await sleep(200);
  }
  return per.map((xs) => (xs.length === SAMPLES ? median(xs) : null));
}

/** Same names and sizes below both (a cheap equality for the catch-up: the bench writes new files only). */
function sameNames(a: string, b: string): boolean {
  try {
    const x = fs.readdirSync(a).sort();
    const y = fs.readdirSync(b).sort();
    return x.length === y.length && x.every((n, i) => n === y[i] && fs.statSync(path.join(a, n)).size === fs.statSync(path.join(b, n)).size);
  } catch {
    return false;
  }
}

/** Runs the scenario for one tool; figures keyed as the table shows them. */
export async function multiDestinationRun(tool: ToolName, base: string): Promise<MultiFigures> {
  const work = fs.mkdtempSync(path.join(base, `clsync-multi-${tool}-`));
  fs.chmodSync(work, 0o755);
  const src = path.join(work, 'src');
  fs.mkdirSync(src);
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(src, `f${i}`), `file ${i}\n`);
  const parents = [1, 2, 3].map((k) => path.join(work, `p${k}`));
  for (const p of parents) fs.mkdirSync(p);
  const dsts = parents.map((p) => path.join(p, 'dst'));
  const cmd = commandFor(tool, src, dsts, work);
  if (!cmd) return {};
  const daemon = Daemon.start(cmd, path.join(work, 'daemon.log'));
  const out: MultiFigures = {};
  try {
    const ready = await until(() => dsts.every((d) => sameNames(src, d)), CATCH_UP_TIMEOUT_MS);
    out['initial sync to all three (ms)'] = ready;
    const up = await sample(src, dsts, 'up');
    up.forEach((ms, k) => (out[`all up: latency at destination ${k + 1} (ms)`] = ms));
    fs.renameSync(parents[1]!, `${parents[1]}.away`); // destination 2 is down
    await sleep(500);
    const down = await sample(src, [dsts[0]!, dsts[2]!], 'down');
    out['one down: latency at destination 1 (ms)'] = down[0]!;
    out['one down: latency at destination 3 (ms)'] = down[1]!;
    out['one down: daemon still running'] = daemon.exitStatus === undefined ? 'yes' : `no (${daemon.exitStatus})`;
    fs.renameSync(`${parents[1]}.away`, parents[1]!); // back, with what it had before it went down
    out['catch-up of the returned destination (ms)'] = await until(() => sameNames(src, dsts[1]!), CATCH_UP_TIMEOUT_MS);
  } finally {
    await daemon.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return out;
}

/** The scenario for every tool that has several destinations; prints one table. */
export async function multiDestinationBench(tools: ToolName[], base: string): Promise<Record<string, MultiFigures>> {
  const results: Record<string, MultiFigures> = {};
  for (const tool of tools.filter((t) => t !== 'clsync')) {
    console.log(`  ${tool}: several destinations`);
    results[tool] = await multiDestinationRun(tool, base);
  }
  const names = Object.keys(results);
  const rows = [...new Set(names.flatMap((t) => Object.keys(results[t]!)))];
  console.log(`\nseveral destinations (${FILES} files, 3 local destinations, ${SAMPLES} samples each)`);
  console.log(['', ...names].map((c, i) => (i === 0 ? c.padEnd(48) : c.padStart(14))).join(''));
  for (const row of rows) console.log([row.padEnd(48), ...names.map((t) => String(results[t]![row] ?? '—').padStart(14))].join(''));
  return results;
}
