import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IN, WalkDecision } from '../../src/types.js';
import { createMonitor } from '../../src/monitor/monitor.js';
import { OptionError } from '../../src/errors.js';
import { startHarness, has, sleep } from '../helpers/native-monitor-harness.js';

test('file create, modify, delete are reported with exact paths and masks', async () => {
  const h = await startHarness();
  try {
    fs.writeFileSync(path.join(h.dir, 'f'), 'x');
    fs.appendFileSync(path.join(h.dir, 'f'), 'y');
    fs.unlinkSync(path.join(h.dir, 'f'));
    await h.waitFor((e) => has(e, 'f', IN.DELETE));
    const kinds = h.events.filter((e) => e.path === 'f').map((e) => e.mask);
    assert.deepEqual(kinds, [IN.CREATE, IN.MODIFY, IN.CLOSE_WRITE, IN.MODIFY, IN.CLOSE_WRITE, IN.DELETE]);
    assert.ok(h.events.every((e) => !e.recursive));
  } finally {
    await h.close();
  }
});

test('a new directory is recursive and watched; delete drops it from the table', async () => {
  const h = await startHarness();
  try {
    const before = h.monitor.watchedDirs;
    fs.mkdirSync(path.join(h.dir, 'd'));
    await h.waitFor((e) => has(e, 'd', IN.CREATE | IN.ISDIR, true));
    assert.equal(h.monitor.watchedDirs, before + 1);
    fs.writeFileSync(path.join(h.dir, 'd', 'x'), '');
    await h.waitFor((e) => has(e, 'd/x', IN.CLOSE_WRITE, false));
    fs.rmSync(path.join(h.dir, 'd'), { recursive: true });
    await h.waitFor((e) => has(e, 'd', IN.DELETE | IN.ISDIR));
    await sleep(20);
    assert.equal(h.monitor.watchedDirs, before);
  } finally {
    await h.close();
  }
});

test('file rename gives MOVED_FROM old and MOVED_TO new', async () => {
  const h = await startHarness({ setup: (d) => fs.writeFileSync(path.join(d, 'a'), '') });
  try {
    fs.renameSync(path.join(h.dir, 'a'), path.join(h.dir, 'b'));
    await h.waitFor((e) => has(e, 'b', IN.MOVED_TO));
    assert.deepEqual(h.events, [
      { path: 'a', mask: IN.MOVED_FROM, recursive: false },
      { path: 'b', mask: IN.MOVED_TO, recursive: false },
    ]);
  } finally {
    await h.close();
  }
});

test('directory rename: later events inside report the new path; the table is re-parented', async () => {
  const h = await startHarness({ setup: (d) => fs.mkdirSync(path.join(d, 'p/old/deep'), { recursive: true }) });
  try {
    const watched = h.monitor.watchedDirs;
    fs.mkdirSync(path.join(h.dir, 'q'));
    await h.waitFor((e) => has(e, 'q', IN.CREATE | IN.ISDIR));
    fs.renameSync(path.join(h.dir, 'p/old'), path.join(h.dir, 'q/new'));
    await h.waitFor((e) => has(e, 'q/new', IN.MOVED_TO | IN.ISDIR, true));
    assert.ok(has(h.events, 'p/old', IN.MOVED_FROM | IN.ISDIR, false));
    fs.writeFileSync(path.join(h.dir, 'q/new/deep/f'), '');
    await h.waitFor((e) => has(e, 'q/new/deep/f', IN.CREATE));
    assert.ok(!h.events.some((e) => e.path.startsWith('p/old/')), 'no event under the old path');
    assert.equal(h.monitor.watchedDirs, watched + 1);
  } finally {
    await h.close();
  }
});

