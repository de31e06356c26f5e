import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, type OptionSpec } from '../../src/options/index.js';
import { OptionError } from '../../src/errors.js';

/** [long name, value] pairs, for compact assertions. */
function pairs(argv: string[]): Array<[string, string | null]> {
  return parseCommandLine(argv).options.map((o) => [o.spec.long, o.value]);
}

test('every spelling of a required argument gives the same value', () => {
  for (const argv of [['-Mrsyncdirect'], ['-M', 'rsyncdirect'], ['--mode=rsyncdirect'], ['--mode', 'rsyncdirect']]) {
    assert.deepEqual(pairs(argv), [['mode', 'rsyncdirect']], argv.join(' '));
  }
});

test('a required argument is the next word whatever it looks like', () => {
  assert.deepEqual(pairs(['-W', '-odd-dir']), [['watch-dir', '-odd-dir']]);
  assert.deepEqual(pairs(['--label', '--']), [['label', '--']]);
});

test('optional arguments are taken only when attached', () => {
  assert.deepEqual(pairs(['-d5']), [['debug', '5']]);
  assert.deepEqual(pairs(['--debug=5']), [['debug', '5']]);
  assert.deepEqual(pairs(['-d']), [['debug', null]]);
  const cl = parseCommandLine(['-d', '5']);
  assert.deepEqual(cl.options.map((o) => o.value), [null]);
  assert.deepEqual(cl.handlerArgs, ['5'], 'a detached word is a non-option (handler argument)');
});

test('an option with an argument takes the rest of a bundle (getopt): -qU gives -q the value U', () => {
  assert.deepEqual(pairs(['-qU']), [['quiet', 'U']]);
  assert.deepEqual(pairs(['-bqw0']), [['background', 'qw0']]);
});

test('flags without argument bundle, and a later option with an argument ends the bundle', () => {
  const table: OptionSpec[] = [
    { long: 'alpha', short: 'a', arg: 'none', type: 'flag', repeat: 'accumulate', supported: true, place: 'both', group: 'Information', help: 'a' },
    { long: 'bravo', short: 'b', arg: 'none', type: 'flag', repeat: 'accumulate', supported: true, place: 'both', group: 'Information', help: 'b' },
    { long: 'wait', short: 'w', arg: 'required', type: 'int', repeat: 'replace', supported: true, place: 'both', group: 'Information', help: 'w' },
  ];
  const cl = parseCommandLine(['-abw0', '-ba', '-aw', '7'], table);
  assert.deepEqual(cl.options.map((o) => [o.spelled, o.value]), [
    ['-a', null], ['-b', null], ['-w', '0'], ['-b', null], ['-a', null], ['-a', null], ['-w', '7'],
  ]);
  assert.throws(() => parseCommandLine(['-az'], table), (e: unknown) => e instanceof OptionError && /^-z: unknown option \(in "-az"\)/.test(e.message));
});

test('unique long prefixes are accepted, ambiguous ones refused with the candidates', () => {
  assert.deepEqual(pairs(['--watch=/x']), [['watch-dir', '/x']]);
  assert.deepEqual(pairs(['--wat', '/x']), [['watch-dir', '/x']]);
  assert.deepEqual(pairs(['--exit-on-sync-skip']), [['exit-on-sync-skipping', null]]);
  assert.equal(parseCommandLine(['--wat', '/x']).options[0]!.spelled, '--wat');
  // an exact name wins over longer names it is a prefix of
  assert.deepEqual(pairs(['--delay-collect=3']), [['delay-collect', '3']]);
  assert.throws(() => parseCommandLine(['--d']), (e: unknown) =>
    e instanceof OptionError && e.message.startsWith('--d: ambiguous option') && e.message.includes('--debug') && e.message.includes('--destination-dir'));
});

test('errors name the option exactly as typed', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /^--bogus: unknown option/],
    [['-j'], /^-j: unknown option/],
    [['-M'], /^-M \(--mode\): requires an argument/],
    [['--mode'], /^--mode: requires an argument/],
    [['--wat'], /^--wat \(--watch-dir\): requires an argument/],
    [['--secure-splitting=1'], /^--secure-splitting: takes no argument \(got "1"\)/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof OptionError && re.test(e.message), argv.join(' '));
  }
});

test('"--" ends options; empty list and absent list are distinguished', () => {
  assert.equal(parseCommandLine(['-Mrsyncdirect']).handlerArgs, null);
  assert.deepEqual(parseCommandLine(['-Mrsyncdirect', '--']).handlerArgs, []);
  assert.deepEqual(parseCommandLine(['--', '']).handlerArgs, [], 'a single empty word means no arguments (clsync)');
  const cl = parseCommandLine(['-W/src', '--', '-aH', '--delete', '%RSYNC-ARGS%', '-W', '/dst/']);
  assert.deepEqual(cl.handlerArgs, ['-aH', '--delete', '%RSYNC-ARGS%', '-W', '/dst/']);
  assert.deepEqual(cl.options.map((o) => o.spec.long), ['watch-dir']);
});

test('non-option words before "--" are permuted into the handler arguments (GNU getopt)', () => {
  const cl = parseCommandLine(['first', '-Mrsyncdirect', 'second', '--', 'third']);
  assert.deepEqual(cl.handlerArgs, ['first', 'second', 'third']);
  assert.deepEqual(cl.options.map((o) => o.spec.long), ['mode']);
});

test('config-only keys are not command-line options', () => {
  assert.throws(() => parseCommandLine(['----']), OptionError);
});

test('options are returned in the order given, repeats included', () => {
  assert.deepEqual(pairs(['-x', '23', '-d', '--ignore-exitcode=24', '-d']), [
    ['ignore-exitcode', '23'], ['debug', null], ['ignore-exitcode', '24'], ['debug', null],
  ]);
});
