import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSettings } from '../../src/options/index.js';
import { ConfigError, OptionError } from '../../src/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const src = path.join(tmp, 'src');
fs.mkdirSync(src);
const realSrc = fs.realpathSync(src);
let counter = 0;

/** Write a config file and return its path. */
function conf(text: string): string {
  const file = path.join(tmp, `c${counter++}.conf`);
  fs.writeFileSync(file, text);
  return file;
}
const noSearch = { configSearchPath: [] as string[] };

test('the default block is read with -H; keys are long option names', () => {
  const file = conf(`[default]\nwatch-dir = ${src}\nmode = rsyncdirect\ndestination-dir = /backup\ndelay-collect = 5\nignore-exitcode = 23,24\none-file-system = 1\n`);
  const s = loadSettings(['-H', file], noSearch);
  assert.equal(s.watchDir, realSrc);
  assert.equal(s.mode, 'rsyncdirect');
  assert.equal(s.delayCollect, 5);
  assert.deepEqual(s.ignoreExitcode, [23, 24]);
  assert.equal(s.oneFileSystem, true);
  assert.equal(s.configFile, file);
});

test('the command line wins over the file, option by option', () => {
  const file = conf(`[default]\nwatch-dir = ${src}\nmode = rsyncdirect\ndestination-dir = /backup\ndelay-collect = 5\ndelay-sync = 6\nignore-exitcode = 23\n`);
  const s = loadSettings(['-H', file, '-t', '9', '-x', '24'], noSearch);
  assert.equal(s.delayCollect, 9);
  assert.equal(s.delaySync, 6);
  assert.deepEqual(s.ignoreExitcode, [24], 'a list given on the command line replaces the file\'s');
});

test('-K picks a block; a missing -K block is an error, a missing default block is not', () => {
  const file = conf(`[a]\nwatch-dir = ${src}\nmode = rsyncdirect\ndestination-dir = /b\nlabel = from-a\n`);
  assert.equal(loadSettings(['-H', file, '-K', 'a'], noSearch).label, 'from-a');
  assert.equal(loadSettings(['-H', file, `-W${src}`, '-Mrsyncdirect', '-D/b'], noSearch).label, 'nolabel');
  // clsync's examples/ start scripts pass -K with no config file anywhere: a warning, not an error
  const noFile = loadSettings([`-W${src}`, '-Mrsyncdirect', '-D/b', '-K', 'a'], noSearch);
  assert.equal(noFile.label, 'nolabel');
  assert.equal(noFile.warnings.length, 1);
  assert.match(noFile.warnings[0]!, /^--config-block \(-K\): block \[a\] was asked for, but no config file was found; give one with -H FILE; ignored/);
  assert.throws(() => loadSettings([`-W${src}`, '-Mrsyncdirect', '-D/b', '-K', 'a', '--strict-config'], noSearch),
    (e: unknown) => e instanceof ConfigError && /^--config-block \(-K\): block \[a\] was asked for, but no config file was found; give one with -H FILE \(an error with --strict-config\)$/.test(e.message));
  assert.deepEqual(loadSettings([`-W${src}`, '-Mrsyncdirect', '-D/b', '-K', 'a', '-H', '/NULL/'], noSearch).warnings, [], '-H /NULL/ says so on purpose');
  assert.throws(() => loadSettings(['-H', file, '-K', 'nope'], noSearch),
    (e: unknown) => e instanceof ConfigError && e.message.includes('no block [nope] (chosen with --config-block (-K))') && e.message.includes('[a]'));
});

test('config-block-inherits chains, child first; loops and missing parents are errors', () => {
  const file = conf([
    '[base]', `watch-dir = ${src}`, 'mode = rsyncdirect', 'destination-dir = /b', 'delay-sync = 1', 'delay-collect = 1', 'label = base',
    '[mid]', 'config-block-inherits = base', 'delay-sync = 2', 'label = mid',
    '[top]', 'config-block-inherits = mid', 'delay-sync = 3',
    '[loop1]', 'config-block-inherits = loop2', '[loop2]', 'config-block-inherits = loop1',
    '[orphan]', 'config-block-inherits = ghost',
  ].join('\n'));
  const s = loadSettings(['-H', file, '-K', 'top'], noSearch);
  assert.equal(s.delaySync, 3);
  assert.equal(s.label, 'mid');
  assert.equal(s.delayCollect, 1);
  assert.equal(s.configBlock, 'top');
  assert.equal(s.configBlockInherits, 'mid');
  // the command line can name the parent of the chosen block
  assert.equal(loadSettings(['-H', file, '-K', 'top', '--config-block-inherits=base'], noSearch).label, 'base');
  assert.throws(() => loadSettings(['-H', file, '-K', 'loop1'], noSearch),
    (e: unknown) => e instanceof ConfigError && /config-block-inherits loop: \[loop1\] -> \[loop2\] -> \[loop1\]/.test(e.message));
  assert.throws(() => loadSettings(['-H', file, '-K', 'orphan'], noSearch),
    (e: unknown) => e instanceof ConfigError && /no block \[ghost\] \(named by config-block-inherits in \[orphan\]\)/.test(e.message));
});

