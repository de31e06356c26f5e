/**
 * Own files safely (issue 8, item 4): the daemon runs as root in places
 * other users can write to. A symlink planted at the status or pid file's
 * path must not redirect the write; `-L` must be the daemon's own and closed
 * to others; list files stay inside it whatever the label says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runClsync, startClsync } from '../helpers/clsync.js';
import { killHard, stopClean, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';

const STATUSES = /^(starting|initsync|running|synchandler error|rehashing|preexit|terminating|exiting)\n$/;

test('a symlink planted at the status file and pid file paths: the target is untouched, our files are written', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-own-');
  const victim = join(base.path, 'victim');
  writeFileSync(victim, 'precious\n');
  const statusFile = join(base.path, 'status');
  const pidFile = join(base.path, 'pid');
  symlinkSync(victim, statusFile);
  symlinkSync(victim, pidFile);
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--status-file=${statusFile}`, `--pid-file=${pidFile}`]);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    assert.ok(await waitFor(() => readFileSync(statusFile, 'utf8') === 'running\n', 5000), 'status file never said running');
    assert.ok(lstatSync(statusFile).isFile() && lstatSync(pidFile).isFile(), 'status and pid files should be regular files now');
    assert.equal(readFileSync(pidFile, 'utf8'), `${run.child.pid}\n`);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    await stopClean(run);
    assert.match(readFileSync(statusFile, 'utf8'), STATUSES);
    assert.ok(!existsSync(pidFile), 'our pid file should be removed at exit');
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.deepEqual(readdirSync(base.path).filter((n) => n.endsWith('.tmp')), [], 'temporary files left behind');
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('a pid file that another process took over is left alone at exit', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-own-');
  const pidFile = join(base.path, 'pid');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--pid-file=${pidFile}`]);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    writeFileSync(pidFile, '1\n');
    await stopClean(run);
    assert.equal(readFileSync(pidFile, 'utf8'), '1\n');
  } finally {
    await killHard(run);
    base.remove();
  }
});

test('-L owned by another user: exit 2 naming --lists-dir and the owner', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-own-');
  try {
    const lists = join(base.path, 'lists');
    mkdirSync(lists, { mode: 0o700 });
    chownSync(lists, 65534, 65534);
    const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-L${lists}`, '--only-initialsync']);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /^clsync: --lists-dir .*: is owned by uid 65534, not by the daemon's user/m);
  } finally {
    base.remove();
  }
});

test('-L accessible to others (mode 0777): exit 2 naming --lists-dir and the fix', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-own-');
  try {
    const lists = join(base.path, 'lists');
    mkdirSync(lists);
    chmodSync(lists, 0o777);
    const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-L${lists}`, '--only-initialsync']);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /^clsync: --lists-dir .*: is accessible to others \(mode 777\); chmod 700 it/m);
  } finally {
    base.remove();
  }
});

test('-L under a directory others can write to (not sticky): exit 2, it could be replaced', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-own-');
  try {
    const open = join(base.path, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const lists = join(open, 'lists');
    mkdirSync(lists, { mode: 0o700 });
    const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-L${lists}`, '--only-initialsync']);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /^clsync: --lists-dir .*: its parent .*open .* lets another user replace it/m);
  } finally {
    base.remove();
  }
});

test('-l ../../x: list files stay inside the lists dir, mode 0600', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-own-');
  try {
    const lists = join(base.path, 'a', 'b', 'lists');
    mkdirSync(lists, { recursive: true, mode: 0o700 });
    writeFileSync(join(src, 'f'), 'x');
    const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-L${lists}`, '-U', '-l', '../../x', '--only-initialsync']);
    assert.equal(r.code, 0, r.output);
    const kept = readdirSync(lists);
    assert.ok(kept.length > 0, `no list file kept in ${lists}:\n${r.output}`);
    for (const name of kept) {
      assert.doesNotMatch(name, /\//);
      assert.equal(lstatSync(join(lists, name)).mode & 0o777, 0o600, name);
    }
    const outside: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (p === src || p === dst || p === lists) continue;
        if (e.isDirectory()) walk(p);
        else outside.push(relative(base.path, p));
      }
    };
    walk(base.path);
    assert.deepEqual(outside, [], 'files written outside the lists dir');
  } finally {
    base.remove();
  }
});

test('the private lists directory goes however the daemon ends: TERM, or an error at start', { timeout: 60_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-own-');
  const tmp = join(base.path, 'tmp');
  mkdirSync(tmp, { mode: 0o700 });
  const env = { TMPDIR: tmp };
  const left = (): string[] => readdirSync(tmp).filter((n) => n.startsWith('clsync-lists-'));
  try {
    writeFileSync(join(src, 'f'), 'x');
    const args = ['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0'];
    const clean = startClsync(args, env);
    try {
      await waitForLog(clean, /initial sync done/, 'initial sync', 15_000);
      assert.equal(left().length, 1, 'the daemon keeps its lists in a private directory under TMPDIR');
      await stopClean(clean);
    } finally {
      await killHard(clean);
    }
    assert.deepEqual(left(), [], 'after SIGTERM');

    // the control socket cannot be made: the handlers exist already, the daemon ends by process.exit()
    const failed = await runClsync([...args, `--socket=${join(base.path, 'missing', 'sock')}`], 15_000, env);
    assert.notEqual(failed.code, 0, failed.output);
    assert.match(failed.output, /socket/);
    assert.deepEqual(left(), [], `after an error at start:\n${failed.output}`);
  } finally {
    base.remove();
  }
});
