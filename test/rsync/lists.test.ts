import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argsUseNulLists, buildExcludeList, buildIncludeLists, defaultRsyncArgs, rsyncArgsExpansion, rsyncExitMeaning, rsyncPattern,
} from '../../src/rsync/index.js';

const lines = (buf: Buffer, sep = '\0'): string[] => buf.toString('latin1').split(sep).slice(0, -1);

test('patterns are anchored and escaped only when rsync reads them as wildcards', () => {
  assert.equal(rsyncPattern('a\\b', false), '/a\\b'); // no wildcard: backslash literal
  assert.equal(rsyncPattern('a\\b*', false), '/a\\\\b\\*');
  assert.equal(rsyncPattern('x[1]?', false), '/x\\[1\\]\\?');
  assert.equal(rsyncPattern('a]b', false), '/a]b');
  assert.equal(rsyncPattern('a]b', true), '/a\\]b/***');
  assert.equal(rsyncPattern('#x', false), '/#x');
  assert.equal(rsyncPattern('', true), '/***');
});

test('include list: parents first, deduplicated, covered paths dropped, sorted', () => {
  const [list] = buildIncludeLists([
    { path: 'a/b/c', recursive: false, state: 'modified' },
    { path: 'a/b/d', recursive: false, state: 'created' },
    { path: 'x', recursive: true, state: 'created' },
    { path: 'x/y/z', recursive: false, state: 'created' },
    { path: 'gone', recursive: false, state: 'deleted' },
  ], { separator: 'nul' });
  assert.deepEqual(lines(list), ['/a', '/a/b', '/a/b/c', '/a/b/d', '/gone', '/gone/***', '/x', '/x/***']);
});

test('a recursive root covers everything', () => {
  const parts = buildIncludeLists([{ path: '', recursive: true }, { path: 'a/b', recursive: false }], { separator: 'nul' });
  assert.deepEqual(parts.map((p) => lines(p)), [['/***']]);
});

test('newline lists send a name with a line break through its parent, recursively', () => {
  const [list] = buildIncludeLists([{ path: 'a/b\nc/d', recursive: false }, { path: 'a/e', recursive: false }], { separator: 'newline' });
  assert.deepEqual(lines(list, '\n'), ['/a', '/a/***']);
  const [nul] = buildIncludeLists([{ path: 'a/b\nc/d', recursive: false }], { separator: 'nul' });
  assert.deepEqual(lines(nul), ['/a', '/a/b\nc', '/a/b\nc/d']);
});

test('the limit splits lists, each part repeating its parents', () => {
  const changes = ['d/1', 'd/2', 'd/3', 'e/1'].map((path) => ({ path, recursive: false }));
  const parts = buildIncludeLists(changes, { separator: 'nul', limit: 3 }).map((p) => lines(p));
  assert.deepEqual(parts, [['/d', '/d/1', '/d/2'], ['/d', '/d/3'], ['/e', '/e/1']]);
  for (const part of parts) assert.ok(part.length <= 3);
});

test('exclude list: files plain, directories with their content; newline names reported', () => {
  const nul = buildExcludeList([{ path: 'f*', isDir: false }, { path: 'dir', isDir: true }], 'nul');
  assert.deepEqual(lines(nul.list), ['/dir/***', '/f\\*']);
  const nl = buildExcludeList([{ path: 'a\nb', isDir: false }, { path: 'c', isDir: false }], 'newline');
  assert.deepEqual(lines(nl.list, '\n'), ['/c']);
  assert.deepEqual(nl.unlisted, ['a\nb']);
  assert.equal(buildExcludeList([], 'nul').list.length, 0);
});

test('--from0 detection in a user argv', () => {
  assert.equal(argsUseNulLists(defaultRsyncArgs()), true);
  assert.equal(argsUseNulLists(['-aH', '--delete']), false);
  assert.equal(argsUseNulLists(['-a0H']), true);
  assert.equal(argsUseNulLists(['-0']), true);
  assert.equal(argsUseNulLists(['--from0', '--no-from0']), false);
  assert.equal(argsUseNulLists(['-e', '-0']), false); // value of -e
  assert.equal(argsUseNulLists(['--rsh', '-0']), false);
  assert.equal(argsUseNulLists(['--rsh=-0']), false);
  assert.equal(argsUseNulLists(['-essh -0']), false);
  assert.equal(argsUseNulLists(['--', '-0']), false);
});

test('default arguments and %RSYNC-ARGS%', () => {
  assert.deepEqual(defaultRsyncArgs(), ['-aH', '--delete', '--from0', '--exclude-from', '%EXCLUDE-LIST-PATH%',
    '--include-from', '%INCLUDE-LIST-PATH%', '--exclude=*', '%watch-dir%/', '%destination-dir%/']);
  assert.deepEqual(rsyncArgsExpansion({ preferInclude: true }), ['-aH', '--delete', '--from0', '--include-from', '%INCLUDE-LIST-PATH%', '--exclude=*']);
});

test('rsync exit codes', () => {
  assert.equal(rsyncExitMeaning(0).ok, true);
  assert.equal(rsyncExitMeaning(24).ok, true);
  assert.equal(rsyncExitMeaning(24, false).ok, false);
  assert.equal(rsyncExitMeaning(23).ok, false);
  assert.equal(rsyncExitMeaning(23).partial, true);
  assert.equal(rsyncExitMeaning(12).message, 'error in rsync protocol data stream');
  assert.match(rsyncExitMeaning(99).message, /unknown rsync exit code 99/);
});

test('rsyncMeaningFor: rsync\'s meaning only when the program is rsync', async () => {
  const { rsyncMeaningFor } = await import('../../src/rsync/index.js');
  assert.equal(rsyncMeaningFor('rsync', 1), 'syntax or usage error');
  assert.equal(rsyncMeaningFor('/usr/local/bin/rsync', 23), 'partial transfer due to error');
  assert.equal(rsyncMeaningFor('false', 1), undefined);
  assert.equal(rsyncMeaningFor('/etc/clsync/rsync-wrapper.sh', 1), undefined);
});
