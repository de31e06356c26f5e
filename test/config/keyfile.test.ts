import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeyFile, lastEntry, splitArgumentLine, substituteOptions, refersTo } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

test('blocks, comments, blank lines, spaces around "=" and a repeated block', () => {
  const f = parseKeyFile([
    '# comment',
    '',
    '[default]',
    'watch-dir = /srv ',
    '  delay-sync=5',
    '\t# indented comment',
    'rules-file\t=\t/etc/r ; not a comment',
    '[other]',
    'label = x = y',
    '[default]',
    'delay-sync = 7',
    'empty =',
  ].join('\r\n'), 'f.conf');
  assert.deepEqual([...f.blocks.keys()], ['default', 'other']);
  const d = f.blocks.get('default')!;
  assert.deepEqual(d.map((e) => [e.key, e.value, e.line]), [
    ['watch-dir', '/srv', 4], ['delay-sync', '5', 5], ['rules-file', '/etc/r ; not a comment', 7],
    ['delay-sync', '7', 11], ['empty', '', 12],
  ]);
  assert.equal(lastEntry(d, 'delay-sync')!.value, '7');
  assert.equal(f.blocks.get('other')![0]!.value, 'x = y');
});

test('broken lines are errors naming file and line', () => {
  const cases: Array<[string, RegExp]> = [
    ['[default]\nwatch-dir /srv\n', /^bad\.conf:2: "watch-dir \/srv" is not "key = value"/],
    ['watch-dir = /srv\n', /^bad\.conf:1: key "watch-dir" comes before any \[block\] header/],
    ['[default]\n[broken\n', /^bad\.conf:2: malformed block header/],
    ['[default]\n = x\n', /^bad\.conf:2: missing key/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseKeyFile(text, 'bad.conf'), (e: unknown) => e instanceof ConfigError && re.test(e.message), text);
  }
});

test('handler argument lines split like clsync str_splitargs', () => {
  assert.deepEqual(splitArgumentLine('-aH  --delete\t%RSYNC-ARGS% '), ['-aH', '--delete', '%RSYNC-ARGS%']);
  assert.deepEqual(splitArgumentLine(`--exclude '*.tmp' "a b" ""`), ['--exclude', '*.tmp', 'a b', '']);
  assert.deepEqual(splitArgumentLine('a"b c"d'), ['ab cd']);
  assert.deepEqual(splitArgumentLine('"say \\"hi\\""'), ['say \\"hi\\"']);
  assert.deepEqual(splitArgumentLine(''), []);
  assert.throws(() => splitArgumentLine('"open'), /unterminated quote/);
  assert.throws(() => splitArgumentLine("x 'open"), /unterminated quote/);
});

test('%option% substitution', () => {
  const values: Record<string, string> = { label: 'web', 'watch-dir': '/srv' };
  const look = (n: string) => values[n];
  assert.equal(substituteOptions('/run/%label%.pid', look), '/run/web.pid');
  assert.equal(substituteOptions('%watch-dir%/%label%/', look), '/srv/web/');
  assert.equal(substituteOptions('%INCLUDE-LIST-PATH% %unknown% 50%% %open', look), '%INCLUDE-LIST-PATH% %unknown% 50% %open');
  assert.equal(substituteOptions('50%%', look, true), '50%%');
  assert.equal(substituteOptions('%PID%', look), String(process.pid));
  assert.equal(refersTo('x %destination-dir%/', 'destination-dir'), true);
  assert.equal(refersTo('x %%destination-dir%%', 'destination-dir'), false);
});
