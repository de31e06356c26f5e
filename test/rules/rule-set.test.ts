import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuleAction, RuleSet } from '../../src/rules/index.js';
import { RulesError } from '../../src/errors.js';

const ALL = RuleAction.MONITOR | RuleAction.SYNC | RuleAction.WALK;

test('no match, or no rules, permits everything', () => {
  assert.equal(RuleSet.empty().permitted('a', false), ALL);
  assert.equal(RuleSet.empty().isEmpty, true);
  const rules = RuleSet.parse('-f\\.tmp$\n', 'r');
  assert.equal(rules.isEmpty, false);
  assert.equal(rules.permitted('a.txt', false), ALL);
});

test('first matching rule decides', () => {
  const rules = RuleSet.parse('+f^keep\\.tmp$\n-f\\.tmp$\n', 'r');
  assert.equal(rules.permitted('keep.tmp', false), ALL);
  assert.equal(rules.permitted('x.tmp', false), 0);
});

test('f applies to non-directories only, d to directories only, * to both', () => {
  const rules = RuleSet.parse('-f^x$\n-d^y$\n-*^z$\n', 'r');
  assert.equal(rules.permitted('x', false), 0);
  assert.equal(rules.permitted('x', true), ALL);
  assert.equal(rules.permitted('y', true), 0);
  assert.equal(rules.permitted('y', false), ALL);
  assert.equal(rules.permitted('z', true), 0);
  assert.equal(rules.permitted('z', false), 0);
  assert.equal(rules.concernsFiles, true);
  assert.equal(RuleSet.parse('-d^y$\n-w^q$\n', 'r').concernsFiles, false);
});

test('action letters decide only their actions; later rules decide the rest', () => {
  // "-w" forbids walking into tmp; a later "-d" would forbid everything but only
  // decides the actions still open (monitor, sync).
  const rules = RuleSet.parse('-w^tmp$\n+d^tmp$\n', 'r');
  assert.equal(rules.permitted('tmp', true), RuleAction.MONITOR | RuleAction.SYNC);
  const rules2 = RuleSet.parse('+w^tmp$\n-d^tmp$\n', 'r');
  assert.equal(rules2.permitted('tmp', true), RuleAction.WALK);
  assert.equal(RuleSet.parse('-m^a$\n', 'r').permitted('a', true), RuleAction.WALK | RuleAction.SYNC);
  assert.equal(RuleSet.parse('-s^a$\n', 'r').permitted('a', true), RuleAction.WALK | RuleAction.MONITOR);
  assert.equal(RuleSet.parse('-W^a$\n', 'r').permitted('a', true), RuleAction.SYNC);
  // w/m/s/W rules apply to directories only
  assert.equal(RuleSet.parse('-s^a$\n', 'r').permitted('a', false), ALL);
});

test('the root is the empty string', () => {
  const rules = RuleSet.parse('+d^$\n-*.*\n', 'r');
  assert.equal(rules.permitted('', true), ALL);
  assert.equal(rules.permitted('a', true), 0);
  assert.equal(rules.permitted('a', false), 0);
});

test('comments and empty lines are skipped; upper-case F/D are accepted', () => {
  const rules = RuleSet.parse('# a comment\n\n-F^a$\n-D^b$\n', 'r');
  assert.equal(rules.permitted('a', false), 0);
  assert.equal(rules.permitted('b', true), 0);
});

test('a malformed rule names file, line and text', () => {
  assert.throws(() => RuleSet.parse('+f^a$\n\nxf^b$\n', '/etc/r.rules'), (err: unknown) => {
    assert.ok(err instanceof RulesError);
    assert.match(err.message, /^\/etc\/r\.rules:3: bad rule "xf\^b\$": a rule must start with "\+"/);
    return true;
  });
  assert.throws(() => RuleSet.parse('-q^b$\n', 'r'), /r:1: .*unknown type letter "q"/);
  assert.throws(() => RuleSet.parse('-\n', 'r'), /r:1: .*type letter is missing/);
  assert.throws(() => RuleSet.parse('-f(a\n', 'r'), /r:1: .*invalid regular expression: unmatched "\("/);
});

test('load reads the file as bytes; non-UTF-8 patterns match byte for byte', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
  try {
    const file = path.join(dir, 'rules');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('-f^caf'), Buffer.from([0xc3, 0xa9]), Buffer.from('$\n-f\xff\n', 'latin1')]));
    const rules = RuleSet.load(file);
    const utf8Name = Buffer.from('café', 'utf8').toString('latin1');
    assert.equal(rules.permitted(utf8Name, false), 0);
    assert.equal(rules.permitted('caf\xe9', false), ALL); // latin1 é is another byte sequence
    assert.equal(rules.permitted('x\xffy', false), 0);
    assert.throws(() => RuleSet.load(path.join(dir, 'missing')), (err: unknown) => err instanceof RulesError && /cannot read rules file .*missing/.test(err.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
