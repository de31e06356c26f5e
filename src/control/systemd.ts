/**
 * systemd integration without libsystemd: `Type=notify` datagrams to
 * $NOTIFY_SOCKET (READY=1 once the initial sync is done, STATUS= on each
 * state change, WATCHDOG=1 every half $WATCHDOG_USEC, STOPPING=1 at the
 * end), sent through the addon's datagramSend (Node has no unix datagram
 * sockets); and whether stderr is the journal ($JOURNAL_STREAM), so log
 * lines carry `<N>` priority prefixes instead of our own time stamps.
 */
import { fstatSync } from 'node:fs';
import { log } from '../log.js';
import { native } from '../native.js';

/** The notification socket of a service started by systemd, or undefined. */
export class SystemdNotifier {
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  private failedOnce = false;
  private isReady = false;

  private constructor(private readonly socketPath: Buffer) {}

  /** From $NOTIFY_SOCKET (a path, or `@` and an abstract name); undefined outside systemd. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): SystemdNotifier | undefined {
    const path = env['NOTIFY_SOCKET'];
    if (!path || !(path.startsWith('/') || path.startsWith('@'))) return undefined;
    const notifier = new SystemdNotifier(Buffer.from(path));
    notifier.startWatchdog(env);
    return notifier;
  }

  /** Send `KEY=value` lines; a failure is said once (systemd may be gone while we stop). */
  send(...fields: string[]): void {
    const result = native.datagramSend(this.socketPath, Buffer.from(fields.join('\n') + '\n'));
    if (result < 0 && !this.failedOnce) {
      this.failedOnce = true;
      log.warn(`NOTIFY_SOCKET ${this.socketPath.toString()}: cannot notify systemd (errno ${-result})`);
    }
  }

  /** The initial sync is done: the service is up. */
  ready(status: string): void {
    this.isReady = true;
    this.send('READY=1', `STATUS=${status}`, `MAINPID=${process.pid}`);
  }

  /** A new state (the status file's words). */
  status(state: string): void {
    if (state === 'terminating' || state === 'exiting' || state === 'preexit') {
      if (!this.stopping) this.send('STOPPING=1', `STATUS=${state}`);
      this.stopping = true;
      this.stopWatchdog();
      return;
    }
    // the first "running" comes with READY=1, at the end of the initial sync
    if (state === 'running' && !this.isReady) return;
    this.send(`STATUS=${state}`);
  }

  /** WATCHDOG=1 at half the interval systemd expects it (sd_watchdog_enabled's rule, WATCHDOG_PID included). */
  private startWatchdog(env: NodeJS.ProcessEnv): void {
    const usec = Number(env['WATCHDOG_USEC']);
    const pid = env['WATCHDOG_PID'];
    if (!Number.isFinite(usec) || usec <= 0) return;
    if (pid !== undefined && pid !== '' && Number(pid) !== process.pid) return;
    const everyMs = Math.max(1, Math.floor(usec / 2000));
    this.watchdog = setInterval(() => this.send('WATCHDOG=1'), everyMs);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  close(): void {
    this.stopWatchdog();
  }
}

/** stderr (or stdout, `-Y stdout`) is the journal's stream: $JOURNAL_STREAM names its device and inode. */
export function isJournalStream(fd: 1 | 2, env: NodeJS.ProcessEnv = process.env): boolean {
  const stream = env['JOURNAL_STREAM'];
  const m = stream ? /^(\d+):(\d+)$/.exec(stream) : null;
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}