test('mkdir -p a/b && touch a/b/c right away: a is recursive, b is watched when a is reported', async () => {
  const h = await startHarness();
  try {
    fs.mkdirSync(path.join(h.dir, 'a/b'), { recursive: true });
    fs.writeFileSync(path.join(h.dir, 'a/b/c'), '');
    await h.waitFor((e) => has(e, 'a', IN.CREATE | IN.ISDIR, true));
    // When `a` is delivered its subtree is watched: a file made now is reported.
    fs.writeFileSync(path.join(h.dir, 'a/b/c2'), '');
    await h.waitFor((e) => has(e, 'a/b/c2', IN.CREATE));
    assert.equal(h.monitor.watchedDirs, 3);
    // c existed before b's watch or is reported; the recursive sync of `a` covers it either way.
    assert.ok(fs.existsSync(path.join(h.dir, 'a/b/c')));
  } finally {
    await h.close();
  }
});

test('directory moved in from outside is recursive and its content gets watched', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
  const h = await startHarness();
  try {
    fs.mkdirSync(path.join(outside, 'x/y'), { recursive: true });
    fs.renameSync(path.join(outside, 'x'), path.join(h.dir, 'x'));
    await h.waitFor((e) => has(e, 'x', IN.MOVED_TO | IN.ISDIR, true));
    fs.writeFileSync(path.join(h.dir, 'x/y/z'), '');
    await h.waitFor((e) => has(e, 'x/y/z', IN.CREATE));
  } finally {
    await h.close();
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('directory moved out is unwatched: writes in it produce no events', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
  const h = await startHarness({ setup: (d) => fs.mkdirSync(path.join(d, 'm/sub'), { recursive: true }) });
  try {
    assert.equal(h.monitor.watchedDirs, 3);
    fs.renameSync(path.join(h.dir, 'm'), path.join(outside, 'm'));
    await h.waitFor((e) => has(e, 'm', IN.MOVED_FROM | IN.ISDIR));
    await sleep(60); // past the wait for a MOVED_TO in a later buffer
    assert.equal(h.monitor.watchedDirs, 1);
    const seen = h.events.length;
    fs.writeFileSync(path.join(outside, 'm/sub/f'), '');
    fs.writeFileSync(path.join(outside, 'm/g'), '');
    await sleep(150);
    assert.equal(h.events.length, seen, JSON.stringify(h.events.slice(seen)));
  } finally {
    await h.close();
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('odd names come out as exact byte strings', async () => {
  const h = await startHarness();
  try {
    const names = [
      'new\nline', '[x]', 'a*b', 'q?', 'back\\slash', '-leading', 'sp ace',
      Buffer.from([0x66, 0xff, 0xfe, 0x2e]).toString('latin1'), // invalid UTF-8
      Buffer.from('é', 'utf8').toString('latin1'), // valid UTF-8, two bytes
      'n'.repeat(255),
    ];
    fs.mkdirSync(h.abs('dir\xff'));
    await h.waitFor((e) => has(e, 'dir\xff', IN.CREATE | IN.ISDIR));
    for (const n of names) fs.writeFileSync(h.abs('dir\xff/' + n), '');
    await h.waitFor((e) => names.every((n) => has(e, 'dir\xff/' + n, IN.CLOSE_WRITE)));
    for (const n of names) assert.ok(has(h.events, 'dir\xff/' + n, IN.CREATE, false), JSON.stringify(n));
  } finally {
    await h.close();
  }
});

test('a subtree the filter refuses produces no events, at start and when created later', async () => {
  const filter = (p: string) => (p === 'skip' || p === 'late' ? 0 : WalkDecision.WALK | WalkDecision.MONITOR);
  const h = await startHarness({ filter, setup: (d) => fs.mkdirSync(path.join(d, 'skip')) });
  try {
    assert.equal(h.stats.dirs, 1);
    fs.writeFileSync(path.join(h.dir, 'skip/f'), '');
    fs.mkdirSync(path.join(h.dir, 'late'));
    await h.waitFor((e) => has(e, 'late', IN.CREATE | IN.ISDIR));
    fs.writeFileSync(path.join(h.dir, 'late/g'), '');
    fs.writeFileSync(path.join(h.dir, 'marker'), '');
    await h.waitFor((e) => has(e, 'marker', IN.CLOSE_WRITE));
    await sleep(50);
    assert.ok(!h.events.some((e) => e.path.startsWith('skip/') || e.path.startsWith('late/')), JSON.stringify(h.events));
    assert.equal(h.monitor.watchedDirs, 1);
  } finally {
    await h.close();
  }
});

test('rescan keeps the watches that exist and finds missed ones', async () => {
  const h = await startHarness({ setup: (d) => fs.mkdirSync(path.join(d, 'a/b'), { recursive: true }) });
  try {
    assert.deepEqual([h.stats.dirs, h.stats.watches, h.stats.errors], [3, 3, 0]);
    const again = await h.monitor.rescan();
    assert.deepEqual([again.dirs, again.watches], [3, 3]);
    assert.equal(h.monitor.watchedDirs, 3);
    fs.writeFileSync(path.join(h.dir, 'a/b/f'), '');
    await h.waitFor((e) => has(e, 'a/b/f', IN.CLOSE_WRITE));
  } finally {
    await h.close();
  }
});

test('deleting the watch dir itself is fatal with a clear message', async () => {
  const h = await startHarness();
  try {
    fs.rmSync(h.dir, { recursive: true });
    const until = Date.now() + 3000;
    while (h.fatals.length === 0 && Date.now() < until) await sleep(5);
    assert.equal(h.fatals.length, 1);
    assert.match(h.fatals[0].message, /watch dir ".*" was deleted/);
  } finally {
    await h.close();
  }
});

test('no callbacks after close; start on a missing dir and unknown backends are errors', async () => {
  const h = await startHarness();
  await h.monitor.close();
  const seen = h.events.length;
  fs.writeFileSync(path.join(h.dir, 'after'), '');
  await sleep(50);
  assert.equal(h.events.length, seen);
  await h.close();
  const opts = {
    watchDir: '/nonexistent/clsync-test', oneFileSystem: false, reportFiles: false,
    filter: () => 3, onEvents: () => undefined, onWarning: () => undefined, onFatal: () => undefined,
  };
  await assert.rejects(createMonitor('inotify', opts).start(), /watch dir "\/nonexistent\/clsync-test" cannot be read/);
  assert.throws(() => createMonitor('kqueue', opts), OptionError);
});

test('renameat2 RENAME_EXCHANGE: one event per name naming the other; the watches follow their directories', async () => {
  const { exchange } = await import('../helpers/exchange.js');
  const h = await startHarness({
    setup: (d) => {
      fs.mkdirSync(path.join(d, 'xa/in'), { recursive: true });
      fs.mkdirSync(path.join(d, 'p/xb/in'), { recursive: true });
      fs.writeFileSync(path.join(d, 'f'), '');
    },
  });
  try {
    await exchange(path.join(h.dir, 'xa'), path.join(h.dir, 'p/xb'));
    await h.waitFor((e) => e.some((x) => x.path === 'p/xb' && x.exchangedWith !== undefined));
    assert.deepEqual(h.events, [
      { path: 'xa', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: 'p/xb' },
      { path: 'p/xb', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: 'xa' },
    ]);
    h.events.length = 0;
    // what was xa/in is now p/xb/in, and the reverse
    fs.writeFileSync(path.join(h.dir, 'p/xb/in/one'), '');
    fs.writeFileSync(path.join(h.dir, 'xa/in/two'), '');
    await h.waitFor((e) => has(e, 'xa/in/two', IN.CLOSE_WRITE));
    assert.ok(has(h.events, 'p/xb/in/one', IN.CLOSE_WRITE), JSON.stringify(h.events));
    h.events.length = 0;
    // a file with a directory
    await exchange(path.join(h.dir, 'f'), path.join(h.dir, 'xa'));
    await h.waitFor((e) => e.some((x) => x.path === 'xa' && x.exchangedWith !== undefined));
    assert.deepEqual(h.events, [
      { path: 'f', mask: IN.MOVED_TO | IN.ISDIR, recursive: true, exchangedWith: 'xa' },
      { path: 'xa', mask: IN.MOVED_TO, recursive: true, exchangedWith: 'f' },
    ]);
    h.events.length = 0;
    fs.writeFileSync(path.join(h.dir, 'f/in/three'), '');
    await h.waitFor((e) => has(e, 'f/in/three', IN.CLOSE_WRITE));
  } finally {
    await h.close();
  }
});
