/**
 * `--socket-auth`: who may use the control socket.
 *
 * - `null` (clsync's only method): whoever the socket file's mode and owner
 *   (`--socket-mod`, `--socket-own`) let connect.
 * - `peercred[:WHO,…]`: on top of that, the connecting process's uid and gid
 *   as the kernel gives them (SO_PEERCRED) must be the daemon's own user,
 *   root, one of the users listed, or have one of the `@groups` listed as its
 *   primary group. WHO is a user name or number, or `@` and a group name or
 *   number: `peercred:backup,1001,@ops`.
 */
import { OptionError } from '../errors.js';
import { resolveId } from '../options/ids.js';

/** A connecting process as the kernel names it. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** The parsed `--socket-auth`. */
export type SocketAuth =
  | { readonly kind: 'null' }
  | { readonly kind: 'peercred'; readonly uids: ReadonlySet<number>; readonly gids: ReadonlySet<number> };

/** Parse `--socket-auth`; throws an OptionError naming the word it cannot resolve. */
export function parseSocketAuth(text: string): SocketAuth {
  const t = text.trim();
  if (t === '' || t === 'null') return { kind: 'null' };
  const m = /^peercred(?::(.*))?$/.exec(t);
  if (m === null) throw new OptionError(`--socket-auth: "${text}" is not a method; use null or peercred[:USER,@GROUP,…]`);
  const uids = new Set<number>([0, process.getuid?.() ?? 0]);
  const gids = new Set<number>();
  for (const word of (m[1] ?? '').split(',').map((w) => w.trim()).filter((w) => w !== '')) {
    const group = word.startsWith('@');
    const name = group ? word.slice(1) : word;
    const id = resolveId(name, group ? '/etc/group' : '/etc/passwd');
    if (id === undefined || !Number.isInteger(id) || id < 0) {
      throw new OptionError(`--socket-auth: no ${group ? 'group' : 'user'} "${name}" (not in ${group ? '/etc/group' : '/etc/passwd'}); give a name or a number`);
    }
    (group ? gids : uids).add(id);
  }
  return { kind: 'peercred', uids, gids };
}

/** Whether a peer may use the socket; `undefined` credentials (unreadable) are refused under peercred. */
export function allows(auth: SocketAuth, peer: PeerCredentials | undefined): boolean {
  if (auth.kind === 'null') return true;
  if (peer === undefined) return false;
  return auth.uids.has(peer.uid) || auth.gids.has(peer.gid);
}
