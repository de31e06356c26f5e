/**
 * Remote destinations (issue 12): rsync's kinds of `-D`, the words added to
 * %RSYNC-ARGS% per kind, and the refusals of options no run would carry,
 * of a `-D` that names no directory, and of a readable password file.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSettings } from '../../src/options/index.js';
import { OptionError } from '../../src/errors.js';
import { destinationKind, transportArgs } from '../../src/rsync/remote.js';
import { handlerOptions } from '../../src/handlers/options.js';
import { permittedExecs } from '../../src/security/permitted.js';
import { remoteMoveArgv } from '../../src/destination/remote-moves.js';
import { remoteMoveCommand } from '../../src/handlers/files-from/remote-replay.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-remote-opts-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const src = path.join(tmp, 'src');
fs.mkdirSync(src);
const secret = path.join(tmp, 'secret');
fs.writeFileSync(secret, 'pw\n', { mode: 0o600 });
const readable = path.join(tmp, 'readable');
fs.writeFileSync(readable, 'pw\n', { mode: 0o644 });
fs.chmodSync(readable, 0o644);

const load = (...args: string[]) => loadSettings(['-Mrsyncdirect', `-W${src}`, ...args], { configSearchPath: [] });

function refused(args: string[], message: RegExp): void {
  assert.throws(() => load(...args), (e: unknown) => e instanceof OptionError && message.test(e.message), args.join(' '));
}

test('destination kinds follow rsync: rsync:// and host:: are daemons, host:path a remote shell, the rest local', () => {
  assert.equal(destinationKind('rsync://h/m/p'), 'daemon');
  assert.equal(destinationKind('RSYNC://u@h:873/m'), 'daemon');
  assert.equal(destinationKind('h::m/p'), 'daemon');
  assert.equal(destinationKind('u@h:p'), 'shell');
  assert.equal(destinationKind('h:/abs'), 'shell');
  assert.equal(destinationKind('[::1]:p'), 'shell');
  assert.equal(destinationKind('u@[fe80::1]::m'), 'daemon');
  assert.equal(destinationKind('/local/with:colon'), 'local');
  assert.equal(destinationKind('./rel:x'), 'local');
});

test('the transport words go only to a destination of their kind', () => {
  const t = { rsh: 'ssh -p 2222', passwordFile: '/etc/pw' };
  assert.deepEqual(transportArgs('h:dir', t), ['--rsh=ssh -p 2222']);
  assert.deepEqual(transportArgs('rsync://u@h/m/d', t), ['--password-file=/etc/pw']);
  assert.deepEqual(transportArgs('/local', t), []);
  assert.deepEqual(transportArgs('h:dir', {}), []);
});

test('--rsync-rsh and --rsync-password-file reach the settings, the password file made absolute', () => {
  const s = load('-Dh:dir', '--rsync-rsh=ssh -p 2222');
  assert.equal(s.rsyncRsh, 'ssh -p 2222');
  const rel = path.relative(process.cwd(), secret);
  const d = load('-Drsync://u@h/m/d', `--rsync-password-file=${rel}`);
  assert.equal(d.rsyncPasswordFile, secret);
  assert.deepEqual(handlerOptions(d).transport, { rsh: undefined, passwordFile: secret });
});

test('the privileged helper registers the transport words with the rsync runs, and the rename command', () => {
  const s = load('-Dh:dir', '--rsync-rsh=ssh -p 2222');
  const hex = Buffer.from('--rsh=ssh -p 2222').toString('hex');
  const vectors = permittedExecs(s).vectors;
  const probe = Buffer.from('clsync-probe-').toString('hex');
  const rsync = Buffer.from('rsync').toString('hex') + ' ';
  // every rsync run but the deletion probe (local, on a directory of its own)
  const runs = vectors.filter((v) => v.startsWith(rsync) && !v.includes(probe));
  assert.ok(runs.length >= 2 && runs.every((v) => v.includes(hex)), `a vector without --rsh:\n${vectors.join('\n')}`);
  // the renames at the destination: exactly one fixed command line, no wildcard in it
  const hexWords = (argv: string[]) => argv.map((w) => Buffer.from(w).toString('hex')).join(' ');
  assert.ok(vectors.includes(hexWords(remoteMoveArgv({ host: 'h', path: 'dir' }, 'ssh -p 2222'))), vectors.join('\n'));
});

test('options no run would carry are refused, naming the fix', () => {
  refused(['-D/local/dir', '--rsync-rsh=ssh'], /--rsync-rsh: is for a host:dir destination, and -D "\/local\/dir" is none/);
  refused(['-Dh:dir', `--rsync-password-file=${secret}`], /--rsync-password-file: is for a rsync:\/\/user@host\/module\/dir destination/);
  refused(['-Drsync://h/m/d', '--rsync-rsh=ssh'], /--rsync-rsh: is for a host:dir destination/);
  refused(['-Dh:dir', '--rsync-rsh=ssh', '--', '-a', '%watch-dir%/', '%destination-dir%/'], /only --mode=rsyncdirect has/);
  // the user's arguments with %RSYNC-ARGS% carry them
  assert.equal(load('-Dh:dir', '--rsync-rsh=ssh', '--', '%RSYNC-ARGS%', '%watch-dir%/', '%destination-dir%/').rsyncRsh, 'ssh');
});

test('a remote -D that names no directory or no module is refused', () => {
  refused(['-Dhost:'], /names no directory on the host .*write host:\. for the home directory/);
  refused(['-Duser@host:/'], /names no directory on the host/);
  refused(['-Dhost::'], /names no module/);
  refused(['-Drsync://host/'], /names no module/);
  refused(['-Drsync://host:873'], /names no module/);
  assert.equal(load('-Dhost:.').destinationDir, 'host:.');
  assert.equal(load('-Drsync://host/m').destinationDir, 'rsync://host/m');
});

test('a password file that is missing, not a file, or readable by others is refused', () => {
  refused(['-Drsync://u@h/m/d', `--rsync-password-file=${path.join(tmp, 'none')}`], /cannot use .*ENOENT/);
  refused(['-Drsync://u@h/m/d', `--rsync-password-file=${tmp}`], /is not a regular file/);
  refused(['-Drsync://u@h/m/d', `--rsync-password-file=${readable}`], /can be read by others \(mode 644\); chmod 600 it/);
});

test('renames go over the remote shell only for host:dir with the default arguments: --rsync-rsh, else RSYNC_RSH, else ssh', () => {
  const command = (args: string[], env: NodeJS.ProcessEnv = {}) => remoteMoveCommand(handlerOptions(load(...args)), env);
  assert.deepEqual(command(['-Du@h:dir', '--rsync-rsh=ssh -p 2'])?.slice(0, 6), ['ssh', '-p', '2', '-l', 'u', 'h']);
  assert.deepEqual(command(['-Dh:dir'], { RSYNC_RSH: 'ssh -p 3' })?.slice(0, 4), ['ssh', '-p', '3', 'h']);
  assert.deepEqual(command(['-Dh:dir'])?.slice(0, 2), ['ssh', 'h']);
  assert.equal(command(['-Drsync://h/m/d']), null);
  assert.equal(command(['-D/local']), null);
  assert.equal(command(['-Dh:dir', '--', '%RSYNC-ARGS%', '%watch-dir%/', '%destination-dir%/']), null);
});
