import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCInteger, foldValue, isDefaultValue } from '../../src/options/values.js';
import { optionByLong } from '../../src/options/table.js';

const fail = (problem: string): never => {
  throw new Error(problem);
};

test('integers parse like C strtol(…, 0) with trimming', () => {
  assert.equal(parseCInteger('30'), 30);
  assert.equal(parseCInteger(' 30 '), 30);
  assert.equal(parseCInteger('0x10'), 16);
  assert.equal(parseCInteger('010'), 8);
  assert.equal(parseCInteger('0'), 0);
  assert.equal(parseCInteger(''), 0);
  assert.equal(parseCInteger('-3'), -3);
  assert.equal(parseCInteger('12abc'), null);
  assert.equal(parseCInteger('09'), null);
  assert.equal(parseCInteger('1.5'), null);
});

test('integer options refuse junk and out-of-range values', () => {
  const spec = optionByLong('delay-collect')!;
  assert.equal(foldValue(spec, 30, '5', fail), 5);
  assert.throws(() => foldValue(spec, 30, 'soon', fail), /"soon" is not a number/);
  assert.throws(() => foldValue(spec, 30, '-1', fail), /out of range/);
  assert.throws(() => foldValue(spec, 30, '4294967296', fail), /out of range/);
});

test('flags count up without argument and take =N', () => {
  const spec = optionByLong('full-initialsync')!;
  assert.equal(foldValue(spec, 0, null, fail), 1);
  assert.equal(foldValue(spec, 1, null, fail), 2);
  assert.equal(foldValue(spec, 2, '0', fail), 0);
  assert.throws(() => foldValue(spec, 0, 'yes', fail), /not a number/);
});

test('exit codes accumulate; 0 clears; junk and >255 are refused', () => {
  const spec = optionByLong('ignore-exitcode')!;
  let v = foldValue(spec, [], '23', fail);
  v = foldValue(spec, v, '24,25', fail);
  assert.deepEqual(v, [23, 24, 25]);
  assert.deepEqual(foldValue(spec, v, '0', fail), []);
  assert.deepEqual(foldValue(spec, v, '0,5', fail), [5]);
  assert.deepEqual(foldValue(spec, v, '24', fail), [23, 24, 25], 'no duplicates');
  assert.throws(() => foldValue(spec, v, '23;24', fail), /comma-separated/);
  assert.throws(() => foldValue(spec, v, '300', fail), /out of range/);
});

test('enums: unknown value lists the valid ones; empty restores the default', () => {
  const output = optionByLong('output')!;
  assert.equal(foldValue(output, 'stderr', 'syslog', fail), 'syslog');
  assert.equal(foldValue(output, 'syslog', '', fail), 'stderr');
  assert.throws(() => foldValue(output, 'stderr', 'journal', fail), /use one of: stderr, stdout, syslog/);
});

test('paths: empty unsets; strings keep the empty text', () => {
  assert.equal(foldValue(optionByLong('rules-file')!, '/r', '', fail), undefined);
  assert.equal(foldValue(optionByLong('label')!, 'x', '', fail), '');
});

test('default detection for refusing unsupported options', () => {
  assert.equal(isDefaultValue(optionByLong('background')!, 0), true);
  assert.equal(isDefaultValue(optionByLong('background')!, 1), false);
  assert.equal(isDefaultValue(optionByLong('pivot-root')!, 'off'), true);
  assert.equal(isDefaultValue(optionByLong('mountpoints')!, []), true);
  assert.equal(isDefaultValue(optionByLong('mountpoints')!, ['/']), false);
  assert.equal(isDefaultValue(optionByLong('uid')!, 'nobody'), false);
});
