import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSettings, helpText, VERSION, OPTIONS, substituteSettings } from '../../src/options/index.js';
import { OptionError } from '../../src/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const src = path.join(tmp, 'src');
const dst = path.join(tmp, 'dst');
fs.mkdirSync(src);
fs.mkdirSync(dst);
/** No config file is ever read by these tests. */
const noConfig = { configSearchPath: [] as string[] };
const load = (argv: string[]) => loadSettings(argv, noConfig);
const base = ['-Mrsyncdirect', `-W${src}`, `-D${dst}`];

function throwsOption(argv: string[], re: RegExp): void {
  assert.throws(() => load(argv), (e: unknown) => e instanceof OptionError && re.test(e.message), argv.join(' '));
}

test('seed command line 1: -Mrsyncdirect -W/src -D/dst -w0 -t0 -T0', () => {
  const s = load([...base, '-w0', '-t0', '-T0']);
  assert.equal(s.mode, 'rsyncdirect');
  assert.equal(s.watchDir, fs.realpathSync(src));
  assert.equal(s.destinationDir, fs.realpathSync(dst));
  assert.equal(s.delaySync, 0);
  assert.equal(s.delayCollect, 0);
  assert.equal(s.delayCollectBigfile, 0);
  assert.equal(s.syncHandler, 'rsync', 'rsyncdirect defaults the handler to rsync');
  assert.equal(s.handlerArgs, null);
});

test('seed command line 2: own handler arguments, no -D needed', () => {
  const s = load(['--exit-on-no-events', '--max-iterations=20', '--mode=rsyncdirect', `-W${src}`, '-Srsync',
    '--', '%RSYNC-ARGS%', '/src/', '/dst/']);
  assert.equal(s.exitOnNoEvents, true);
  assert.equal(s.maxIterations, 20);
  assert.equal(s.destinationDir, undefined);
  assert.deepEqual(s.handlerArgs, ['%RSYNC-ARGS%', '/src/', '/dst/']);
});

test('defaults are clsync\'s', () => {
  const s = load(base);
  assert.equal(s.delayCollect, 30);
  assert.equal(s.delayCollectBigfile, 1800);
  assert.equal(s.thresholdBigfile, 134217728);
  assert.equal(s.delaySync, 30);
  assert.equal(s.retries, 1);
  assert.equal(s.timeoutSync, 86400);
  assert.equal(s.rsyncInclimit, 20000);
  assert.equal(s.label, 'nolabel');
  assert.equal(s.output, 'stderr');
  assert.equal(s.monitor, 'inotify');
  assert.equal(s.threading, 'off');
  assert.equal(s.maxIterations, 0);
  assert.equal(s.configBlock, 'default');
  assert.equal(s.debug, 0);
  assert.equal(s.verbose, 3);
  assert.deepEqual(s.ignoreExitcode, []);
  assert.equal(s.fullInitialsync, false);
  assert.equal(s.rulesFile, undefined);
});

test('every spelling of -M gives the same settings', () => {
  for (const m of [['-Mrsyncdirect'], ['-M', 'rsyncdirect'], ['--mode=rsyncdirect'], ['--mode', 'rsyncdirect'], ['--mod=rsyncdirect']]) {
    // --mod is ambiguous (mode, modification-signature): must fail; the others work
    if (m[0] === '--mod=rsyncdirect') {
      throwsOption([...m, `-W${src}`, `-D${dst}`], /^--mod: ambiguous/);
      continue;
    }
    assert.equal(load([...m, `-W${src}`, `-D${dst}`]).mode, 'rsyncdirect');
  }
});

test('-x and -d accumulate; -d5 sets a level; =0 disables', () => {
  const s = load([...base, '-x', '23', '--ignore-exitcode=24,25', '-x24', '-d', '-d', '-v']);
  assert.deepEqual(s.ignoreExitcode, [23, 24, 25]);
  assert.equal(s.debug, 2);
  assert.equal(s.verbose, 4);
  assert.deepEqual(load([...base, '-x23', '-x0', '-x7']).ignoreExitcode, [7]);
  assert.equal(load([...base, '-d5']).debug, 5);
  assert.equal(load([...base, '--debug=5', '-d']).debug, 6);
  assert.equal(load([...base, '-F', '--full-initialsync=0']).fullInitialsync, false);
  assert.equal(load([...base, '--one-file-system']).oneFileSystem, true);
  assert.equal(load([...base, '-B0']).thresholdBigfile, 0);
  assert.equal(load([...base, '-r0']).retries, 0);
});

test('an empty value disables a string option', () => {
  const s = load([...base, '-R', '', '--status-file=', '-l', '']);
  assert.equal(s.rulesFile, undefined);
  assert.equal(s.statusFile, undefined);
  assert.equal(s.label, '');
  assert.equal(load([...base, '-R/some/rules', '-R', '']).rulesFile, undefined);
});

test('the last of a repeated option wins', () => {
  assert.equal(load([...base, '-t5', '-t7']).delayCollect, 7);
});

