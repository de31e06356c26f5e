import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCustomSignals } from '../../src/control/custom-signals.js';
import { OptionError } from '../../src/errors.js';

test('--custom-signals: numbers or names, clsync\'s "0" resets, several entries', () => {
  assert.deepEqual([...parseCustomSignals('10:brother,USR1:x')], [['SIGUSR1', 'x']]);
  assert.deepEqual([...parseCustomSignals('10:a,SIGWINCH:b')], [['SIGUSR1', 'a'], ['SIGWINCH', 'b']]);
  assert.deepEqual([...parseCustomSignals('10:a,0,28:c')], [['SIGWINCH', 'c']]);
});

test('--custom-signals: malformed entries, unknown, uncatchable and reserved signals are refused', () => {
  const refuses = (text: string, re: RegExp): void =>
    assert.throws(() => parseCustomSignals(text), (e: unknown) => e instanceof OptionError && re.test(e.message), text);
  refuses('10', /expected SIGNAL:BLOCK, got "10"/);
  refuses('10:', /empty config block name for signal 10/);
  refuses('NOPE:a', /unknown signal "NOPE"/);
  refuses('40:a', /signal 40 cannot be used \(Node.js catches only the standard signals/);
  refuses('1:a', /SIGHUP rereads the rules; pick another signal/);
  refuses('TERM:a', /SIGTERM ends the daemon/);
  refuses('29:a', /SIGIO dumps the state/);
  refuses('9:a', /SIGKILL cannot be caught/);
});
