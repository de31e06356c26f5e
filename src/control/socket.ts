/**
 * `--socket PATH`: the control socket. Each client gets the C tool's
 * greeting; its first line picks the protocol (a line starting with `{`:
 * JSON lines, protocol-json.ts; anything else: the C protocol,
 * protocol-c.ts). Requests of one client are answered in order, clients
 * independently; `--socket-auth peercred` checks each client's uid/gid as
 * the kernel reports them before anything is read.
 */
import type { Server, Socket } from 'node:net';
import { log } from '../log.js';
import { native } from '../native.js';
import { allows, type PeerCredentials, type SocketAuth } from './auth.js';
import { Connection } from './connection.js';
import type { DaemonControl } from './control.js';
import { CProtocol, cGreeting } from './protocol-c.js';
import { JsonProtocol } from './protocol-json.js';
import { bindSocketFile, type SocketOwner } from './socket-file.js';

/** Clients at once; more are told so and closed (each costs a few KB, but not without bound). */
export const MAX_CLIENTS = 256;

/** Requests of one client waiting behind a slow one (a SET waits for a running sync); more: the client is dropped. */
const MAX_QUEUED_REQUESTS = 64;

/** Where and how to open the socket. */
export interface ControlSocketOptions {
  path: string;
  mode: number;
  owner: SocketOwner | undefined;
  auth: SocketAuth;
}

/** The peer of an accepted unix socket, from SO_PEERCRED; undefined when it cannot be read. */
function peerOf(socket: Socket): PeerCredentials | undefined {
  // Node keeps the descriptor on its internal handle; there is no public way to read SO_PEERCRED.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  const cred = native.peerCred(fd);
  return typeof cred === 'number' ? undefined : { pid: cred[0], uid: cred[1], gid: cred[2] };
}

/** A listening control socket. */
export class ControlSocket {
  private clients = 0;
  private readonly connections = new Set<Connection>();

  private constructor(
    private readonly server: Server,
    private readonly removeFile: () => void,
    private readonly auth: SocketAuth,
    private readonly control: DaemonControl,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (err) => log.error(`control socket: ${err.message}`));
  }

  /** Open the socket (throws an OptionError naming --socket when it cannot). */
  static async open(options: ControlSocketOptions, control: DaemonControl): Promise<ControlSocket> {
    const bound = await bindSocketFile(options.path, options.mode, options.owner);
    log.notice(`control socket listening on ${options.path}`);
    return new ControlSocket(bound.server, bound.remove, options.auth, control);
  }

  private accept(socket: Socket): void {
    const peer = peerOf(socket);
    const name = peer ? `client pid ${peer.pid} uid ${peer.uid}` : 'client';
    if (!allows(this.auth, peer)) {
      log.warn(`control socket: ${name} refused by --socket-auth peercred`);
      socket.end(`0 164 uid ${peer?.uid ?? '?'} is not allowed\x03/ :Permission denied: "uid ${peer?.uid ?? '?'} is not allowed".\n`);
      socket.on('error', () => {});
      return;
    }
    if (this.clients >= MAX_CLIENTS) {
      socket.end(`0 199 accept\x03/ \x03/ 0 too many clients\x03/ :accept(): Error #0: "too many clients (${MAX_CLIENTS})".\n`);
      socket.on('error', () => {});
      return;
    }
    this.clients++;
    let handle: ((text: string) => Promise<void>) | undefined;
    // JSON is UTF-8 text; the C protocol carries byte strings (latin1, one char per byte)
    let encoding: 'utf8' | 'latin1' = 'latin1';
    let chain: Promise<void> = Promise.resolve();
    let queued = 0;
    const connection: Connection = new Connection(socket, name, (line) => {
      if (handle === undefined) {
        // the first line picks the protocol
        if (/^\s*\{/.test(line.toString('latin1'))) {
          const json = new JsonProtocol(connection, this.control);
          handle = (text) => json.line(text);
          encoding = 'utf8';
        } else {
          const c = new CProtocol(connection, this.control);
          handle = (text) => c.line(text);
        }
      }
      if (++queued > MAX_QUEUED_REQUESTS) {
        connection.drop(`more than ${MAX_QUEUED_REQUESTS} requests waiting`);
        return;
      }
      const run = handle;
      const text = line.toString(encoding);
      chain = chain
        .then(() => (connection.closed ? undefined : run(text)))
        .catch((err: unknown) => log.error(`control socket: ${name}: ${(err as Error).message}`))
        .finally(() => queued--);
    });
    this.connections.add(connection);
    connection.onClose(() => {
      this.clients--;
      this.connections.delete(connection);
    });
    connection.send(cGreeting());
  }

  /** Stop listening, drop the clients, remove the socket file. */
  async close(): Promise<void> {
    for (const c of this.connections) c.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.removeFile();
  }
}
