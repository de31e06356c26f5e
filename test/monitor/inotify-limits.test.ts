import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IN } from '../../src/types.js';
import { KernelLimitError } from '../../src/errors.js';
import { native } from '../../src/native.js';
import { startHarness, has, sleep } from '../helpers/native-monitor-harness.js';
import { POLL_UNWATCHED_MS } from '../../src/monitor/inotify.js';
import { countWatchesInUse } from '../helpers/inotify-sysctl.js';

const QUEUED = '/proc/sys/fs/inotify/max_queued_events';
const WATCHES = '/proc/sys/fs/inotify/max_user_watches';

test('queue overflow: loud warning with the sysctl, rescan, one recursive root event', async () => {
  const saved = fs.readFileSync(QUEUED, 'utf8').trim();
  let h;
  try {
    fs.writeFileSync(QUEUED, '64'); // the limit is taken at inotify_init
    h = await startHarness();
  } finally {
    fs.writeFileSync(QUEUED, saved);
  }
  try {
    const handle = h.monitor.nativeHandle;
    assert.ok(handle);
    native.inotifyPause(handle, true); // the reader thread stops draining: the kernel queue fills
    fs.mkdirSync(path.join(h.dir, 'during'));
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(h.dir, `f${i}`), '');
    native.inotifyPause(handle, false);
    await h.waitFor((e) => has(e, '', IN.Q_OVERFLOW, true));
    assert.equal(h.warnings.length, 1);
    assert.match(h.warnings[0], /overflow/);
    assert.match(h.warnings[0], /sysctl -w fs\.inotify\.max_queued_events=\d+/);
    const overflowEvents = h.events.filter((e) => e.mask & IN.Q_OVERFLOW);
    assert.deepEqual(overflowEvents, [{ path: '', mask: IN.Q_OVERFLOW, recursive: true }]);
    // the rescan found the directory whose CREATE was lost
    fs.writeFileSync(path.join(h.dir, 'during/after'), '');
    await h.waitFor((e) => has(e, 'during/after', IN.CLOSE_WRITE));
    assert.equal(h.fatals.length, 0);
  } finally {
    await h.close();
  }
});

test('watch limit at start: KernelLimitError naming max_user_watches and how many are needed', async () => {
  const saved = fs.readFileSync(WATCHES, 'utf8').trim();
  const dirs = 40;
  try {
    fs.writeFileSync(WATCHES, String(countWatchesInUse() + 5));
    await assert.rejects(
      startHarness({ setup: (d) => { for (let i = 0; i < dirs; i++) fs.mkdirSync(path.join(d, `d${i}`)); } }),
      (e: unknown) => {
        assert.ok(e instanceof KernelLimitError);
        assert.match(e.message, /fs\.inotify\.max_user_watches is \d+/);
        const m = /at least (\d+) more directories need a watch/.exec(e.message);
        assert.ok(m, e.message);
        const needed = Number(m[1]);
        assert.ok(needed >= dirs - 10 && needed <= dirs + 1, `needed ${needed}`);
        assert.match(e.message, /sysctl -w fs\.inotify\.max_user_watches=\d+/);
        return true;
      },
    );
  } finally {
    fs.writeFileSync(WATCHES, saved);
  }
});

test('watch limit while running (exitOnWatchLimit): onFatal with KernelLimitError', async () => {
  const saved = fs.readFileSync(WATCHES, 'utf8').trim();
  const h = await startHarness({ exitOnWatchLimit: true });
  try {
    fs.writeFileSync(WATCHES, String(countWatchesInUse() + 3));
    for (let i = 0; i < 20; i++) fs.mkdirSync(path.join(h.dir, `n/${i}`), { recursive: true });
    const until = Date.now() + 3000;
    while (h.fatals.length === 0 && Date.now() < until) await sleep(5);
    assert.equal(h.fatals.length, 1);
    assert.ok(h.fatals[0] instanceof KernelLimitError);
    assert.match(h.fatals[0].message, /max_user_watches/);
  } finally {
    fs.writeFileSync(WATCHES, saved);
    await h.close();
  }
});

test('watch limit while running: one warning, then the unwatched directories are reported again by polling', async () => {
  const saved = fs.readFileSync(WATCHES, 'utf8').trim();
  const h = await startHarness();
  try {
    fs.writeFileSync(WATCHES, String(countWatchesInUse() + 3));
    for (let i = 0; i < 20; i++) fs.mkdirSync(path.join(h.dir, `n/${i}`), { recursive: true });
    await h.waitFor(() => h.warnings.length > 0);
    await sleep(300); // the events of the mkdirs themselves
    const first = h.events.length;
    // a poll reports the topmost unwatched directories again, recursively
    await h.waitFor((events) => events.slice(first).some((e) => e.recursive && e.path.startsWith('n')), POLL_UNWATCHED_MS + 2000);
    assert.equal(h.warnings.length, 1, 'one warning, not one per poll');
    assert.match(h.warnings[0], /max_user_watches.*polling/);
    assert.equal(h.fatals.length, 0);
  } finally {
    fs.writeFileSync(WATCHES, saved);
    await h.close();
  }
});
