/**
 * Everything an operator talks to, wired around one daemon: the control
 * socket (--socket), the metrics endpoint (--metrics-listen), systemd's
 * notifications (NOTIFY_SOCKET), the progress line, the JSON status file.
 * cli.ts makes one, hands `events()` to the Daemon, then `start()`s it.
 */
import type { Daemon, DaemonEvents } from '../daemon.js';
import { nativeString } from '../bytes.js';
import type { Settings } from '../options/index.js';
import { parseSocketAuth } from './auth.js';
import { DaemonControl } from './control.js';
import type { SettingsLoader } from './set-option.js';
import { ControlSocket } from './socket.js';
import { parseSocketOwner } from './socket-file.js';
import type { Metrics } from './metrics.js';
import { parseMetricsListen, type MetricsAddress } from './metrics-address.js';
import { log } from '../log.js';
import { SystemdNotifier } from './systemd.js';
import { ProgressLine } from './progress.js';
import { JsonStatusFile } from './status-json.js';

/** The socket's mode when --socket-mod is not given: the daemon's user only. */
const DEFAULT_SOCKET_MODE = 0o600;

export class Operations {
  private control: DaemonControl | undefined;
  private socket: ControlSocket | undefined;
  private daemon: Daemon | undefined;
  private metrics: Metrics | undefined;
  private readonly metricsAddress: MetricsAddress | undefined;
  private readonly systemd = SystemdNotifier.fromEnvironment();
  private readonly progress: ProgressLine | undefined;
  private readonly statusFile: JsonStatusFile | undefined;

  /** Checks the options now (a bad --socket-auth or --socket-own ends the start, exit 2). */
  constructor(
    private readonly settings: Settings,
    private readonly load: SettingsLoader,
  ) {
    if (settings.socket) {
      parseSocketAuth(settings.socketAuth);
      parseSocketOwner(settings.socketOwn);
    }
    if (ProgressLine.wanted(process.stderr, settings.quiet > 0) && settings.output !== 'syslog' && !settings.background) {
      this.progress = new ProgressLine(process.stderr, () => this.daemon?.facts().watchedDirs);
    }
    if (settings.statusFile && settings.statusFileFormat === 'json') this.statusFile = new JsonStatusFile(nativeString(settings.statusFile));
    if (settings.metricsListen) {
      this.metricsAddress = parseMetricsListen(settings.metricsListen);
    }
  }

  /** The daemon's events, fanned out to what is enabled (plus `base`, the caller's own). */
  events(base: DaemonEvents = {}): DaemonEvents {
    return {
      marking: () => {
        base.marking?.();
        this.progress?.marking();
      },
      marked: (stats) => this.progress?.marked(stats),
      initialSyncProgress: this.progress ? (done, total) => this.progress!.initialSyncProgress(done, total) : undefined,
      ready: () => {
        base.ready?.();
        this.progress?.stop();
        this.systemd?.ready('running: initial sync done');
      },
      statusChanged: (status) => {
        base.statusChanged?.(status);
        if (status === 'initsync') this.progress?.initialSync();
        else if (status !== 'starting') this.progress?.stop();
        this.systemd?.status(status);
        this.statusFile?.changed(true);
      },
      events: this.metricsAddress || this.statusFile
        ? (batch) => {
            this.metrics?.eventsIn(batch);
            this.statusFile?.changed();
          }
        : undefined,
      syncEnded: (result) => {
        base.syncEnded?.(result);
        this.control?.syncEnded(result);
        this.metrics?.syncEnded(result);
        this.statusFile?.changed();
      },
      fullSyncQueued: (reason) => this.metrics?.fullSyncQueued(reason),
    };
  }

  /** Open what the options ask for; `die` ends the daemon (the C protocol's DIE). */
  async start(daemon: Daemon, die: () => void): Promise<void> {
    this.daemon = daemon;
    this.statusFile?.attach(daemon);
    this.control = new DaemonControl(daemon, this.load, die, () => this.statusFile?.changed(true));
    const s = this.settings;
    if (this.metricsAddress) {
      const { Metrics } = await import('./metrics.js'); // prom-client only when asked for
      this.metrics = new Metrics(() => daemon.facts(), s.label);
      const bound = await this.metrics.listen(this.metricsAddress);
      const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
      log.notice(`metrics on http://${host}:${bound.port}/metrics`);
    }
    if (s.socket) {
      this.socket = await ControlSocket.open(
        {
          path: nativeString(s.socket),
          mode: s.socketMod ?? DEFAULT_SOCKET_MODE,
          owner: parseSocketOwner(s.socketOwn),
          auth: parseSocketAuth(s.socketAuth),
        },
        this.control,
      );
    }
  }

  /** Close the socket (removing its file) and the rest. */
  async close(): Promise<void> {
    await this.socket?.close();
    await this.metrics?.close();
    this.systemd?.close();
    this.progress?.stop();
    this.statusFile?.changed(true);
    this.statusFile?.close();
  }
}

/** The command line with `extra` options added before a `--` (after it they would be handler arguments). */
export function withOptions(argv: readonly string[], extra: readonly string[]): string[] {
  const dashes = argv.indexOf('--');
  return dashes === -1 ? [...argv, ...extra] : [...argv.slice(0, dashes), ...extra, ...argv.slice(dashes)];
}
