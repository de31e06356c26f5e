/**
 * One client of the control socket: lines in (capped), lines out (capped),
 * and nothing a client does can block or end the daemon. A client that
 * sends a line longer than MAX_LINE_BYTES, or lets more than
 * MAX_PENDING_OUTPUT_BYTES of replies pile up unread, is dropped.
 */
import type { Socket } from 'node:net';
import { log } from '../log.js';

/** Longest request line: SET and DUMP carry a path at most (PATH_MAX 4096), JSON a little more. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Replies and subscribed events waiting for a client that does not read.
 * A status is a few KB and a queue dump is capped by the JSON protocol, so
 * 4 MiB is far beyond what a reading client ever leaves behind.
 */
export const MAX_PENDING_OUTPUT_BYTES = 4 * 1024 * 1024;

/** What a protocol sees of its client. */
export interface ControlClient {
  /** Send one line (a newline is added; `latin1`: a byte string sent as its bytes); drops the client when too much waits unread. */
  send(line: string, encoding?: 'utf8' | 'latin1'): void;
  /** Close after what was sent. */
  end(): void;
  readonly closed: boolean;
  /** called once when the client goes (protocols unsubscribe here) */
  onClose(listener: () => void): void;
}

/** Splits a byte stream into lines (without the newline), dropping the client beyond MAX_LINE_BYTES. */
export class Connection implements ControlClient {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly closeListeners: Array<() => void> = [];
  private isClosed = false;

  constructor(
    private readonly socket: Socket,
    private readonly name: string,
    onLine: (line: Buffer) => void,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1 && !this.isClosed; nl = chunk.indexOf(10, start)) {
        const part = chunk.subarray(start, nl);
        const line = this.pending.length === 0 ? part : Buffer.concat([...this.pending, part]);
        this.pending = [];
        this.pendingBytes = 0;
        start = nl + 1;
        if (line.length > MAX_LINE_BYTES) {
          this.drop(`a line longer than ${MAX_LINE_BYTES} bytes`);
          return;
        }
        onLine(line[line.length - 1] === 13 ? line.subarray(0, -1) : line);
      }
      if (this.isClosed || start >= chunk.length) return;
      this.pending.push(Buffer.from(chunk.subarray(start))); // a copy: the chunk's memory is not kept
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > MAX_LINE_BYTES) this.drop(`a line longer than ${MAX_LINE_BYTES} bytes`);
    });
    socket.on('error', (err) => log.debug(1, `control socket: ${this.name}: ${err.message}`));
    socket.on('close', () => this.closedNow());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(line: string, encoding: 'utf8' | 'latin1' = 'utf8'): void {
    if (this.isClosed) return;
    this.socket.write(line + '\n', encoding);
    if (this.socket.writableLength > MAX_PENDING_OUTPUT_BYTES) this.drop(`more than ${MAX_PENDING_OUTPUT_BYTES} bytes of replies unread`);
  }

  end(): void {
    if (this.isClosed) return;
    this.socket.end();
    this.closedNow();
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }

  /** Cut the client off at once (what it did is logged, and nothing else happens). */
  drop(why: string): void {
    if (this.isClosed) return;
    log.warn(`control socket: ${this.name} dropped: ${why}`);
    this.socket.destroy();
    this.closedNow();
  }

  private closedNow(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.pending = [];
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
