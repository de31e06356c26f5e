/**
 * Several destinations for one watch dir (issue 12): one monitor, a queue,
 * handler, timer and health per destination. A destination that is down or
 * hangs holds back no other, catches up from its own backlog when it comes
 * back, and its backlog stays bounded. Real daemon, real rsync, local
 * destinations (the remote ones: remote-*.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync, renameSync, existsSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLSYNC_BIN, startClsync, runClsync, type ClsyncRun } from '../helpers/clsync.js';
import { compareTrees } from '../helpers/compare.js';
import { tempDir, waitFor } from '../helpers/tree.js';

const equal = (src: string, dst: string): boolean => existsSync(dst) && compareTrees(src, dst, { hardLinks: true }).length === 0;

async function stop(run: ClsyncRun): Promise<void> {
  if (run.child.exitCode === null) run.child.kill('SIGTERM');
  await run.exited;
}

/** Some churn: files, a directory tree, a rename, a deletion below the top level, a hard link. */
function churn(src: string, round: number): void {
  mkdirSync(join(src, `r${round}`, 'deep', 'er'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(src, `r${round}`, 'deep', 'er', `f${i}`), `round ${round} file ${i}\n`);
  writeFileSync(join(src, 'top'), `top ${round}\n`);
  if (round > 0) {
    renameSync(join(src, `r${round - 1}`), join(src, `moved${round - 1}`));
    rmSync(join(src, `moved${round - 1}`, 'deep', 'er', 'f3'));
    linkSync(join(src, `r${round}`, 'deep', 'er', 'f1'), join(src, `r${round}`, `link${round}`));
  }
}

test('three destinations end equal after a churn; each -D is named in the log when several', async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  churn(src, 0);
  const dsts = [1, 2, 3].map((i) => join(base.path, `dst${i}`));
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, ...dsts.map((d) => `-D${d}`), '-w0', '-t0', '-T0', '-v']);
  try {
    assert.ok(await waitFor(() => dsts.every((d) => equal(src, d)), 15_000), run.output());
    for (let round = 1; round < 4; round++) churn(src, round);
    assert.ok(await waitFor(() => dsts.every((d) => equal(src, d)), 15_000), `${dsts.map((d) => compareTrees(src, d).join('\n')).join('\n')}\n${run.output()}`);
    assert.match(run.output(), /\[2:"[^\]]*dst2"\] sync #\d+/);
  } finally {
    await stop(run);
    base.remove();
  }
});

test('a destination that is down holds back no other, and catches up when it returns (--ignore-failures)', async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'first'), '1\n');
  const up = join(base.path, 'up');
  const gone = join(base.path, 'gone'); // the parent is missing: rsync cannot create the destination
  const down = join(gone, 'dst');
  const sock = join(base.path, 'ctl.sock');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${up}`, `-D${down}`, '-w0', '-t0', '-T0', '--ignore-failures', `--socket=${sock}`]);
  try {
    assert.ok(await waitFor(() => equal(src, up), 10_000), run.output());
    // while the second is down: every write reaches the first quickly
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      writeFileSync(join(src, `w${i}`), `write ${i}\n`);
      assert.ok(await waitFor(() => existsSync(join(up, `w${i}`)), 5000), run.output());
      delays.push(Date.now() - t0);
    }
    delays.sort((a, b) => a - b);
    assert.ok(delays[Math.floor(delays.length / 2)]! < 500, `median latency at the live destination ${delays.join(',')} ms`);
    assert.equal(existsSync(down), false);
    // the control socket and `clsync ctl` report each destination's health, backlog and lag
    const st = JSON.parse(execFileSync(process.execPath, [CLSYNC_BIN, 'ctl', sock, 'status', '--json'], { encoding: 'utf8' })) as {
      destinations: Array<{ destination: string; health: string; backlog: number; lagMs: number; lastError: string | null }>;
    };
    assert.equal(st.destinations.length, 2);
    assert.deepEqual([st.destinations[0]!.destination, st.destinations[0]!.health, st.destinations[0]!.backlog], [up, 'ok', 0]);
    assert.match(st.destinations[1]!.health, /^(retrying|needs-full-sync)$/, 'down since the start: it owes the whole tree');
    assert.ok(st.destinations[1]!.backlog > 0 && st.destinations[1]!.lagMs > 0 && st.destinations[1]!.lastError !== null, JSON.stringify(st.destinations[1]));
    assert.match(execFileSync(process.execPath, [CLSYNC_BIN, 'ctl', sock, 'status'], { encoding: 'utf8' }), /destination .*gone\/dst: (retrying|needs-full-sync), \d+ waiting, lag/);
    mkdirSync(gone); // it returns
    assert.ok(await waitFor(() => equal(src, down) && equal(src, up), 15_000), `${compareTrees(src, down).join('\n')}\n${run.output()}`);
    assert.equal(run.child.exitCode, null, run.output());
  } finally {
    await stop(run);
    base.remove();
  }
});

test('a destination that hangs is killed at -k and retried; the other goes on meanwhile', async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a'), 'a\n');
  const fast = join(base.path, 'fast');
  const slow = join(base.path, 'slow');
  const freeze = join(base.path, 'freeze');
  // rsync, but frozen for the "slow" destination while the freeze file exists (a hung NFS mount, a stopped server)
  const handler = join(base.path, 'rsync-or-hang.sh');
  writeFileSync(handler, `#!/bin/sh\nfor a; do last=$a; done\ncase "$last" in *slow/) [ -e ${freeze} ] && exec sleep 600;; esac\nexec rsync "$@"\n`, { mode: 0o755 });
  const run = startClsync(['-Mrsyncdirect', `-S${handler}`, `-W${src}`, `-D${fast}`, `-D${slow}`, '-w0', '-t0', '-T0', '-k2', '--ignore-failures']);
  try {
    assert.ok(await waitFor(() => equal(src, fast) && equal(src, slow), 10_000), run.output());
    writeFileSync(freeze, '');
    writeFileSync(join(src, 'b'), 'b\n');
    assert.ok(await waitFor(() => existsSync(join(fast, 'b')), 3000), run.output());
    for (let i = 0; i < 5; i++) writeFileSync(join(src, `c${i}`), 'c\n');
    assert.ok(await waitFor(() => existsSync(join(fast, 'c4')), 3000), `the live destination waited for the hung one\n${run.output()}`);
    assert.equal(existsSync(join(slow, 'b')), false);
    rmSync(freeze);
    assert.ok(await waitFor(() => equal(src, slow), 15_000), `${compareTrees(src, slow).join('\n')}\n${run.output()}`);
    assert.match(run.output(), /timed out|killed/i);
  } finally {
    await stop(run);
    base.remove();
  }
});

