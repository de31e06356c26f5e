/**
 * The monitor's looks at the disk (is the object an event named there, and
 * of which kind) go beneath the watch dir and never through a symlink
 * (src/monitor/event-lstat.ts): a writer of the tree who swaps a directory
 * for a symlink to a directory outside must not have the monitor decide
 * from what is out there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IN } from '../../src/types.js';
import { native } from '../../src/native.js';
import { startHarness, has, sleep } from '../helpers/native-monitor-harness.js';

test('a directory swapped for a symlink to outside: the kind of the name below it is not taken from outside', async () => {
  const { exchange } = await import('../helpers/exchange.js');
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-outside-'));
  // what the symlink will lead to: a directory `n` (with a big file) where the tree's p/n was
  fs.mkdirSync(path.join(outside, 'lure', 'n'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'lure', 'n', 'big'), Buffer.alloc(1 << 20));
  // what is exchanged in from outside: a directory
  fs.mkdirSync(path.join(outside, 'x'));
  const h = await startHarness({ setup: (d) => fs.mkdirSync(path.join(d, 'p', 'n'), { recursive: true }) });
  const handle = h.monitor.nativeHandle!;
  try {
    native.inotifyPause(handle, true); // every record below reaches the monitor in one buffer, after all is done
    // MOVED_TO p/n, then MOVED_FROM p/n (the object that left): an exchange with a name outside, when p/n
    // holds a directory now (see halfExchangeAfter)...
    await exchange(path.join(outside, 'x'), path.join(h.dir, 'p', 'n'));
    // ...but before the monitor looks, p is renamed away and a symlink to outside put in its place
    fs.renameSync(path.join(h.dir, 'p'), path.join(h.dir, 'p2'));
    fs.symlinkSync(path.join(outside, 'lure'), path.join(h.dir, 'p'));
    await sleep(20);
    native.inotifyPause(handle, false);
    await h.waitFor((e) => has(e, 'p', IN.CREATE));
    // p/n is not in the tree (below a symlink): the MOVED_FROM stays, a deletion of p/n. A look by
    // absolute path went through the symlink, found outside/lure/n a directory and dropped it.
    assert.ok(has(h.events, 'p/n', IN.MOVED_FROM | IN.ISDIR), JSON.stringify(h.events));
    assert.ok(has(h.events, 'p2', IN.MOVED_TO | IN.ISDIR, true), JSON.stringify(h.events));
    assert.deepEqual(h.fatals, []);
  } finally {
    await h.close();
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
