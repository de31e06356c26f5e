/**
 * Latency: write one new file and time until the destination holds its
 * bytes; the median of several samples, with the daemon otherwise idle.
 */
import * as fs from 'node:fs';
import { round, wallNow, type Figures, type PhaseContext } from './context.js';
import { sleep } from '../harness/proc.js';

const SAMPLE_TIMEOUT_MS = 10_000;
/** Polling one small file every ms costs a few µs per poll; the figure is in ms. */
const POLL_MS = 1;
const FILE_BYTES = 1024;

/** Resolves to ms until `path` holds exactly `expected`, or null after the timeout. */
async function timeUntilContent(path: string, expected: Buffer, t0: number): Promise<number | null> {
  for (;;) {
    const now = wallNow();
    if (now - t0 > SAMPLE_TIMEOUT_MS) return null;
    try {
      if (fs.statSync(path).size === expected.length && fs.readFileSync(path).equals(expected)) return now - t0;
    } catch {
      // not there yet
    }
    await sleep(POLL_MS);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Measures `config.latencySamples` single-file writes. */
export async function latencyPhase(ctx: PhaseContext): Promise<Figures> {
  const dir = `${ctx.paths.src}/latency`;
  const dstDir = `${ctx.paths.dst}/latency`;
  fs.mkdirSync(dir);
  // The directory itself must have arrived before file timings mean anything.
  const t = wallNow();
  while (!fs.existsSync(dstDir) && wallNow() - t < SAMPLE_TIMEOUT_MS) await sleep(10);
  await sleep(300);
  const samples: number[] = [];
  let missed = 0;
  for (let i = 0; i < ctx.config.latencySamples; i++) {
    const content = ctx.content.pool.slice(ctx.content.rng, FILE_BYTES);
    const t0 = wallNow();
    fs.writeFileSync(`${dir}/sample${i}`, content);
    const ms = await timeUntilContent(`${dstDir}/sample${i}`, content, t0);
    if (ms === null) missed++;
    else samples.push(ms);
    await sleep(300);
  }
  return {
    medianMs: samples.length ? round(median(samples), 1) : null,
    minMs: samples.length ? round(Math.min(...samples), 1) : null,
    maxMs: samples.length ? round(Math.max(...samples), 1) : null,
    missed,
  };
}
