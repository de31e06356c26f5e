/**
 * Monitoring options of issue 9: --cancel-syscalls=mon_stat (no lstat per
 * event, so no big-file queue) and -X/--exclude-mount-points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';

test('--cancel-syscalls=mon_stat: no size per event, so a "big" file is synced with the normal delay; a warning says what is lost', { timeout: 40_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-monstat-');
  // -B1: every non-empty file is big, and big files wait -T30; without their size they wait -t0
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T30', '-B1', '--cancel-syscalls=mon_stat']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    assert.match(run.output(), /--cancel-syscalls=mon_stat: no lstat\(\) per event; big-file detection \(-B, -T\) and --modification-signature are unavailable/);
    writeFileSync(join(src, 'big'), 'more than one byte');
    await waitConverged(src, dst, run, 'the file synced without the big-file delay', 10_000);
    await stopClean(run);
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('-X: a mount point below the watch dir is neither crossed nor synced; the rest is', { timeout: 40_000 }, async (t) => {
  const { base, src, dst } = tempSrcDst('clsync-mounts-');
  const mnt = join(src, 'mnt');
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'clsync-test', mnt], { stdio: 'ignore' });
  } catch {
    base.remove();
    t.skip('cannot mount a tmpfs here (not root, or no mount permission)');
    return;
  }
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', '-X']);
  try {
    writeFileSync(join(mnt, 'on-the-mount'), 'x');
    writeFileSync(join(src, 'beside'), 'y');
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    writeFileSync(join(src, 'after'), 'z');
    writeFileSync(join(mnt, 'on-the-mount-after'), 'x');
    await waitFor(() => existsSync(join(dst, 'after')), 10_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(existsSync(join(dst, 'beside')) && existsSync(join(dst, 'after')), run.output());
    assert.ok(!existsSync(join(dst, 'mnt')), `the mount point was synced:\n${run.output()}`);
    await stopClean(run);
  } finally {
    await killHard(run);
    execFileSync('umount', [mnt]);
    base.remove();
  }
});
