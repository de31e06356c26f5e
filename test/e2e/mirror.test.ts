import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { diffTrees, tempDir, waitFor } from '../helpers/tree.js';
import { runClsync, startClsync } from '../helpers/clsync.js';

/** Wait until the two trees are equal; fail with the differences and the daemon's log otherwise. */
async function assertConverges(src: string, dst: string, log: () => string, timeoutMs = 10_000): Promise<void> {
  const ok = await waitFor(() => diffTrees(src, dst).length === 0, timeoutMs, 50);
  if (!ok) assert.fail(`destination differs:\n${diffTrees(src, dst).slice(0, 20).join('\n')}\n--- clsync log:\n${log()}`);
}

function seedTree(src: string): void {
  mkdirSync(join(src, 'dir/sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha\n');
  writeFileSync(join(src, 'dir/b.bin'), Buffer.alloc(70_000, 7));
  writeFileSync(join(src, 'dir/sub/c'), '');
  chmodSync(join(src, 'dir/sub/c'), 0o640);
  symlinkSync('../a.txt', join(src, 'dir/link'));
  symlinkSync('nowhere', join(src, 'dangling'));
}

test('seed line: -Mrsyncdirect -W -D -w0 -t0 -T0 mirrors a live tree', async () => {
  const src = tempDir();
  const dst = tempDir();
  const outside = tempDir();
  seedTree(src.path);
  const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '-w0', '-t0', '-T0']);
  try {
    await assertConverges(src.path, dst.path, run.output);

    // files: create, modify, chmod, delete, rename
    writeFileSync(join(src.path, 'new.txt'), 'new\n');
    appendFileSync(join(src.path, 'a.txt'), 'more\n');
    chmodSync(join(src.path, 'dir/b.bin'), 0o600);
    rmSync(join(src.path, 'dir/sub/c'));
    renameSync(join(src.path, 'dangling'), join(src.path, 'dangling2'));
    await assertConverges(src.path, dst.path, run.output);

    // directories: create, rename (events inside afterwards), delete
    mkdirSync(join(src.path, 'd1'));
    writeFileSync(join(src.path, 'd1/f'), 'f');
    renameSync(join(src.path, 'dir'), join(src.path, 'dir-renamed'));
    writeFileSync(join(src.path, 'dir-renamed/sub/after-rename'), 'x');
    await assertConverges(src.path, dst.path, run.output);
    rmSync(join(src.path, 'd1'), { recursive: true });
    await assertConverges(src.path, dst.path, run.output);

    // the classic race: the tree appears faster than a watch can be added
    mkdirSync(join(src.path, 'r/a/b/c'), { recursive: true });
    writeFileSync(join(src.path, 'r/a/b/c/deep'), 'deep');
    writeFileSync(join(src.path, 'r/a/b/f'), 'f');
    await assertConverges(src.path, dst.path, run.output);

    // a directory moved in from outside, then one moved out
    mkdirSync(join(outside.path, 'in/x'), { recursive: true });
    writeFileSync(join(outside.path, 'in/x/file'), 'from outside');
    renameSync(join(outside.path, 'in'), join(src.path, 'moved-in'));
    await assertConverges(src.path, dst.path, run.output);
    writeFileSync(join(src.path, 'moved-in/x/later'), 'watched after move');
    await assertConverges(src.path, dst.path, run.output);
    renameSync(join(src.path, 'r'), join(outside.path, 'r-out'));
    await assertConverges(src.path, dst.path, run.output);
    // writes in the moved-out tree must not come back
    writeFileSync(join(outside.path, 'r-out/a/ghost'), 'ghost');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(existsSync(join(dst.path, 'r')), false);
    assert.deepEqual(diffTrees(src.path, dst.path), []);

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
    outside.remove();
  }
});

test('seed line: --exit-on-no-events --max-iterations=20 with handler args after --, while files are written', async () => {
  const src = tempDir();
  const dst = tempDir();
  seedTree(src.path);
  let writing = true;
  let n = 0;
  const writer = (async () => {
    while (writing && n < 300) {
      writeFileSync(join(src.path, `w${n++}`), `file ${n}\n`.repeat(50));
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const stopWriting = setTimeout(() => (writing = false), 400);
  try {
    const { code, output } = await runClsync([
      '--exit-on-no-events',
      '--max-iterations=20',
      '--mode=rsyncdirect',
      `-W${src.path}`,
      '-Srsync',
      '--',
      '%RSYNC-ARGS%',
      `${src.path}/`,
      `${dst.path}/`,
    ]);
    await writer;
    assert.equal(code, 0, output);
    assert.ok(n > 10, 'the writer was still writing when clsync started');
    assert.deepEqual(diffTrees(src.path, dst.path), [], output);
  } finally {
    clearTimeout(stopWriting);
    writing = false;
    src.remove();
    dst.remove();
  }
});

test('default delays hold: a change waits for -t/-w (30 s) before it is synced', async () => {
  const src = tempDir();
  const dst = tempDir();
  seedTree(src.path);
  const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`]);
  try {
    await assertConverges(src.path, dst.path, run.output);
    const changedAt = Date.now();
    writeFileSync(join(src.path, 'late.txt'), 'late');
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(existsSync(join(dst.path, 'late.txt')), false, 'synced before the collect delay');
    await assertConverges(src.path, dst.path, run.output, 40_000);
    const waited = Date.now() - changedAt;
    assert.ok(waited >= 29_000, `synced after ${waited} ms, before the 30 s delays`);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
  }
});

test('a directory renamed within the tree is renamed at a local destination, not copied again', async () => {
  const src = tempDir();
  const dst = tempDir();
  mkdirSync(join(src.path, 'photos/2024'), { recursive: true });
  writeFileSync(join(src.path, 'photos/2024/big.jpg'), Buffer.alloc(2_000_000, 1));
  const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '-w0', '-t0', '-T0']);
  try {
    await assertConverges(src.path, dst.path, run.output);
    const inodeBefore = statSync(join(dst.path, 'photos/2024/big.jpg')).ino;
    renameSync(join(src.path, 'photos'), join(src.path, 'pictures'));
    await assertConverges(src.path, dst.path, run.output);
    assert.equal(statSync(join(dst.path, 'pictures/2024/big.jpg')).ino, inodeBefore, 'the file was copied again');
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
  }
});
