import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '../helpers/tree.js';
import { startClsync } from '../helpers/clsync.js';

test('rules exclude a subtree and a file pattern; SIGHUP with a broken file keeps the old rules', async () => {
  const src = tempDir();
  const dst = tempDir();
  const conf = tempDir();
  const rulesFile = join(conf.path, 'rules');
  writeFileSync(rulesFile, '# skip caches and temp files\n-d^cache$\n-f\\.tmp$\n');
  mkdirSync(join(src.path, 'cache/deep'), { recursive: true });
  writeFileSync(join(src.path, 'cache/deep/x'), 'x');
  writeFileSync(join(src.path, 'keep.txt'), 'keep');
  writeFileSync(join(src.path, 'drop.tmp'), 'drop');
  const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '-w0', '-t0', '-T0', '-R', rulesFile]);
  try {
    assert.ok(await waitFor(() => existsSync(join(dst.path, 'keep.txt')), 10_000), run.output());
    assert.equal(existsSync(join(dst.path, 'cache')), false, 'excluded dir was synced');
    assert.equal(existsSync(join(dst.path, 'drop.tmp')), false, 'excluded file was synced');

    // live: excluded objects stay out, a new directory with an excluded file inside syncs without it
    mkdirSync(join(src.path, 'newdir'));
    writeFileSync(join(src.path, 'newdir/in.tmp'), 'no');
    writeFileSync(join(src.path, 'newdir/in.txt'), 'yes');
    writeFileSync(join(src.path, 'cache/live'), 'no');
    writeFileSync(join(src.path, 'live.tmp'), 'no');
    writeFileSync(join(src.path, 'marker1'), 'm');
    assert.ok(await waitFor(() => existsSync(join(dst.path, 'marker1')) && existsSync(join(dst.path, 'newdir/in.txt')), 10_000), run.output());
    assert.equal(existsSync(join(dst.path, 'newdir/in.tmp')), false);
    assert.equal(existsSync(join(dst.path, 'cache')), false);
    assert.equal(existsSync(join(dst.path, 'live.tmp')), false);

    // a broken rules file on SIGHUP: logged, old rules kept
    writeFileSync(rulesFile, '-d^cache$\n?broken(\n');
    run.child.kill('SIGHUP');
    assert.ok(await waitFor(() => /keeping the previous rules/.test(run.output()), 5000), run.output());
    assert.match(run.output(), /rules:2/);
    writeFileSync(join(src.path, 'still.tmp'), 'no');
    writeFileSync(join(src.path, 'marker2'), 'm');
    assert.ok(await waitFor(() => existsSync(join(dst.path, 'marker2')), 10_000), run.output());
    assert.equal(existsSync(join(dst.path, 'still.tmp')), false, 'old rules were not kept');

    // a good file on SIGHUP takes effect: .tmp files are no longer excluded
    writeFileSync(rulesFile, '-d^cache$\n');
    run.child.kill('SIGHUP');
    assert.ok(await waitFor(() => /rules reread/.test(run.output()), 5000), run.output());
    writeFileSync(join(src.path, 'now.tmp'), 'yes');
    assert.ok(await waitFor(() => existsSync(join(dst.path, 'now.tmp')), 10_000), run.output());
    assert.equal(existsSync(join(dst.path, 'cache')), false);

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
    conf.remove();
  }
});