test('%option% substitution uses options set earlier; unknown words stay', () => {
  const s = load([...base, '-l', 'web', '--status-file=/run/clsync-%label%.status', '-z', '/run/%PID%-%nothing%.pid',
    '--', '%RSYNC-ARGS%', '%watch-dir%/', 'host:%label%/', '100%%']);
  assert.equal(s.statusFile, '/run/clsync-web.status');
  assert.equal(s.pidFile, `/run/${process.pid}-%nothing%.pid`);
  assert.deepEqual(s.handlerArgs, ['%RSYNC-ARGS%', `${fs.realpathSync(src)}/`, 'host:web/', '100%%']);
  // clsync expands at parse time: an option given later is not yet known
  assert.equal(load([...base, '--status-file=/run/%label%', '-l', 'web']).statusFile, '/run/nolabel');
  assert.equal(substituteSettings('%destination-dir%/x %INCLUDE-LIST%', s), `${fs.realpathSync(dst)}/x %INCLUDE-LIST%`);
});

test('names and paths are byte strings (latin1), never re-decoded', () => {
  const s = load([...base, '-l', 'é']);
  assert.equal(s.label, '\u00c3\u00a9');
  assert.equal(Buffer.from(s.label, 'latin1').toString('utf8'), 'é');
});

test('bad values name the option as typed', () => {
  throwsOption([...base, '-t', 'soon'], /^-t \(--delay-collect\): "soon" is not a number/);
  throwsOption([...base, '--delay-sync=-1'], /^--delay-sync: -1 is out of range/);
  throwsOption([...base, '-Yjournal'], /^-Y \(--output\): "journal" is not valid/);
  throwsOption([...base, '-x', '2x'], /^-x \(--ignore-exitcode\):/);
  throwsOption([...base, '-Mfast'], /^-M \(--mode\): "fast" is not valid; use one of: simple, direct/);
  throwsOption([...base, '-qU'], /^-q \(--quiet\): "U" is not a number; short options cannot be bundled after -q, write -q -U/);
});

test('unsupported options are refused when not at their default, never ignored', () => {
  throwsOption([...base, '--cgroup-group-name=clsync/1'], /^--cgroup-group-name: not supported yet/);
  throwsOption([...base, '--forget-privthread-info'], /^--forget-privthread-info: not supported yet/);
  throwsOption([...base, '--cluster-iface', 'eth0'], /^--cluster-iface: not supported yet/);
  assert.deepEqual(load([...base, '--modification-signature=uid,gid']).modificationSignature, ['uid', 'gid']);
  assert.deepEqual(load([...base, '--modification-signature=*']).modificationSignature, ['*']);
  throwsOption([...base, '--modification-signature=colour'], /--modification-signature/);
  // left at the default they are accepted
  assert.equal(load([...base, '--background=0', '--pivot-root=off', '--detach-ipc=0', '--mountpoints=']).mode, 'rsyncdirect');
});

test('--uid/--gid and the other ids take numbers or names; an unknown name is refused naming the option', () => {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const s = load([...base, '--uid', String(uid), '-g', String(gid)]);
  assert.equal(s.uid, String(uid));
  assert.equal(s.gid, String(gid));
  const user = os.userInfo().username;
  const group = fs.readFileSync('/etc/group', 'latin1').split('\n').find((l) => l.split(':')[2] === String(gid))?.split(':')[0];
  assert.equal(load([...base, `--uid=${user}`, ...(group ? [`--gid=${group}`] : [])]).uid, user);
  assert.equal(load([...base, '--uid', '65534', '--sync-handler-uid=0']).uid, '65534');
  throwsOption([...base, '--uid=no-such-user-here'], /^--uid: no user "no-such-user-here" \(not in \/etc\/passwd; give a number\)/);
  throwsOption([...base, '--sync-handler-gid=no-such-group-here'], /^--sync-handler-gid: no group "no-such-group-here"/);
  throwsOption([...base, '--preserve-capabilities=CAP_SYS_ADMIN'], /^--preserve-capabilities: "CAP_SYS_ADMIN" is not valid/);
});

test('unsupported values of supported options are refused with the reason', () => {
  throwsOption([...base, '--monitor=fanotify'], /^--monitor: "fanotify" is not supported yet; use inotify/);
  for (const m of ['kqueue', 'bsm', 'gio', 'dtracepipe']) {
    throwsOption([...base, `--monitor=${m}`], /is not available on Linux; use inotify/);
  }
  assert.equal(load([...base, '-psafe']).threading, 'safe');
  assert.equal(load([...base, '--threading=full']).threading, 'full');
  throwsOption([...base, '-psafe', '--max-iterations=2'], /^-p\/--threading safe and --max-iterations cannot be used together/);
  assert.equal(load([...base, '--threading=off', '--monitor=inotify']).threading, 'off');
});

