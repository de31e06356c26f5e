/**
 * --custom-signals (issue 9): on the signal the daemon switches to another
 * config block's options: rules, delays and the handler take effect at
 * once; restart-only options are named in a warning; a block broken by
 * the time of the signal keeps the current options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync, startClsync } from '../helpers/clsync.js';
import { killHard, rsyncWrapper, stopClean, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';

test('USR1:b switches rules, delays and handler to block [b]; WINCH to a block broken since start keeps them', { timeout: 60_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-custom-signals-');
  const conf = join(base.path, 'clsync.conf');
  const rulesA = join(base.path, 'rules-a');
  const rulesB = join(base.path, 'rules-b');
  const marker = join(base.path, 'handler-b-ran');
  writeFileSync(rulesA, '-f^skip-\n');
  writeFileSync(rulesB, '-f^never$\n');
  const handlerB = rsyncWrapper(join(base.path, 'handler-b.sh'), `touch '${marker}'`);
  const text = (c: string): string => [
    '[a]', `watch-dir = ${src}`, `destination-dir = ${dst}`, 'mode = rsyncdirect', `rules-file = ${rulesA}`,
    'delay-sync = 0', 'delay-collect = 0', 'delay-collect-bigfile = 0', 'custom-signals = USR1:b,WINCH:c',
    '[b]', 'config-block-inherits = a', `rules-file = ${rulesB}`, `sync-handler = ${handlerB}`, 'label = other',
    '[c]', 'config-block-inherits = a', `delay-collect = ${c}`,
  ].join('\n') + '\n';
  writeFileSync(conf, text('0'));
  const run = startClsync(['-H', conf, '-K', 'a']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    writeFileSync(join(src, 'skip-1'), 'x');
    writeFileSync(join(src, 'keep-1'), 'x');
    assert.ok(await waitFor(() => existsSync(join(dst, 'keep-1')), 10_000, 50), run.output());
    assert.ok(!existsSync(join(dst, 'skip-1')), 'block [a]\'s rules exclude skip-*');

    process.kill(run.child.pid!, 'SIGUSR1');
    await waitForLog(run, /SIGUSR1: switched to config block \[b\]/, 'switch to b');
    assert.match(run.output(), /SIGUSR1: block \[b\] changes --label: these take effect only at a restart/);
    writeFileSync(join(src, 'skip-2'), 'x');
    assert.ok(await waitFor(() => existsSync(join(dst, 'skip-2')), 10_000, 50), `block [b]'s rules should sync skip-2:\n${run.output()}`);
    assert.ok(existsSync(marker), 'block [b]\'s handler ran');

    writeFileSync(conf, text('soon')); // block [c] is broken now
    process.kill(run.child.pid!, 'SIGWINCH');
    await waitForLog(run, /SIGWINCH: cannot switch to config block \[c\]: .*delay-collect: "soon" is not a number.*; keeping the current options/, 'broken block');
    writeFileSync(join(src, 'skip-3'), 'x');
    assert.ok(await waitFor(() => existsSync(join(dst, 'skip-3')), 10_000, 50), `still block [b]'s rules:\n${run.output()}`);
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('--custom-signals naming a block that does not load is refused at start', { timeout: 20_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-custom-signals-');
  const conf = join(base.path, 'clsync.conf');
  writeFileSync(conf, `[a]\nwatch-dir = ${src}\ndestination-dir = ${dst}\nmode = rsyncdirect\n`);
  try {
    const r = await runClsync(['-H', conf, '-K', 'a', '--custom-signals=USR1:nope'], 15_000);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /^clsync: --custom-signals: SIGUSR1 → block \[nope\]: .*no block \[nope\]/m);
    const reserved = await runClsync(['-H', conf, '-K', 'a', '--custom-signals=HUP:a'], 15_000);
    assert.equal(reserved.code, 2, reserved.output);
    assert.match(reserved.output, /SIGHUP rereads the rules/);
  } finally {
    base.remove();
  }
});
