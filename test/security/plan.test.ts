/** The privilege plan: who runs as whom, and each combination that cannot hold refused naming the option. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/options/index.js';
import { privilegePlan } from '../../src/security/plan.js';
import { OptionError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'clsync-plan-'));
const base = ['-H', '/NULL/', '-Mrsyncdirect', `-W${dir}`, `-D${dir}-dst`];
const plan = (args: string[], uid = 0, gid = 0) => privilegePlan(loadSettings([...base, ...args]), uid, gid);
const refused = (args: string[], message: RegExp, uid = 0): void =>
  assert.throws(() => plan(args, uid), (e: unknown) => e instanceof OptionError && message.test(e.message));

test('no security option: no relaunch, children as they are', () => {
  const p = plan([]);
  assert.equal(p.launcherArgs, null);
  assert.deepEqual(p.childPolicyArgs, []);
  assert.equal(p.splitting, 'off');
});

test('--uid nobody: the daemon keeps the C default capabilities, handlers switch back to root', () => {
  const p = plan(['--uid', 'nobody', '--gid', 'nogroup']);
  assert.deepEqual(p.daemon.uid, 65534);
  assert.deepEqual(p.keptCapabilities, ['CAP_DAC_READ_SEARCH', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL']);
  const args = p.launcherArgs!;
  assert.equal(args[args.indexOf('--daemon-caps') + 1], 'e4');
  assert.equal(args[args.indexOf('--daemon-uid') + 1], '65534');
  assert.ok(!args.includes('--server'));
  assert.deepEqual(p.childPolicyArgs.slice(0, 2), ['--as-gid', '0']);
  assert.equal(p.childPolicyArgs[p.childPolicyArgs.indexOf('--as-uid') + 1], '0');
  assert.equal(p.childPolicyArgs[p.childPolicyArgs.indexOf('--ambient') + 1], '0', '--inherit-capabilities=empty by default');
});

test('--secure-splitting: nobody without capabilities, the helper checks, seccomp, no devices; -C and thread honoured', () => {
  const p = plan(['--secure-splitting']);
  assert.equal(p.splitting, 'process');
  assert.equal(p.daemon.uid, 65534);
  assert.deepEqual(p.keptCapabilities, []);
  const args = p.launcherArgs!;
  for (const flag of ['--server', '--no-new-privs', '--check', '--seccomp', '--private-dev']) assert.ok(args.includes(flag), flag);
  assert.ok(args.includes('--allow'));
  assert.deepEqual(p.childPolicyArgs, [], 'the helper holds the policy');
  assert.deepEqual(plan(['--splitting=process', '-C', 'CAP_DAC_READ_SEARCH']).keptCapabilities, ['CAP_DAC_READ_SEARCH']);
  assert.equal(plan(['--splitting=thread']).splitting, 'process');
  assert.match(plan(['--splitting=thread']).summary, /splitting process \(asked: thread\)/);
});

test('namespaces: everywhere for both, non-privileged for the daemon only, ipc and miscellanea', () => {
  assert.deepEqual(plan(['--detach-network=everywhere']).launcherArgs, ['--unshare-all', 'net']);
  assert.deepEqual(plan(['--detach-ipc=1']).launcherArgs, ['--unshare-all', 'ipc']);
  assert.deepEqual(plan(['--detach-miscellanea']).launcherArgs, ['--unshare-all', 'ipc,uts']);
  const np = plan(['--splitting=process', '--detach-network=non-privileged']).launcherArgs!;
  assert.equal(np[np.indexOf('--daemon-unshare') + 1], 'net');
});

test('a root daemon confines each child itself: chroot, pivot, kept mounts, devices', () => {
  const p = plan(['--chroot', '/srv/jail', '--pivot-root=auto-ro', '--mountpoints=/proc', '--forbid-devices']);
  assert.equal(p.launcherArgs, null);
  assert.deepEqual(p.childPolicyArgs, ['--root', '/srv/jail', '--pivot', 'auto-ro', '--keep-mount', '/proc', '--private-dev']);
});

test('combinations that cannot hold are refused, naming the option', () => {
  refused(['--seccomp-filter'], /^--seccomp-filter: needs --splitting=process/);
  refused(['--check-execvp-arguments'], /^--check-execvp-arguments: needs --splitting=process/);
  refused(['--detach-network=non-privileged'], /^--detach-network=non-privileged: needs --splitting=process/);
  refused(['--splitting=process', '--add-permitted-hook-files=/bin/true'], /^--add-permitted-hook-files: has a meaning only with --check-execvp-arguments/);
  refused(['--pivot-root=auto'], /^--pivot-root: needs --chroot DIR/);
  refused(['--chroot=/srv', '--mountpoints=/proc'], /^--mountpoints: needs --pivot-root/);
  refused(['--uid', 'nobody', '--chroot', '/srv'], /^--chroot: with --uid\/--gid needs --splitting=process/);
  refused(['--uid', 'nobody', '--forbid-devices'], /^--forbid-devices: with --uid\/--gid needs --splitting=process/);
  refused(['--uid', '0'], /^--uid: needs root \(the daemon was started as uid 1000\)/, 1000);
  refused(['--splitting=process'], /^--splitting: needs root/, 1000);
});

test('--check-execvp-arguments registers the handler, its initial-sync set, rsyncdirect\'s runs and the hooks', () => {
  const p = plan(['--splitting=process', '--check-execvp-arguments', '--exit-hook=/bin/true', '--add-permitted-hook-files=/usr/local/bin/notify']);
  const allowed = p.launcherArgs!.filter((_, i, a) => a[i - 1] === '--allow');
  const hex = (s: string): string => Buffer.from(s).toString('hex');
  assert.ok(allowed.includes(`${hex('/bin/true')} ${hex('nolabel')}`), 'the exit hook with the label');
  assert.ok(allowed.includes(`${hex('/usr/local/bin/notify')} **`), 'a permitted hook file with any arguments');
  const group = allowed.find((v) => v.includes('('))!;
  assert.ok(group.startsWith(`${hex('rsync')} (`), group);
  assert.ok(group.endsWith(` ${hex(`${dir}/`)} ${hex(`${dir}-dst/`)}`), 'the two directories, literally');
  assert.ok(group.includes(hex('--delete-missing-args')) && group.includes(`${hex('--files-from=')}${hex(tmpdir())}`));
  const shell = privilegePlan(loadSettings(['-H', '/NULL/', '-Mshell', '-S/usr/local/bin/sync.sh', `-W${dir}`, '--splitting=process', '--check-execvp-arguments']), 0, 0);
  const shellAllowed = shell.launcherArgs!.filter((_, i, a) => a[i - 1] === '--allow');
  // the initial-sync set too (the C tool forgot it): shell mode's initialsync line
  assert.deepEqual(shellAllowed, [
    `${hex('/usr/local/bin/sync.sh')} ${hex('synclist')} ${hex('nolabel')} *`,
    `${hex('/usr/local/bin/sync.sh')} ${hex('initialsync')} ${hex('nolabel')} **`,
  ]);
});
