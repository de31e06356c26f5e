/**
 * A raw client of the control socket for tests: lines in and out, exactly
 * as sent, so a transcript of the C protocol can be checked byte for byte.
 */
import { createConnection, type Socket } from 'node:net';

/** A connected line-oriented client. */
export interface LineClient {
  socket: Socket;
  send(line: string | Buffer): void;
  /** The next line (without the newline); rejects after `timeoutMs` or when the connection ends first. */
  next(timeoutMs?: number): Promise<string>;
  /** Resolves when the daemon closed the connection. */
  closed: Promise<void>;
}

/** Connect to a unix socket and read it line by line (latin1: bytes as they are). */
export function connectLines(path: string): Promise<LineClient> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const lines: string[] = [];
    const waiters: Array<(line: string | null) => void> = [];
    let buffered = '';
    let ended = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const w = waiters.shift();
        if (w) w(line);
        else lines.push(line);
      }
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    void closed.then(() => {
      ended = true;
      for (const w of waiters.splice(0)) w(null);
    });
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        send: (line) => socket.write(typeof line === 'string' ? Buffer.from(line + '\n', 'latin1') : line),
        next: (timeoutMs = 10_000) =>
          new Promise<string>((res, rej) => {
            const line = lines.shift();
            if (line !== undefined) return res(line);
            if (ended) return rej(new Error('connection closed'));
            const timer = setTimeout(() => rej(new Error(`no line within ${timeoutMs} ms`)), timeoutMs);
            waiters.push((l) => {
              clearTimeout(timer);
              if (l === null) rej(new Error('connection closed'));
              else res(l);
            });
          }),
      }),
    );
    socket.once('error', reject);
  });
}