test('without --ignore-failures a failed destination is given up, named in the log, the others go on; the last one ends the daemon', async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a'), 'a\n');
  const good = join(base.path, 'good');
  const bad = join(base.path, 'missing-parent', 'bad');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${good}`, `-D${bad}`, '-w0', '-t0', '-T0']);
  try {
    assert.ok(await waitFor(() => equal(src, good), 10_000), run.output());
    assert.ok(await waitFor(() => /destination .*missing-parent\/bad.* failed for good: .*1 other destination go on/.test(run.output()), 10_000), run.output());
    writeFileSync(join(src, 'b'), 'b\n');
    assert.ok(await waitFor(() => existsSync(join(good, 'b')), 5000), run.output());
    assert.equal(run.child.exitCode, null);
    // now the last one fails too: the daemon ends with the handler's error
    chmodSync(good, 0o500);
    rmSync(good, { recursive: true, force: true });
    writeFileSync(good, 'a file where the destination directory was\n');
    writeFileSync(join(src, 'c'), 'c\n');
    const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    assert.notEqual(code, 'still running', run.output());
    assert.notEqual(code, 0, run.output());
  } finally {
    await stop(run);
    base.remove();
  }
});

test('--backlog-limit: a destination far behind has its backlog folded into directories, then catches up with nothing lost', async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(src, `d${d}`, 'sub'), { recursive: true });
    for (let f = 0; f < 10; f++) writeFileSync(join(src, `d${d}`, 'sub', `f${f}`), `${d}/${f}\n`);
  }
  const up = join(base.path, 'up');
  const gone = join(base.path, 'gone');
  const down = join(gone, 'dst');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${up}`, `-D${down}`, '-w0', '-t0', '-T0', '--ignore-failures', '--backlog-limit=20']);
  try {
    assert.ok(await waitFor(() => equal(src, up), 10_000), run.output());
    mkdirSync(gone);
    assert.ok(await waitFor(() => equal(src, down), 10_000), run.output());
    rmSync(gone, { recursive: true }); // down again, now with every file at the destination
    // 100 files changed in 10 directories: 100 entries for the down destination
    for (let d = 0; d < 10; d++) for (let f = 0; f < 10; f++) writeFileSync(join(src, `d${d}`, 'sub', `f${f}`), `changed ${d}/${f}\n`);
    rmSync(join(src, 'd3', 'sub', 'f7'));
    assert.ok(await waitFor(() => /more than 20 changed paths wait \(--backlog-limit\): folded into \d+ directories/.test(run.output()), 10_000), run.output());
    assert.ok(await waitFor(() => equal(src, up), 10_000), run.output());
    mkdirSync(gone); // back, empty: the folded backlog alone must not lose anything (the rest comes from the full resync below)
    assert.ok(await waitFor(() => ['d0', 'd5', 'd9'].every((d) => existsSync(join(down, d, 'sub', 'f9'))), 20_000), run.output());
    for (let d = 0; d < 10; d++) {
      assert.ok(compareTrees(join(src, `d${d}`), join(down, `d${d}`)).length === 0, `d${d}: ${compareTrees(join(src, `d${d}`), join(down, `d${d}`)).join('\n')}`);
    }
  } finally {
    await stop(run);
    base.remove();
  }
});

