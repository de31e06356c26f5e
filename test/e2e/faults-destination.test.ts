/**
 * Faults at the destination (issue 3, item 4): it disappears, becomes
 * read-only or full, then comes back — nothing written at the source
 * meanwhile may be lost, and the log must say the sync failed and is retried.
 * Real rsync, real tmpfs mounts (root); every mount is undone in `finally`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { exitedWithin, killHard, mountTmpfs, stopClean, waitConverged, waitForLog, type Tmpfs } from '../helpers/faults.js';
import { tempDir } from '../helpers/tree.js';

/** The log line of a failed try that will be retried (src/exec/retry.ts). */
const RETRYING = /rsync[^\n]*: exit code \d+ \(try \d+\); retrying in 1 s/;

interface Setup {
  src: string;
  dst: string;
  run: ClsyncRun;
}

/**
 * Start `clsync -Mrsyncdirect` from a fresh source (one file `old`) to `dst`
 * (made by `makeDst`, inside the temp dir), wait for the initial sync, run
 * `body`, then stop the daemon, which must still be running.
 */
async function withDaemon(
  args: string[],
  makeDst: (base: string) => { dst: string; cleanup: () => void },
  body: (s: Setup) => Promise<void>,
): Promise<void> {
  const base = tempDir('clsync-faults-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'old'), 'there before the fault');
  const { dst, cleanup } = makeDst(base.path);
  let run: ClsyncRun | undefined;
  try {
    run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-t0', '-T0', ...args]);
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    await body({ src, dst, run });
    await stopClean(run);
  } finally {
    if (run) await killHard(run);
    cleanup();
    base.remove();
  }
}

const plainDst = (base: string): { dst: string; cleanup: () => void } => {
  const dst = join(base, 'dst');
  mkdirSync(dst);
  return { dst, cleanup: () => {} };
};

/** dst is a tmpfs of its own; returned through `mounted` so the test can remount it. */
function tmpfsDst(options: string, mounted: { fs?: Tmpfs }) {
  return (base: string): { dst: string; cleanup: () => void } => {
    mounted.fs = mountTmpfs(join(base, 'dst'), options);
    return { dst: mounted.fs.path, cleanup: () => mounted.fs?.unmount() };
  };
}

test('destination removed while running: recreated by the next sync, nothing written meanwhile is lost', { timeout: 30_000 }, async () => {
  await withDaemon(['-r0', '-w1'], plainDst, async ({ src, dst, run }) => {
    rmSync(dst, { recursive: true, force: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(src, `new${i}`), `written while dst was gone ${i}`);
    // rsync creates the missing last component of the destination itself: the changed files arrive...
    await waitConverged(src, dst, run, 'after rm -rf dst (the unchanged file "old" included)');
  });
});

test('destination replaced by an empty directory while idle: the next change brings back everything', { timeout: 30_000 }, async () => {
  // -w0 -t0: a content run is then waiting, already inside the old destination directory
  await withDaemon(['-w0'], plainDst, async ({ src, dst, run }) => {
    writeFileSync(join(src, 'first'), 'first');
    await waitConverged(src, dst, run, 'a first change');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dst, { recursive: true, force: true });
    mkdirSync(dst);
    writeFileSync(join(src, 'second'), 'written after the destination was replaced');
    await waitConverged(src, dst, run, 'after the destination was replaced ("old" and "first" included)');
  });
});

test('parent of the destination removed: syncs fail and are retried (-r0), then converge once it is back', { timeout: 30_000 }, async () => {
  let parent = '';
  const nestedDst = (base: string): { dst: string; cleanup: () => void } => {
    parent = join(base, 'parent');
    mkdirSync(join(parent, 'dst'), { recursive: true });
    return { dst: join(parent, 'dst'), cleanup: () => {} };
  };
  await withDaemon(['-r0', '-w1'], nestedDst, async ({ src, dst, run }) => {
    rmSync(parent, { recursive: true, force: true });
    writeFileSync(join(src, 'during'), 'written while the parent of dst was gone');
    await waitForLog(run, RETRYING, 'sync into a missing parent');
    mkdirSync(parent);
    writeFileSync(join(src, 'after'), 'written after the parent came back');
    await waitConverged(src, dst, run, 'after the parent of dst came back', 15_000);
  });
});

test('read-only destination: the sync fails, is retried (-r0 -w1), and converges after remount rw', { timeout: 30_000 }, async () => {
  const mounted: { fs?: Tmpfs } = {};
  await withDaemon(['-r0', '-w1'], tmpfsDst('size=16m', mounted), async ({ src, dst, run }) => {
    mounted.fs!.remount('ro');
    writeFileSync(join(src, 'during'), 'written while dst was read-only');
    mkdirSync(join(src, 'dir'));
    writeFileSync(join(src, 'dir/inner'), 'inner');
    await waitForLog(run, RETRYING, 'sync onto a read-only destination');
    assert.match(run.output(), /Read-only file system/, 'rsync says why');
    mounted.fs!.remount('rw');
    await waitConverged(src, dst, run, 'after remount rw', 15_000);
  });
});

test('full destination: the sync fails, is retried (-r0 -w1), and converges after the file system grows', { timeout: 30_000 }, async () => {
  const mounted: { fs?: Tmpfs } = {};
  await withDaemon(['-r0', '-w1'], tmpfsDst('size=1m', mounted), async ({ src, dst, run }) => {
    writeFileSync(join(src, 'big'), Buffer.alloc(2 * 1024 * 1024, 7));
    await waitForLog(run, RETRYING, 'sync of 2 MB onto a 1 MB destination');
    assert.match(run.output(), /No space left on device/, 'rsync says why');
    mounted.fs!.remount('size=8m');
    await waitConverged(src, dst, run, 'after remount size=8m', 15_000);
  });
});

test('--ignore-failures, default retries: a failed sync does not end the daemon and is retried once the fault is cured', { timeout: 30_000 }, async () => {
  const mounted: { fs?: Tmpfs } = {};
  await withDaemon(['--ignore-failures', '-w1'], tmpfsDst('size=16m', mounted), async ({ src, dst, run }) => {
    mounted.fs!.remount('ro');
    writeFileSync(join(src, 'during'), 'written while dst was read-only');
    await waitForLog(run, /--ignore-failures/, 'failed sync under --ignore-failures');
    assert.equal(run.child.exitCode, null, `the daemon should keep running:\n${run.output()}`);
    mounted.fs!.remount('rw');
    // no further change at the source: the failed batch itself must be retried
    await waitConverged(src, dst, run, 'after remount rw, with no further change', 15_000);
  });
});

test('default policy (-r1, no --ignore-failures): a failed sync ends the daemon with exit 4 and the reason', { timeout: 30_000 }, async () => {
  const mounted: { fs?: Tmpfs } = {};
  const base = tempDir('clsync-faults-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  mounted.fs = mountTmpfs(join(base.path, 'dst'));
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${mounted.fs.path}`, '-t0', '-T0', '-w0']);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    mounted.fs.remount('ro');
    writeFileSync(join(src, 'during'), 'x');
    assert.equal(await exitedWithin(run, 10_000), 4, run.output());
    assert.match(run.output(), /rsync.*exit code \d+/, 'the reason names the failed command and its exit');
  } finally {
    await killHard(run);
    mounted.fs.unmount();
    base.remove();
  }
});