test('"--" in a block sets the handler arguments; the command line\'s win', () => {
  const file = conf(`[default]\nwatch-dir = ${src}\nmode = rsyncdirect\nlabel = web\n-- = -aH --exclude '*.tmp' %watch-dir%/ "host:/srv/%label% x/"\n`);
  const s = loadSettings(['-H', file], noSearch);
  assert.deepEqual(s.handlerArgs, ['-aH', '--exclude', '*.tmp', `${realSrc}/`, 'host:/srv/web x/']);
  assert.equal(s.destinationDir, undefined, 'no -D needed: the arguments do not use %destination-dir%');
  assert.deepEqual(loadSettings(['-H', file, '--', '-a', '/s/', '/d/'], noSearch).handlerArgs, ['-a', '/s/', '/d/']);
});

test('%option% substitution inside the config file, including values from the command line', () => {
  const file = conf([
    '[default]', `watch-dir = ${src}`, 'mode = rsyncdirect', 'destination-dir = /b',
    'pid-file = /run/clsync-%label%.pid', 'status-file = %watch-dir%/status-%label%', 'lists-dir = /dev/shm/%INCLUDE-LIST%',
  ].join('\n'));
  const s = loadSettings(['-H', file, '-l', 'brother'], noSearch);
  assert.equal(s.pidFile, '/run/clsync-brother.pid');
  assert.equal(s.statusFile, `${src}/status-brother`, 'watch-dir precedes status-file in table order');
  assert.equal(s.listsDir, '/dev/shm/%INCLUDE-LIST%');
});

test('search path: the first readable file only; none found is fine; ~ is the home dir', () => {
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const second = conf(`[default]\nlabel = second\n`);
  const third = conf(`[default]\nlabel = third\n`);
  const argv = [`-W${src}`, '-Mrsyncdirect', '-D/b'];
  const searchPath = ['~/.clsync.conf', path.join(tmp, 'missing.conf'), tmp /* a directory: unreadable */, second, third];
  let s = loadSettings(argv, { home, configSearchPath: searchPath });
  assert.equal(s.label, 'second');
  assert.equal(s.configFile, second);
  fs.writeFileSync(path.join(home, '.clsync.conf'), '[default]\nlabel = home\n');
  s = loadSettings(argv, { home, configSearchPath: searchPath });
  assert.equal(s.label, 'home');
  assert.equal(s.configFile, path.join(home, '.clsync.conf'));
  s = loadSettings(argv, { home, configSearchPath: [path.join(tmp, 'missing.conf')] });
  assert.equal(s.configFile, undefined);
  assert.equal(s.label, 'nolabel');
});

test('-H /NULL/ reads no file; an unreadable -H file is an error', () => {
  const found = conf(`[default]\nlabel = found\n`);
  const argv = [`-W${src}`, '-Mrsyncdirect', '-D/b'];
  const s = loadSettings([...argv, '-H', '/NULL/'], { configSearchPath: [found] });
  assert.equal(s.label, 'nolabel');
  assert.equal(s.configFile, undefined);
  assert.equal(loadSettings(argv, { configSearchPath: [found] }).label, 'found');
  assert.throws(() => loadSettings([...argv, '-H', path.join(tmp, 'absent.conf')], noSearch),
    (e: unknown) => e instanceof ConfigError && /^--config-file \(-H\): cannot read ".*absent\.conf": ENOENT/.test(e.message));
});

