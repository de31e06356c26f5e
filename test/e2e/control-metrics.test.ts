/**
 * `--metrics-listen` (issue 11): the Prometheus endpoint of a running
 * mirror, scraped during a churn: events, syncs and the latency histogram
 * rise; queue depth, watches, process CPU and memory are there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst } from '../helpers/tree.js';

function scrape(port: number, path = '/metrics'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The value of one sample (`name{labels} value`), 0 when absent. */
function sample(body: string, name: string, labels = ''): number {
  for (const line of body.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\S+?)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name && (labels === '' || (m[2] ?? '').includes(labels))) return Number(m[3]);
  }
  return 0;
}

test('metrics: counters rise during a churn; histograms, queue, watches, CPU and memory are served', { timeout: 60_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-metrics-');
  mkdirSync(join(src, 'd1'));
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', '--metrics-listen=0', '-l', 'web']);
  try {
    await waitForLog(run, /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/, 'metrics listening', 15_000);
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    const port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(run.output())![1]);
    const first = await scrape(port);
    assert.equal(first.status, 200);
    assert.match(first.body, /# TYPE clsync_events_total counter/);
    assert.equal(sample(first.body, 'clsync_full_syncs_total', 'reason="initial"'), 1);
    assert.equal(sample(first.body, 'clsync_syncs_total', 'result="ok",kind="full"'), 1);
    assert.equal(sample(first.body, 'clsync_watched_directories'), 2);
    assert.equal(sample(first.body, 'clsync_ready'), 1);
    assert.match(first.body, /clsync_queue_depth\{class="normal",label="web"\} 0/);
    assert.ok(sample(first.body, 'process_cpu_seconds_total') > 0, 'daemon CPU');
    assert.ok(sample(first.body, 'process_resident_memory_bytes') > 0, 'daemon memory');

    let previous = first.body;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++) writeFileSync(join(src, 'd1', `f${round}-${i}`), `${i}`);
      await waitConverged(src, dst, run, `churn round ${round}`);
      await new Promise((r) => setTimeout(r, 100));
      const now = (await scrape(port)).body;
      assert.ok(sample(now, 'clsync_events_total', 'kind="create"') >= sample(previous, 'clsync_events_total', 'kind="create"') + 50, 'create events rise');
      assert.ok(sample(now, 'clsync_syncs_total', 'result="ok",kind="changes"') > sample(previous, 'clsync_syncs_total', 'result="ok",kind="changes"'), 'syncs rise');
      assert.ok(sample(now, 'clsync_event_to_sync_seconds_count') >= sample(previous, 'clsync_event_to_sync_seconds_count') + 50, 'latency observed per change');
      assert.ok(sample(now, 'clsync_synced_paths_total') >= sample(previous, 'clsync_synced_paths_total') + 50);
      previous = now;
    }
    const sum = sample(previous, 'clsync_event_to_sync_seconds_sum');
    const count = sample(previous, 'clsync_event_to_sync_seconds_count');
    assert.ok(count > 0 && sum / count < 5, `mean latency ${sum / count} s with -t0 -w0`);
    assert.equal((await scrape(port, '/other')).status, 404);
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('metrics: the latency histogram agrees with the latency measured outside (as bench/phases/latency.ts does): from when the data is there to when its sync ended', { timeout: 60_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-metrics-');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', '--metrics-listen=0']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    const port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(run.output())![1]);
    await new Promise((r) => setTimeout(r, 300));
    const before = (await scrape(port)).body;
    const samples: number[] = [];
    // each file arrives by one rename (one event, one change): a file written in place may be synced
    // twice (created, then written after the sync began), and the histogram observes each of those changes
    const staging = join(base.path, 'staging');
    mkdirSync(staging);
    for (let i = 0; i < 15; i++) {
      const content = Buffer.alloc(1024, i);
      writeFileSync(join(staging, `sample${i}`), content);
      const t0 = performance.now();
      renameSync(join(staging, `sample${i}`), join(src, `sample${i}`));
      for (;;) {
        try {
          if (readFileSync(join(dst, `sample${i}`)).equals(content)) break;
        } catch {
          // not there yet
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 300));
    }
    const after = (await scrape(port)).body;
    const count = sample(after, 'clsync_event_to_sync_seconds_count') - sample(before, 'clsync_event_to_sync_seconds_count');
    const sum = sample(after, 'clsync_event_to_sync_seconds_sum') - sample(before, 'clsync_event_to_sync_seconds_sum');
    assert.equal(count, samples.length, 'one observation per file');
    const histogramMs = (sum / count) * 1000;
    const measuredMs = samples.reduce((a, b) => a + b, 0) / samples.length;
    const runs = sample(after, 'clsync_sync_duration_seconds_count', 'kind="changes"') - sample(before, 'clsync_sync_duration_seconds_count', 'kind="changes"');
    const runMs = ((sample(after, 'clsync_sync_duration_seconds_sum', 'kind="changes"') - sample(before, 'clsync_sync_duration_seconds_sum', 'kind="changes"')) / runs) * 1000;
    // The histogram ends at the sync's end; the data is visible earlier, while rsync's processes still
    // wind down (≈80 ms of a one-file run here). So: not below the measured latency, not above it plus
    // one whole sync run, each within 20 %.
    const why = `histogram mean ${histogramMs.toFixed(1)} ms, data visible after ${measuredMs.toFixed(1)} ms, one sync run ${runMs.toFixed(1)} ms`;
    assert.ok(histogramMs >= 0.8 * measuredMs, why);
    assert.ok(histogramMs <= 1.2 * (measuredMs + runMs), why);
    process.stdout.write(`# ${why}\n`);
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('--metrics-listen: a bad value is refused at start', { timeout: 20_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-metrics-');
  try {
    const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '--metrics-listen=localhost:99999']);
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), /--metrics-listen: "localhost:99999" is not \[ADDR:\]PORT/);
  } finally {
    base.remove();
  }
});
