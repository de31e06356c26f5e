/**
 * `--metrics-listen [ADDR:]PORT`: Prometheus text format over HTTP
 * (`GET /metrics`), built with prom-client on a registry of our own.
 * Counters are fed by the daemon's events (one pass per kernel batch, not
 * per event); gauges are read when scraped. Loopback unless an address is
 * given: the numbers name no paths, but they are nobody else's business.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OptionError } from '../errors.js';
import type { MetricsAddress } from './metrics-address.js';
import { log } from '../log.js';
import { IN, type FsEvent } from '../types.js';
import { BatchHistogram } from './batch-histogram.js';
import type { DaemonFacts, FullSyncReason, SyncResult } from '../daemon.js';

/** Event kinds as counted: one per event, by its most telling bit. */
const EVENT_KINDS = ['create', 'delete', 'moved_from', 'moved_to', 'modify', 'attrib', 'overflow', 'other'] as const;

function kindIndex(mask: number): number {
  if (mask & IN.Q_OVERFLOW) return 6;
  if (mask & IN.CREATE) return 0;
  if (mask & (IN.DELETE | IN.DELETE_SELF)) return 1;
  if (mask & IN.MOVED_FROM) return 2;
  if (mask & IN.MOVED_TO) return 3;
  if (mask & (IN.MODIFY | IN.CLOSE_WRITE)) return 4;
  if (mask & IN.ATTRIB) return 5;
  return 7;
}

/**
 * Latency buckets (seconds): from a -t0 mirror's few ms to the default
 * 30 s collect delay plus a long rsync, and the big-file queue's 30 min.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Sync durations: one rsync of a few files (ms) to a full sync of a big tree (an hour). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** The daemon's metrics and the HTTP server that serves them. */
export class Metrics {
  readonly registry = new Registry();
  private readonly events: Counter<'kind'>;
  private readonly syncs: Counter<'result' | 'kind'>;
  private readonly syncedPaths: Counter;
  private readonly fullSyncs: Counter<'reason'>;
  private readonly overflows: Counter;
  private readonly latency: BatchHistogram;
  private readonly duration: Histogram;
  private readonly counts = new Float64Array(EVENT_KINDS.length);
  private server: Server | undefined;