test('several destinations: a config file list, and what cannot hold is refused naming the option', async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a'), 'a\n');
  const conf = join(base.path, 'clsync.conf');
  const [d1, d2] = [join(base.path, 'one'), join(base.path, 'two,with comma')];
  writeFileSync(conf, `[default]\nmode = rsyncdirect\nwatch-dir = ${src}\ndestination-dir = ${d1}, ${d2.replace(',', '\\,')}\ndelay-sync = 0\ndelay-collect = 0\n`);
  const run = startClsync(['-H', conf, '--only-initialsync']);
  assert.equal(await run.exited, 0, run.output());
  assert.ok(equal(src, d1) && equal(src, d2), run.output());

  const refused = async (args: string[], message: RegExp): Promise<void> => {
    const r = await runClsync(['-H', '/NULL/', `-W${src}`, ...args]);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, message);
  };
  await refused(['-Mrsyncdirect', `-D${d1}`, `-D${d1}`], /--destination-dir|-D.*is given twice/);
  await refused(['-Mrsyncdirect', `-D${d1}`, `-D${join(d1, 'inner')}`], /is inside the other destination/);
  await refused(['-Mshell', '-S/bin/true', `-D${d1}`, `-D${d2}`], /do not use %destination-dir%/);
  await refused(['-Mrsyncdirect', `-D${d1}`, `-D${d2}`, '--modification-signature=uid'], /--modification-signature: not possible with several destinations/);
  base.remove();
});

test('a destination whose disk fills is retried; the other goes on; once there is room it ends equal', { skip: process.getuid?.() !== 0 && 'needs root (mounts a small tmpfs)' }, async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'small'), 'small\n');
  const roomy = join(base.path, 'roomy');
  const disk = join(base.path, 'disk');
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'clsync-test-full', disk]);
  const full = join(disk, 'dst');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${roomy}`, `-D${full}`, '-w0', '-t0', '-T0', '--ignore-failures']);
  try {
    assert.ok(await waitFor(() => equal(src, roomy) && equal(src, full), 10_000), run.output());
    writeFileSync(join(src, 'big'), Buffer.alloc(3 << 20, 7)); // does not fit
    assert.ok(await waitFor(() => equal(src, roomy), 10_000), run.output());
    assert.ok(await waitFor(() => /\[2:[^\]]*disk\/dst"\] .*failed/.test(run.output()), 10_000), run.output());
    writeFileSync(join(src, 'after'), 'written while the other disk is full\n');
    assert.ok(await waitFor(() => existsSync(join(roomy, 'after')), 5000), run.output());
    execFileSync('mount', ['-o', 'remount,size=16m', disk]); // room again
    assert.ok(await waitFor(() => equal(src, full), 15_000), `${compareTrees(src, full).join('\n')}\n${run.output()}`);
  } finally {
    await stop(run);
    execFileSync('umount', ['-l', disk]);
    base.remove();
  }
});

test('the daemon restarted while a destination is down: the others get the initial sync, the down one catches up when it returns', async () => {
  const base = tempDir('clsync-dests-');
  const src = join(base.path, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a'), 'a\n');
  const up = join(base.path, 'up');
  const gone = join(base.path, 'gone');
  const down = join(gone, 'dst');
  mkdirSync(gone);
  const args = ['-Mrsyncdirect', `-W${src}`, `-D${up}`, `-D${down}`, '-w0', '-t0', '-T0', '--ignore-failures'];
  let run = startClsync(args);
  try {
    assert.ok(await waitFor(() => equal(src, up) && equal(src, down), 10_000), run.output());
    rmSync(gone, { recursive: true }); // down
    writeFileSync(join(src, 'b'), 'b\n');
    assert.ok(await waitFor(() => existsSync(join(up, 'b')), 5000), run.output());
    await stop(run);
    // changes while no daemon runs, then a new daemon with the destination still down
    writeFileSync(join(src, 'c'), 'c\n');
    rmSync(join(src, 'a'));
    run = startClsync(args);
    assert.ok(await waitFor(() => equal(src, up), 10_000), run.output());
    mkdirSync(gone);
    assert.ok(await waitFor(() => equal(src, down), 15_000), `${compareTrees(src, down).join('\n')}\n${run.output()}`);
  } finally {
    await stop(run);
    base.remove();
  }
});
