/**
 * A typed client of the control socket's JSON protocol (`clsync-node/client`):
 *
 *   import { ClsyncControl } from 'clsync-node/client';
 *   const ctl = await ClsyncControl.connect('/run/clsync/www.sock');
 *   console.log((await ctl.status()).queue);
 *   await ctl.pause(); … await ctl.resume();
 *   ctl.close();
 */
import { createConnection, type Socket } from 'node:net';
import type { QueueReport, StatusReport, SyncReport } from './control.js';

export type { QueueReport, StatusReport, SyncReport } from './control.js';

/** The daemon refused a request, or the socket failed; `message` says which and why. */
export class ControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

/** Longest reply line accepted (a queue of 10,000 long paths fits). */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/** One connection to a daemon's control socket. */
export class ClsyncControl {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(sync: SyncReport) => void>();
  private buffered = '';
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (err) => this.fail(new ControlError(`control socket: ${err.message}`)));
    socket.on('close', () => this.fail(new ControlError('control socket: the daemon closed the connection')));
  }

  /** Connect to the socket at `path`; rejects with a ControlError when nothing listens there. */
  static connect(path: string, options: { timeoutMs?: number } = {}): Promise<ClsyncControl> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ControlError(`control socket ${path}: no answer within ${options.timeoutMs ?? 5000} ms`));
      }, options.timeoutMs ?? 5000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ClsyncControl(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new ControlError(`control socket ${path}: ${err.message}; is the daemon running with --socket ${path}?`));
      });
    });
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    if (this.buffered.length > MAX_REPLY_BYTES) {
      this.fail(new ControlError('control socket: a reply longer than 64 MiB'));
      this.socket.destroy();
      return;
    }
    for (let nl = this.buffered.indexOf('\n'); nl !== -1; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      if (!line.startsWith('{')) {
        // the C protocol's greeting, or a refusal before any JSON (peercred, too many clients)
        const refusal = /^0 (16\d|199) .*:(.*)$/.exec(line);
        if (refusal) this.fail(new ControlError(`control socket: ${refusal[2]!.trim()}`));
        continue;
      }
      let message: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string; sync?: SyncReport };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        continue;
      }
      if (message.event === 'sync' && message.sync) {
        for (const l of this.listeners) l(message.sync);
        continue;
      }
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) continue;
      this.pending.delete(message.id!);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new ControlError(message.error ?? 'refused'));
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Send one request; resolves with its result. */
  request<T = unknown>(cmd: string, fields: Record<string, unknown> = {}): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.socket.write(JSON.stringify({ ...fields, id, cmd }) + '\n');
    });
  }

  /** State, iteration, queue per delay class, watches, last sync, memory, rsync. */
  status(): Promise<StatusReport> {
    return this.request<StatusReport>('status');
  }

  /** Hold syncing (events still queue), as an existing --standby-file does. */
  async pause(): Promise<void> {
    await this.request('pause');
  }

  async resume(): Promise<void> {
    await this.request('resume');
  }

  /** Sync the whole tree again, or everything at and below `path` (relative to the watch dir, or absolute inside it). */
  async resync(path?: string): Promise<void> {
    await this.request('resync', path === undefined ? {} : { path });
  }

  /** Reread the rules file (as SIGHUP). */
  async reload(): Promise<void> {
    await this.request('reload');
  }

  /** The queued paths (at most `limit`, default 1000, sorted) and how many there are. */
  queue(limit?: number): Promise<QueueReport> {
    return this.request<QueueReport>('queue', limit === undefined ? {} : { limit });
  }

  /** Change a settable option (validated as on the command line). */
  async set(option: string, value: string): Promise<void> {
    await this.request('set', { option, value });
  }

  /** Receive every sync result from now on; the function returned stops it. */
  async subscribe(listener: (sync: SyncReport) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    if (this.listeners.size === 1) await this.request('subscribe');
    return async () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && !this.failure) await this.request('unsubscribe');
    };
  }

  /** Resolves when the connection ends. */
  closed(): Promise<void> {
    return new Promise((resolve) => (this.socket.closed ? resolve() : this.socket.once('close', () => resolve())));
  }

  close(): void {
    this.socket.end();
  }
}