  constructor(facts: () => DaemonFacts, label: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ label });
    collectDefaultMetrics({ register: this.registry }); // process CPU, memory, fds; Node heap and event loop lag
    this.events = new Counter({ name: 'clsync_events_total', help: 'File-system events received, by kind', labelNames: ['kind'], registers });
    for (const kind of EVENT_KINDS) this.events.inc({ kind }, 0);
    this.syncs = new Counter({ name: 'clsync_syncs_total', help: 'Sync handler runs ended, by result (ok, failed) and kind (full, changes)', labelNames: ['result', 'kind'], registers });
    for (const result of ['ok', 'failed']) for (const kind of ['full', 'changes']) this.syncs.inc({ result, kind }, 0);
    this.syncedPaths = new Counter({ name: 'clsync_synced_paths_total', help: 'Changed paths handed to the sync handler', registers });
    this.fullSyncs = new Counter({ name: 'clsync_full_syncs_total', help: 'Syncs of the whole tree queued, by reason', labelNames: ['reason'], registers });
    for (const reason of ['initial', 'overflow', 'signal', 'control', 'failed-initial']) this.fullSyncs.inc({ reason }, 0);
    this.overflows = new Counter({ name: 'clsync_overflows_total', help: 'Kernel event queue overflows (events lost, the tree rescanned)', registers });
    this.latency = new BatchHistogram('clsync_event_to_sync_seconds', 'From the first event of a change to the end of the sync that carried it', LATENCY_BUCKETS, this.registry);
    this.duration = new Histogram({ name: 'clsync_sync_duration_seconds', help: 'Duration of one sync handler run', buckets: DURATION_BUCKETS, labelNames: ['kind'], registers });
    const gauge = (name: string, help: string, read: (f: DaemonFacts) => number | undefined, labelNames: string[] = []): void => {
      new Gauge({
        name, help, labelNames, registers,
        collect() {
          const v = read(facts());
          if (v !== undefined) this.set(v);
        },
      });
    };
    new Gauge({
      name: 'clsync_queue_depth', help: 'Queued paths, by delay class', labelNames: ['class'], registers,
      collect() {
        const q = facts().queue;
        this.set({ class: 'normal' }, q.normal);
        this.set({ class: 'bigfile' }, q.bigfile);
      },
    });
    gauge('clsync_watched_directories', 'Directories with an inotify watch', (f) => f.watchedDirs);
    gauge('clsync_paused', '1 while syncing is held (control socket pause, or the standby file)', (f) => (f.paused || f.standby ? 1 : 0));
    gauge('clsync_running_syncs', 'Sync handler runs under way', (f) => f.running);
    gauge('clsync_iteration', 'Syncs started so far', (f) => f.iteration);
    gauge('clsync_last_sync_end_timestamp_seconds', 'When the last sync ended', (f) => (f.lastSync ? (f.lastSync.startedAt + f.lastSync.durationMs) / 1000 : undefined));
    gauge('clsync_ready', '1 once the initial sync is done', (f) => (f.initialSyncDone ? 1 : 0));
    const perDestination = (name: string, help: string, read: (d: DaemonFacts['destinations'][number]) => number): void => {
      new Gauge({
        name, help, labelNames: ['destination'], registers,
        collect() {
          for (const d of facts().destinations) this.set({ destination: Buffer.from(d.destination, 'latin1').toString('utf8') }, read(d));
        },
      });
    };
    perDestination('clsync_destination_backlog', 'Changed paths waiting for this destination', (d) => d.backlog);
    perDestination('clsync_destination_lag_seconds', 'Age of the oldest change not yet synced to this destination', (d) => d.lagMs / 1000);
    perDestination('clsync_destination_up', '1 while the destination syncs (ok), 0 while it is retried, given up or owes a full sync', (d) => (d.health === 'ok' ? 1 : 0));
  }

  /** A kernel batch came in: count it by kind (one pass, one counter update per kind). */
  eventsIn(batch: readonly FsEvent[]): void {
    const counts = this.counts;
    for (let i = 0; i < batch.length; i++) counts[kindIndex(batch[i]!.mask)]!++;
    for (let k = 0; k < counts.length; k++) {
      if (counts[k] === 0) continue;
      this.events.inc({ kind: EVENT_KINDS[k]! }, counts[k]);
      counts[k] = 0;
    }
  }

  syncEnded(r: SyncResult): void {
    const kind = r.full ? 'full' : 'changes';
    this.syncs.inc({ result: r.ok ? 'ok' : 'failed', kind });
    this.duration.observe({ kind }, r.durationMs / 1000);
    if (!r.ok) return;
    this.syncedPaths.inc(r.paths);
    this.latency.observeAll(r.eventTimes, 1 / 1000, r.startedAt + r.durationMs);
  }

  fullSyncQueued(reason: FullSyncReason): void {
    this.fullSyncs.inc({ reason });
    if (reason === 'overflow') this.overflows.inc();
  }

  /** Serve `GET /metrics`; resolves with the address bound (port 0: one the kernel chose). */
  listen(address: MetricsAddress): Promise<MetricsAddress> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
      );
    });
    server.requestTimeout = 10_000; // a client holding a request open does not pin it forever
    server.headersTimeout = 5000;
    server.maxConnections = 64;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new OptionError(`--metrics-listen ${address.host}:${address.port}: ${err.message}; pick a free port`)));
      server.listen(address.port, address.host, () => {
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
        server.on('error', (err) => log.error(`metrics: ${err.message}`));
        resolve({ host: address.host, port });
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
