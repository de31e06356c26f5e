/**
 * `--status-file` (issue 11): the C tool's words stay the default; with
 * `--status-file-format json` a report with the state, the queue and its
 * paths, the watch count and the last sync, kept current.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';
import { ClsyncControl } from '../../src/control/client.js';

interface Report {
  status: string;
  paused: boolean;
  iteration: number;
  queue: { normal: number; bigfile: number; paths?: Array<{ path: string; state: string }> };
  watchedDirs: number;
  lastSync: { ok: boolean; full: boolean } | null;
}

test('--status-file: the words by default; the JSON report with queue, paths and watches', { timeout: 40_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-status-');
  mkdirSync(join(src, 'sub'));
  const words = join(base.path, 'status.txt');
  const report = join(base.path, 'status.json');
  const sock = join(base.path, 'ctl.sock');
  const plain = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--status-file=${words}`]);
  const json = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${join(base.path, 'dst2')}`, '-w0', '-t0', '-T0', `--status-file=${report}`, '--status-file-format=json', `--socket=${sock}`]);
  try {
    mkdirSync(join(base.path, 'dst2'));
    await waitForLog(plain, /initial sync done/, 'initial sync (text)', 15_000);
    await waitForLog(json, /initial sync done/, 'initial sync (json)', 15_000);
    assert.ok(await waitFor(() => readFileSync(words, 'utf8') === 'running\n', 5000), 'the C tool\'s word');
    const read = (): Report => JSON.parse(readFileSync(report, 'utf8')) as Report;
    assert.ok(await waitFor(() => read().status === 'running', 5000));
    const first = read();
    assert.equal(first.watchedDirs, 2);
    assert.equal(first.lastSync?.full, true);
    const ctl = await ClsyncControl.connect(sock);
    await ctl.pause();
    assert.equal(read().paused, true, 'pause shows at once');
    writeFileSync(join(src, 'sub', 'queued'), 'x');
    assert.ok(await waitFor(() => read().queue.normal === 1, 5000), `the queued path: ${readFileSync(report, 'utf8')}`);
    assert.deepEqual(read().queue.paths?.map((p) => [p.path, p.state]), [['sub/queued', 'created']]);
    await ctl.resume();
    assert.ok(await waitFor(() => read().queue.normal === 0 && read().lastSync?.full === false, 5000), `synced: ${readFileSync(report, 'utf8')}`);
    ctl.close();
    await stopClean(plain);
    await stopClean(json);
    assert.equal(read().status, 'exiting');
  } finally {
    await killHard(plain);
    await killHard(json);
    base.remove();
  }
});
