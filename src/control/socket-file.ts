/**
 * The control socket's file: made where nothing planted can redirect it,
 * a stale one (a daemon that died) replaced, a live one never taken over,
 * and removed at exit only while it is still ours.
 *
 * The socket is bound at a new random name beside the path, given its mode
 * and owner there (through an O_PATH descriptor that does not follow
 * symlinks, checked to be a socket), then renamed over the path: rename(2)
 * replaces a stale socket, and clients never see it half set up.
 */
import { chmodSync, chownSync, closeSync, fstatSync, lstatSync, openSync, renameSync, rmSync, constants, type Stats } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { OptionError } from '../errors.js';
import { randomPart } from '../safe-files.js';
import { resolveId } from '../options/ids.js';

/** open(2)'s O_PATH (Linux, every architecture Node runs on here); Node does not export it. */
const O_PATH = 0o10000000;

/** What `--socket-own USER[:GROUP]` resolves to (-1 = unchanged, as chown takes it). */
export interface SocketOwner {
  uid: number;
  gid: number;
}

/** Parse `--socket-own USER[:GROUP]` (names or numbers). */
export function parseSocketOwner(text: string | undefined): SocketOwner | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const [user = '', group = ''] = text.trim().split(':');
  const uid = user === '' ? -1 : resolveId(user, '/etc/passwd');
  const gid = group === '' ? -1 : resolveId(group, '/etc/group');
  if (uid === undefined) throw new OptionError(`--socket-own: no user "${user}" (not in /etc/passwd); give USER[:GROUP] as names or numbers`);
  if (gid === undefined) throw new OptionError(`--socket-own: no group "${group}" (not in /etc/group); give USER[:GROUP] as names or numbers`);
  return { uid, gid };
}

/** Whether a daemon answers on the socket at `path` (a refused or failed connection: stale). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    const done = (live: boolean): void => {
      probe.destroy();
      resolve(live);
    };
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
    probe.setTimeout(1000, () => done(false));
  });
}

function lstatOrUndefined(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/** A listening control socket file; `remove()` at exit. */
export interface BoundSocket {
  server: Server;
  /** remove the file if it still is the socket we made */
  remove(): void;
}

/**
 * Listen on `path`: refuse when something that is not a socket is there,
 * or a live daemon answers on it; replace a stale socket.
 */
export async function bindSocketFile(
  path: string,
  mode: number,
  owner: SocketOwner | undefined,
  server: Server = createServer(),
): Promise<BoundSocket> {
  const existing = lstatOrUndefined(path);
  if (existing && !existing.isSocket()) {
    throw new OptionError(`--socket ${path}: something that is not a socket is there (${existing.isSymbolicLink() ? 'a symlink' : 'a file or directory'}); remove it or give another path`);
  }
  if (existing && (await answers(path))) {
    throw new OptionError(`--socket ${path}: another daemon is listening on it; stop it or give another path`);
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomPart()}`);
  if (Buffer.byteLength(temporary) > 107) {
    throw new OptionError(`--socket ${path}: the path is too long for a unix socket (at most ${107 - 14} bytes); give a shorter one`);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(temporary, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let made: Stats;
  try {
    const fd = openSync(temporary, O_PATH | constants.O_NOFOLLOW);
    try {
      made = fstatSync(fd);
      if (!made.isSocket()) throw new Error('replaced by something else before it was set up');
      // chmod/chown of an O_PATH descriptor's /proc link act on that inode, never on a name swapped in since
      const self = `/proc/self/fd/${fd}`;
      chmodSync(self, mode);
      if (owner) chownSync(self, owner.uid, owner.gid);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (err) {
    server.close();
    rmSync(temporary, { force: true });
    throw new OptionError(`--socket ${path}: cannot set it up: ${(err as Error).message}`);
  }
  return {
    server,
    remove(): void {
      const now = lstatOrUndefined(path);
      if (now && now.isSocket() && now.ino === made.ino && now.dev === made.dev) rmSync(path, { force: true });
    },
  };
}
