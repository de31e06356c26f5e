/**
 * Remote destinations as rsync names them: `[user@]host:path` (rsync over a
 * remote shell, ssh by default) and `rsync://[user@]host[:port]/module/path`
 * or `[user@]host::module/path` (an rsync daemon). What kind a `-D` is, and
 * the rsync options that reach it (`--rsh`, `--password-file`).
 */

/** How rsync reaches a destination. */
export type DestinationKind = 'local' | 'shell' | 'daemon';

/**
 * rsync's own rule (main.c check_for_hostspec): `rsync://` is a daemon URL;
 * a colon before the first slash names a host (an IPv6 address in
 * brackets) — two colons a daemon, one a remote shell. Anything else is a
 * local path.
 */
export function destinationKind(dest: string): DestinationKind {
  if (/^rsync:\/\//i.test(dest)) return 'daemon';
  // [user@]host: or [user@][IPv6]: — the brackets keep an address's colons out of the host's end
  const host = /^(?:[^/@:[]*@)?(?:\[[^\]/]*\]|[^/:[]*):(:?)/.exec(dest);
  if (!host) return 'local';
  return host[1] === ':' ? 'daemon' : 'shell';
}

/** The options for remote destinations (`--rsync-rsh`, `--rsync-password-file`); undefined = not given. */
export interface RemoteTransport {
  /** the remote shell command for `host:path` (rsync `--rsh`) */
  readonly rsh?: string;
  /** the password file for a daemon with `auth users` (rsync `--password-file`), absolute */
  readonly passwordFile?: string;
}

/**
 * The words added to `%RSYNC-ARGS%` of every rsync run that goes to `dest`:
 * the remote shell for a shell destination, the password file for a daemon.
 * A local destination gets none. (rsync would ignore `--password-file` over
 * ssh and `--rsh` for a daemon URL; leaving them out keeps the command
 * lines, the log and the privileged helper's registered vectors honest.)
 */
export function transportArgs(dest: string, transport: RemoteTransport): string[] {
  const kind = destinationKind(dest);
  if (kind === 'shell' && transport.rsh !== undefined && transport.rsh !== '') return [`--rsh=${transport.rsh}`];
  if (kind === 'daemon' && transport.passwordFile !== undefined && transport.passwordFile !== '') return [`--password-file=${transport.passwordFile}`];
  return [];
}

/**
 * What an rsync exit code means at a remote destination, when it says more
 * than rsync's own wording: 255 is mostly the remote shell's "could not
 * connect or log in" (ssh exits 255 on a refused host key, a refused key,
 * an unreachable host; rsync passes that on), 5 and 10 a daemon that
 * refused or could not be reached.
 */
export function remoteExitMeaning(kind: DestinationKind, code: number): string | undefined {
  if (kind === 'shell' && code === 255) {
    // rsync also ends with 255 when the remote rsync dies (e.g. a protocol error): say both, the messages above tell which
    return "the remote side ended unexpectedly: ssh could not connect or log in (a changed host key, a refused key, the host unreachable), or the remote rsync failed; see the messages above";
  }
  if (kind === 'shell' && code === 12) return 'the connection to the remote rsync broke: see the messages above (ssh, or the remote rsync missing)';
  if (kind === 'daemon' && code === 5) return 'the rsync daemon refused: an unknown module, a wrong user or password (--rsync-password-file), or the daemon\'s own limits';
  if (kind === 'daemon' && code === 10) return 'the rsync daemon could not be reached: is it running, and on this port?';
  return undefined;
}
