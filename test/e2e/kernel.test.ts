import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { countWatchesInUse, withInotifySysctl } from '../helpers/inotify-sysctl.js';
import { join } from 'node:path';
import { diffTrees, tempDir, waitFor } from '../helpers/tree.js';
import { runClsync, startClsync } from '../helpers/clsync.js';

test('inotify queue overflow is logged loudly and recovered by a rescan, losing nothing', async () => {
  const src = tempDir();
  const dst = tempDir();
  mkdirSync(join(src.path, 'burst'));
  // the queue size is fixed when the inotify instance is created: keep it tiny only while clsync starts
  const run = await withInotifySysctl('max_queued_events', 4, async () => {
    const started = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '-w0', '-t0', '-T0']);
    assert.ok(await waitFor(() => /initial sync done/.test(started.output()), 10_000), started.output());
    return started;
  });
  try {
    // Stopped, the daemon's reader thread cannot drain the queue: the overflow is certain (running, a
    // fast reader thread may keep up even with a queue of 4 and fail this test by losing nothing).
    run.child.kill('SIGSTOP');
    for (let i = 0; i < 3000; i++) writeFileSync(join(src.path, 'burst', `f${i}`), String(i));
    mkdirSync(join(src.path, 'burst/dir/deeper'), { recursive: true });
    writeFileSync(join(src.path, 'burst/dir/deeper/last'), 'last');
    run.child.kill('SIGCONT');
    const ok = await waitFor(() => diffTrees(src.path, dst.path).length === 0, 20_000, 100);
    assert.ok(ok, `not converged:\n${diffTrees(src.path, dst.path).slice(0, 10).join('\n')}\n${run.output()}`);
    assert.match(run.output(), /overflow/i);
    assert.match(run.output(), /max_queued_events/);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
  }
});

test('the inotify watch limit is an error naming fs.inotify.max_user_watches and the number needed', async () => {
  const src = tempDir();
  const dst = tempDir();
  for (let i = 0; i < 200; i++) mkdirSync(join(src.path, `d${i}`, 'sub'), { recursive: true });
  const inUse = countWatchesInUse();
  const { code, output } = await withInotifySysctl('max_user_watches', inUse + 20, () =>
    runClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '-w0', '-t0', '-T0']),
  );
  try {
    assert.notEqual(code, 0, output);
    assert.match(output, /fs\.inotify\.max_user_watches/);
    assert.match(output, /at least \d+/);
  } finally {
    src.remove();
    dst.remove();
  }
});
