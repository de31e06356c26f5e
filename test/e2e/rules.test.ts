import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '../helpers/tree.js';
import { withMirror } from '../helpers/mirror.js';

test('rules exclude a subtree and a file pattern; SIGHUP with a broken file keeps the old rules', async () => {
  const conf = tempDir();
  const rulesFile = join(conf.path, 'rules');
  writeFileSync(rulesFile, '# skip caches and temp files\n-d^cache$\n-f\\.tmp$\n');
  const prepare = (src: string): void => {
    mkdirSync(join(src, 'cache/deep'), { recursive: true });
    writeFileSync(join(src, 'cache/deep/x'), 'x');
    writeFileSync(join(src, 'keep.txt'), 'keep');
    writeFileSync(join(src, 'drop.tmp'), 'drop');
  };
  try {
    await withMirror(
      async ({ run, ...m }) => {
        assert.ok(await waitFor(() => existsSync(join(m.dst, 'keep.txt')), 10_000), run.output());
        assert.equal(existsSync(join(m.dst, 'cache')), false, 'excluded dir was synced');
        assert.equal(existsSync(join(m.dst, 'drop.tmp')), false, 'excluded file was synced');

        // live: excluded objects stay out, a new directory with an excluded file inside syncs without it
        mkdirSync(join(m.src, 'newdir'));
        writeFileSync(join(m.src, 'newdir/in.tmp'), 'no');
        writeFileSync(join(m.src, 'newdir/in.txt'), 'yes');
        writeFileSync(join(m.src, 'cache/live'), 'no');
        writeFileSync(join(m.src, 'live.tmp'), 'no');
        writeFileSync(join(m.src, 'marker1'), 'm');
        assert.ok(await waitFor(() => existsSync(join(m.dst, 'marker1')) && existsSync(join(m.dst, 'newdir/in.txt')), 10_000), run.output());
        assert.equal(existsSync(join(m.dst, 'newdir/in.tmp')), false);
        assert.equal(existsSync(join(m.dst, 'cache')), false);
        assert.equal(existsSync(join(m.dst, 'live.tmp')), false);

        // a broken rules file on SIGHUP: logged, old rules kept
        writeFileSync(rulesFile, '-d^cache$\n?broken(\n');
        run.child.kill('SIGHUP');
        assert.ok(await waitFor(() => /keeping the previous rules/.test(run.output()), 5000), run.output());
        assert.match(run.output(), /rules:2/);
        writeFileSync(join(m.src, 'still.tmp'), 'no');
        writeFileSync(join(m.src, 'marker2'), 'm');
        assert.ok(await waitFor(() => existsSync(join(m.dst, 'marker2')), 10_000), run.output());
        assert.equal(existsSync(join(m.dst, 'still.tmp')), false, 'old rules were not kept');

        // a good file on SIGHUP takes effect: .tmp files are no longer excluded
        writeFileSync(rulesFile, '-d^cache$\n');
        run.child.kill('SIGHUP');
        assert.ok(await waitFor(() => /rules reread/.test(run.output()), 5000), run.output());
        writeFileSync(join(m.src, 'now.tmp'), 'yes');
        assert.ok(await waitFor(() => existsSync(join(m.dst, 'now.tmp')), 10_000), run.output());
        assert.equal(existsSync(join(m.dst, 'cache')), false);

      },
      { prepare, extraArgs: () => ['-R', rulesFile] },
    );
  } finally {
    conf.remove();
  }
});

test('a new directory the rules walk into but keep out of syncs (W) still brings what they let through below it', async () => {
  const conf = tempDir();
  const rulesFile = join(conf.path, 'rules');
  // only */keep/*.txt is synced; the directories on the way are walked and watched, not synced themselves
  writeFileSync(rulesFile, '+W^([^/]+(/keep)?)?$\n+f^[^/]+/keep/[^/]+\\.txt$\n-*.*\n');
  try {
    await withMirror(
      async ({ run, ...m }) => {
        mkdirSync(join(m.src, 'a', 'keep'), { recursive: true });
        writeFileSync(join(m.src, 'a', 'keep', 'in.txt'), 'yes');
        writeFileSync(join(m.src, 'a', 'keep', 'out.bin'), 'no');
        writeFileSync(join(m.src, 'a', 'other.txt'), 'no');
        assert.ok(await waitFor(() => existsSync(join(m.dst, 'a', 'keep', 'in.txt')), 10_000), run.output());
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(existsSync(join(m.dst, 'a', 'keep', 'out.bin')), false);
        assert.equal(existsSync(join(m.dst, 'a', 'other.txt')), false);
      },
      { extraArgs: () => [`-R${rulesFile}`] },
    );
  } finally {
    conf.remove();
  }
});
