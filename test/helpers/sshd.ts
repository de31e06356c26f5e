/**
 * A real OpenSSH server for the remote-destination tests: Debian's
 * `/usr/sbin/sshd -D -e` with a config, host key and authorized key of the
 * test's own, on a free loopback port. Root may log in by key only. The
 * client side gets an ssh command (for rsync's `-e`, RSYNC_RSH or
 * `--rsync-rsh`) that trusts exactly this server's host key and never asks.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tree.js';
import { collectOutput, freePort, LOOPBACK, stopChild, waitListening } from './servers.js';

/** Debian's sshd. */
export const SSHD = '/usr/sbin/sshd';

/** sshd's privilege separation directory: it refuses to start without it. */
const PRIVSEP_DIR = '/run/sshd';

/** A running sshd of the test's own. */
export interface SshServer {
  port: number;
  /** the ssh command a client uses: `ssh -p PORT -i KEY -o UserKnownHostsFile=FILE -o StrictHostKeyChecking=yes -o BatchMode=yes …` */
  rsh: string;
  /** an rsync destination on this server: `root@127.0.0.1:PATH` */
  destination(path: string): string;
  /** what sshd logged (-e: to stderr) */
  log(): string;
  /**
   * Restart on the same port with a new host key: what a client sees when a
   * host is replaced or a man in the middle answers. The client's known
   * hosts file keeps the old key.
   */
  changeHostKey(): Promise<void>;
  /** Stop the server for a while (connections refused), keeping its keys and port for restart(). */
  halt(): Promise<void>;
  /** Start it again after halt(), same key, same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of startSshd. */
export interface SshdOptions {
  /**
   * Directories put first in the PATH of the commands run over ssh
   * (sshd_config SetEnv): picks the rsync that answers on the server side.
   */
  remotePath?: readonly string[];
}

/** Whether this machine has an sshd and an ssh client to test with (setup.sh installs them when it runs as root). */
export function sshdAvailable(): boolean {
  return existsSync(SSHD) && (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, 'ssh')));
}

/** Start sshd; `stop()` it in a `finally`. Needs root (it logs in as root). */
export async function startSshd(options: SshdOptions = {}): Promise<SshServer> {
  if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  const dir = tempDir('clsync-sshd-');
  const file = (name: string): string => join(dir.path, name);
  const keygen = (name: string, comment: string): void => {
    rmSync(file(name), { force: true });
    rmSync(file(name) + '.pub', { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file(name)]);
  };
  keygen('host_key', 'clsync-test-host');
  keygen('client_key', 'clsync-test-client');
  writeFileSync(file('authorized_keys'), readFileSync(file('client_key.pub')));
  const port = await freePort();
  const knownHosts = (): void => writeFileSync(file('known_hosts'), `[${LOOPBACK}]:${port} ${readFileSync(file('host_key.pub'), 'latin1')}`);
  knownHosts();
  const path = [...(options.remotePath ?? []), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
  writeFileSync(
    file('sshd_config'),
    [
      `Port ${port}`,
      `ListenAddress ${LOOPBACK}`,
      `HostKey ${file('host_key')}`,
      'PidFile none',
      `AuthorizedKeysFile ${file('authorized_keys')}`,
      // root logs in (the tests write as root on the "remote" side), by key only
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // the key files sit in a temporary directory whose modes sshd would otherwise check
      'StrictModes no',
      // a full sync runs one rsync (one connection) per core at once
      'MaxStartups 64',
      `SetEnv PATH=${path}`,
      'LogLevel VERBOSE',
    ].join('\n') + '\n',
  );
  let child: ChildProcess;
  let output: () => string = () => '';
  let earlier = '';
  const launch = async (): Promise<void> => {
    child = spawn(SSHD, ['-D', '-e', '-f', file('sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
    output = collectOutput(child);
    await waitListening(child, port, 'sshd', () => earlier + output());
  };
  await launch();
  const rsh = [
    'ssh', '-F', '/dev/null', '-p', String(port), '-i', file('client_key'), '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${file('known_hosts')}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
  ].join(' ');
  return {
    port,
    rsh,
    destination: (p) => `root@${LOOPBACK}:${p}`,
    log: () => earlier + output(),
    async changeHostKey() {
      await stopChild(child);
      earlier += output();
      keygen('host_key', 'clsync-test-other-host');
      await launch();
    },
    async halt() {
      await stopChild(child);
      earlier += output();
    },
    async restart() {
      await launch();
    },
    async stop() {
      await stopChild(child);
      dir.remove();
    },
  };
}
