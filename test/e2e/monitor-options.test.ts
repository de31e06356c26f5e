/**
 * Monitoring options of issue 9: --cancel-syscalls=mon_stat (no lstat per
 * event, so no big-file queue) and -X/--exclude-mount-points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst } from '../helpers/tree.js';

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