test('bad lines in the block read name file, line and key', () => {
  const cases: Array<[string, RegExp]> = [
    ['[default]\nmode = rsyncdirect\ndelay-collect = soon\n', /:3: delay-collect: "soon" is not a number/],
    ['[default]\n\nhelp = 1\n', /:3: "help" is only accepted on the command line/],
    ['[default]\nmonitor = inotify\noutput = journal\n', /:3: output: "journal" is not valid/],
    ['[default]\n-- = "unterminated\n', /:2: --: unterminated quote/],
    ['[default]\nwatch-dir /srv\n', /:2: "watch-dir \/srv" is not "key = value"/],
  ];
  for (const [text, re] of cases) {
    const file = conf(text);
    assert.throws(() => loadSettings(['-H', file, `-W${src}`], noSearch),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(file) && re.test(e.message), text);
  }
  // blocks that are not read are not checked for unknown keys
  const file = conf(`[other]\nsyslog = 1\n[default]\nmode = rsyncdirect\ndestination-dir = /b\n`);
  const s = loadSettings(['-H', file, `-W${src}`], noSearch);
  assert.equal(s.mode, 'rsyncdirect');
  assert.deepEqual(s.warnings, []);
});

test('unknown keys are warnings naming file:line and the nearest option (clsync ignores them); --strict-config refuses them', () => {
  // as in clsync's examples/production/etc/clsync/clsync.conf, block lxc-rsyncshell
  const file = conf([
    '[lxc]', `watch-dir = ${src}`, 'mode = rsyncdirect', 'destination-dir = /b', 'syslog\t\t= 1', 'rules-path\t= /etc/clsync/rules/lxc',
    '[child]', 'config-block-inherits = lxc', 'delay-colect = 3',
  ].join('\n'));
  const s = loadSettings(['-H', file, '-K', 'child'], noSearch);
  assert.equal(s.mode, 'rsyncdirect');
  assert.equal(s.rulesFile, undefined, 'an unknown key sets nothing');
  assert.deepEqual(s.warnings.map((w) => w.replace(/; ignored, as clsync does.*$/, '')), [
    `${file}:9: unknown key "delay-colect" in block [child] (did you mean "delay-collect"?)`,
    `${file}:5: unknown key "syslog" in block [lxc] (did you mean "output = syslog"?)`,
    `${file}:6: unknown key "rules-path" in block [lxc] (did you mean "rules-file"?)`,
  ]);
  for (const w of s.warnings) assert.match(w, /; ignored, as clsync does \(--strict-config makes it an error\)$/);
  assert.throws(() => loadSettings(['-H', file, '-K', 'child', '--strict-config'], noSearch),
    (e: unknown) => e instanceof ConfigError && e.message === `${file}:9: unknown key "delay-colect" in block [child] (did you mean "delay-collect"?) (an error with --strict-config)`);
  const strictInFile = conf(`[default]\nstrict-config = 1\nwatch-dir = ${src}\nmode = rsyncdirect\ndestination-dir = /b\nsyslog = 1\n`);
  assert.throws(() => loadSettings(['-H', strictInFile], noSearch),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${strictInFile}:6: unknown key "syslog"`));
  assert.deepEqual(loadSettings(['-H', strictInFile, '--strict-config=0'], noSearch).mode, 'rsyncdirect', 'the command line wins');
});

test('the initial sync\'s own arguments (---) are read from the file, substituted like --', () => {
  const file = conf(`[default]\nwatch-dir = ${src}\nmode = shell\nsync-handler = /bin/true\nlabel = web\n--- = initialsync %label% "two words"\n`);
  const settings = loadSettings(['-H', file], noSearch);
  assert.deepEqual(settings.initialHandlerArgs, ['initialsync', 'web', 'two words']);
  assert.equal(settings.handlerArgs, null);
});

test('unsupported options and values are refused from the file too, with where they were set', () => {
  const file = conf(`[default]\nwatch-dir = ${src}\nmode = rsyncdirect\ndestination-dir = /b\ncluster-port = 5\n`);
  assert.throws(() => loadSettings(['-H', file], noSearch),
    (e: unknown) => e instanceof OptionError && e.message.startsWith('--cluster-port: not supported yet') && e.message.includes(`${file}:5`));
  const kqueue = conf(`[default]\nwatch-dir = ${src}\nmonitor = kqueue\nmode = rsyncdirect\n`);
  assert.throws(() => loadSettings(['-H', kqueue], noSearch),
    (e: unknown) => e instanceof OptionError && e.message.startsWith(`--monitor (${kqueue}:3, block [default]): "kqueue" is not available on Linux`));
  assert.equal(loadSettings(['-H', file, '--cluster-port=0'], noSearch).mode, 'rsyncdirect', 'the command line wins here too');
});