test('the program modes: -S required where the mode has no default program; simple refuses a standby file', () => {
  for (const m of ['simple', 'shell', 'rsyncshell']) {
    throwsOption(['-M', m, `-W${src}`], new RegExp(`^--sync-handler \\(-S\\) is not set; mode "${m}" has no default program`));
    assert.equal(load(['-M', m, `-W${src}`, '-S/bin/true']).mode, m);
  }
  assert.equal(load(['-Mdirect', `-W${src}`, `-D${dst}`]).syncHandler, 'cp'); // the mode's default
  throwsOption(['-Msimple', `-W${src}`, '-S/bin/true', `--standby-file=${tmp}/standby`], /^--standby-file cannot be used with --mode=simple/);
});

test('required options: -M and -W; -W must be an existing directory', () => {
  throwsOption([`-W${src}`, `-D${dst}`], /^--mode \(-M\) is not set/);
  throwsOption(['-Mrsyncdirect', `-D${dst}`], /^--watch-dir \(-W\) is not set/);
  throwsOption(['-Mrsyncdirect', `-W${tmp}/missing`, `-D${dst}`], /^-W \(--watch-dir\): cannot use ".*missing": ENOENT/);
  const file = path.join(tmp, 'plain-file');
  fs.writeFileSync(file, '');
  throwsOption(['-Mrsyncdirect', `--watch-dir=${file}`, `-D${dst}`], /^--watch-dir: ".*plain-file" is not a directory/);
});

test('the watch dir becomes its realpath; a local destination becomes absolute', () => {
  const link = path.join(tmp, 'link-to-src');
  fs.symlinkSync(src, link);
  const cwd = process.cwd();
  process.chdir(tmp);
  try {
    const s = load(['-Mrsyncdirect', '-W', 'link-to-src', '-D', 'new-dst']);
    assert.equal(s.watchDir, fs.realpathSync(src));
    assert.equal(s.destinationDir, path.join(fs.realpathSync(tmp), 'new-dst'));
    assert.equal(load(['-Mrsyncdirect', '-W', 'src', '-D', 'backup@host:/srv/x']).destinationDir, 'backup@host:/srv/x');
  } finally {
    process.chdir(cwd);
  }
});

test('-D is required only when the handler arguments in effect use %destination-dir%', () => {
  throwsOption(['-Mrsyncdirect', `-W${src}`], /^--destination-dir \(-D\) is not set, but the default arguments of mode "rsyncdirect" use %destination-dir%/);
  throwsOption(['-Mrsyncdirect', `-W${src}`, '--'], /default arguments/);
  throwsOption(['-Mrsyncdirect', `-W${src}`, '--', '-a', '%watch-dir%/', '%destination-dir%/'], /the sync handler arguments use %destination-dir%/);
  assert.equal(load(['-Mrsyncdirect', `-W${src}`, '--', '-a', '%watch-dir%/', '/elsewhere/']).destinationDir, undefined);
});

test('conflicting options are refused naming both', () => {
  throwsOption([...base, '--skip-initialsync', '--exit-on-no-events'], /^--skip-initialsync and --exit-on-no-events cannot be used together/);
  throwsOption([...base, '-F', '--skip-initialsync'], /^-F \(--full-initialsync\) and --skip-initialsync cannot/);
  throwsOption([...base, '--only-initialsync', '--skip-initialsync'], /cannot be used together/);
});

test('hooks must be executable', () => {
  const hook = path.join(tmp, 'hook.sh');
  fs.writeFileSync(hook, '#!/bin/sh\n', { mode: 0o644 });
  throwsOption([...base, `--exit-hook=${hook}`], /^--exit-hook: ".*hook.sh" is not an executable file/);
  fs.chmodSync(hook, 0o755);
  assert.equal(load([...base, `--exit-hook=${hook}`]).exitHook, hook);
});

test('-h and -V work without -W/-M and without reading any config file', () => {
  const env = { configSearchPath: [path.join(tmp, 'no-such.conf')] };
  assert.equal(loadSettings(['-h'], env).help, true);
  assert.equal(loadSettings(['--version'], env).version, true);
  assert.equal(loadSettings(['-V', '-H', '/nonexistent/file.conf'], env).version, true);
  assert.equal(load(base).help, false);
});

test('VERSION comes from package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
});

test('helpText lists every table entry', () => {
  const text = helpText();
  for (const spec of OPTIONS) {
    const spelled = spec.place === 'config' ? `${spec.long} = ` : `--${spec.long}`;
    assert.ok(text.includes(spelled), `help lacks ${spec.long}`);
    if ('short' in spec) assert.ok(text.includes(`-${spec.short}, --${spec.long}`), `help lacks -${spec.short}`);
  }
  assert.match(text, /\*    --cgroup-group-name=NAME/, 'unsupported options are marked');
});

test('the option table is consistent', () => {
  const longs = new Set<string>();
  const shorts = new Set<string>();
  for (const spec of OPTIONS) {
    assert.ok(!longs.has(spec.long), `duplicate --${spec.long}`);
    longs.add(spec.long);
    if ('short' in spec) {
      assert.ok(!shorts.has(spec.short), `duplicate -${spec.short}`);
      shorts.add(spec.short);
    }
    if (spec.type === 'enum' && 'default' in spec) assert.ok((spec.values as readonly string[]).includes(spec.default as string), spec.long);
  }
});
