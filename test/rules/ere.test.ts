import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEre, EreSyntaxError, translateEre } from '../../src/rules/ere.js';

/**
 * [pattern, subject, does glibc regexec (REG_EXTENDED, C locale) match?]
 * The expectations were taken from glibc 2.36 regcomp/regexec.
 */
const CASES: Array<[string, string, boolean]> = [
  ['a**', 'x', true], // (a*)* matches the empty string
  ['a+?', 'x', true], // POSIX: (a+)? — not a lazy a+
  ['^a+?$', 'aaa', true],
  ['^a+?$', 'b', false],
  ['a{,2}', 'x', true], // glibc reads {,n} as {0,n}
  ['^x{1}{2}$', 'xx', true],
  ['^x{1}{2}$', 'x', false],
  [')', ')', true], // unmatched ")" is literal
  [')', 'a', false],
  ['[\\]', '\\', true], // backslash is literal inside brackets
  ['[\\]', 'a', false],
  ['[]x]', ']', true],
  ['[^]x]', ']', false],
  ['[^]x]', 'y', true],
  ['^[a-c-]$', '-', true],
  ['a.c', 'a\nc', true], // "." matches a newline in POSIX
  ['^a[^x]c$', 'a\nc', true],
  ['^$', '', true],
  ['^$', 'a', false],
  ['^(dir|x)/', 'dir/f', true],
  ['^(dir|x)/', 'adir/f', false],
  ['x|^y', 'ay', false],
  ['[[:punct:]]', '!', true],
  ['[[:alpha:]]', '\xe9', false], // C locale: only ASCII letters
  ['^[[.a.]-c]$', 'b', true],
  ['^[[=b=]]$', 'b', true],
  ['\\<ab\\>', 'x ab y', true],
  ['\\<ab\\>', 'xab', false],
  ['^(ab){2}$', 'abab', true],
  ['(a)\\1', 'aa', true],
  ['^[.]$', 'x', false],
  ['\\.txt$', 'a.txt', true],
  ['\\.txt$', 'aXtxt', false],
  ['\xff', 'a\xffb', true], // byte-for-byte on latin1 strings
  ['^/', '/x', true], // "/" is an ordinary character
  ['a}', 'a}', true],
  ['\\w+', '\\', false],
];

test('translated EREs match as glibc does', () => {
  for (const [pattern, subject, expected] of CASES) {
    assert.equal(compileEre(pattern).test(subject), expected, `${JSON.stringify(pattern)} on ${JSON.stringify(subject)} → ${translateEre(pattern)}`);
  }
});

test('patterns glibc rejects are rejected with a reason', () => {
  const bad = ['*a', 'a{', 'a{2', '(', 'a{3,1}', '^*', 'a|*b', '{1}', '[a', '[[:foo:]]', '[z-a]', '\\', '(*a)', 'a{1,2,3}', 'a{x}', '[[:alpha:]-z]', 'a\\1', '(a)\\2', 'a{}'];
  for (const pattern of bad) {
    assert.throws(() => translateEre(pattern), EreSyntaxError, JSON.stringify(pattern));
  }
});

test('escapes with a meaning only in other dialects are refused, not misread', () => {
  assert.throws(() => translateEre('\\d+'), /unsupported escape "\\d".*\[\[:digit:\]\]/);
  assert.throws(() => translateEre('a\\n'), /unsupported escape/);
});
