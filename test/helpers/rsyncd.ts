/**
 * A real rsync daemon for the remote-destination tests: `rsync --daemon
 * --no-detach` (the rsync on PATH) with a config of the test's own, on a
 * free loopback port, one writable module over a temporary directory the
 * test reads as "the server's disk". Optionally with `auth users` and a
 * secrets file, and the client's password file to match.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tree.js';
import { collectOutput, freePort, LOOPBACK, stopChild, waitListening } from './servers.js';

/** The module every test daemon offers. */
export const MODULE = 'mirror';

/** A running rsync daemon of the test's own. */
export interface RsyncDaemon {
  port: number;
  /** the module's directory on the "server" (local here, so the test can compare it) */
  dir: string;
  /** `rsync://[user@]127.0.0.1:PORT/mirror/PATH` */
  url(path: string): string;
  /** the client's password file (with `auth`), mode 0600 */
  passwordFile?: string;
  log(): string;
  /** SIGSTOP the listening daemon: new connections hang (a frozen server); thaw() with SIGCONT. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/** Options of startRsyncd. */
export interface RsyncdOptions {
  /** `auth users` with this user and password; the client gets a password file */
  auth?: { user: string; password: string };
  /** `use chroot` (rsyncd's default: yes) */
  chroot?: boolean;
  /** the rsync program serving (default: rsync on PATH) */
  program?: string;
}

/** Start an rsync daemon; `stop()` it in a `finally`. Needs root (uid = root in the module). */
export async function startRsyncd(options: RsyncdOptions = {}): Promise<RsyncDaemon> {
  const base = tempDir('clsync-rsyncd-');
  const file = (name: string): string => join(base.path, name);
  const dir = file('module');
  mkdirSync(dir);
  const auth = options.auth;
  const moduleLines = [
    `[${MODULE}]`,
    `  path = ${dir}`,
    '  read only = false',
    '  uid = root',
    '  gid = root',
    `  use chroot = ${options.chroot === false ? 'no' : 'yes'}`,
    // a mirror keeps symlinks as they are: rsyncd munges them by default without chroot (and even with
    // munging off, a daemon without chroot strips the leading "/" of absolute targets: use chroot for mirrors)
    '  munge symlinks = no',
  ];
  let passwordFile: string | undefined;
  if (auth) {
    writeFileSync(file('secrets'), `${auth.user}:${auth.password}\n`, { mode: 0o600 });
    passwordFile = file('password');
    writeFileSync(passwordFile, `${auth.password}\n`, { mode: 0o600 });
    chmodSync(passwordFile, 0o600);
    moduleLines.push(`  auth users = ${auth.user}`, `  secrets file = ${file('secrets')}`, '  strict modes = yes');
  }
  writeFileSync(file('rsyncd.conf'), ['pid file =', `log file = ${file('rsyncd.log')}`, ...moduleLines].join('\n') + '\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    options.program ?? 'rsync',
    ['--daemon', '--no-detach', `--config=${file('rsyncd.conf')}`, `--port=${port}`, `--address=${LOOPBACK}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = collectOutput(child);
  // rsyncd writes its connections and errors to its log file, not to stderr
  const log = (): string => output() + (existsSync(file('rsyncd.log')) ? readFileSync(file('rsyncd.log'), 'utf8') : '');
  try {
    await waitListening(child, port, 'rsync --daemon', log);
  } catch (e) {
    await stopChild(child);
    base.remove();
    throw e;
  }
  const user = auth ? `${auth.user}@` : '';
  return {
    port,
    dir,
    url: (p) => `rsync://${user}${LOOPBACK}:${port}/${MODULE}/${p}`,
    passwordFile,
    log,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT');
      await stopChild(child);
      base.remove();
    },
  };
}

