import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffTrees, tempDir, waitFor } from '../helpers/tree.js';
import { runClsync, startClsync } from '../helpers/clsync.js';
import { handlerScript } from '../helpers/faults.js';


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM kills a hanging handler and exits at once', async () => {
  const src = tempDir();
  const dst = tempDir();
  const conf = tempDir();
  const pidFile = join(conf.path, 'handler.pid');
  const handler = handlerScript(join(conf.path, 'slow'), `echo $$ > ${pidFile}\nsleep 60\nexec rsync "$@"`);
  const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, `-S${handler}`, '-w0', '-t0', '-T0']);
  try {
    assert.ok(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000), run.output());
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
    assert.ok(Date.now() - t0 < 3000, 'took too long to exit');
    assert.ok(await waitFor(() => !alive(pid), 2000), 'the handler survived SIGTERM');
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
    conf.remove();
  }
});

test('SIGQUIT lets the running handler finish, then exits with the copy complete', async () => {
  const src = tempDir();
  const dst = tempDir();
  const conf = tempDir();
  writeFileSync(join(src.path, 'f'), 'content');
  const started = join(conf.path, 'started');
  const handler = handlerScript(join(conf.path, 'slow'), `touch ${started}\nsleep 1\nexec rsync "$@"`);
  const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, `-S${handler}`, '-w0', '-t0', '-T0']);
  try {
    assert.ok(await waitFor(() => existsSync(started), 10_000), run.output());
    run.child.kill('SIGQUIT');
    assert.equal(await run.exited, 0, run.output());
    assert.deepEqual(diffTrees(src.path, dst.path), []);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
    conf.remove();
  }
});

test('status file, pid file, CLSYNC_STATUS/CLSYNC_ITERATION, label and hooks', async () => {
  const src = tempDir();
  const dst = tempDir();
  const conf = tempDir();
  writeFileSync(join(src.path, 'f'), 'x');
  const envLog = join(conf.path, 'env.log');
  const hookLog = join(conf.path, 'hook.log');
  const handler = handlerScript(join(conf.path, 'h'), `echo "$CLSYNC_STATUS $CLSYNC_ITERATION" >> ${envLog}\nexec rsync "$@"`);
  const hook = handlerScript(join(conf.path, 'hook'), `echo "$0 $*" >> ${hookLog}`);
  const preHook = handlerScript(join(conf.path, 'prehook'), `echo "pre $*" >> ${hookLog}\necho from-hook > ${src.path}/written-by-pre-exit-hook`);
  const statusFile = join(conf.path, 'status');
  const pidFile = join(conf.path, 'pid');
  const run = startClsync([
    '-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, `-S${handler}`, '-w0', '-t0', '-T0',
    '-l', 'web1', `--status-file=${statusFile}`, `-z${pidFile}`, '--max-iterations=3',
    `--exit-hook=${hook}`, `--pre-exit-hook=${preHook}`,
  ]);
  try {
    assert.ok(await waitFor(() => existsSync(statusFile) && readFileSync(statusFile, 'utf8') === 'running\n', 10_000), run.output());
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(run.child.pid));
    writeFileSync(join(src.path, 'g'), 'y');
    assert.ok(await waitFor(() => existsSync(join(dst.path, 'g')), 10_000), run.output());
    writeFileSync(join(src.path, 'h'), 'z');
    assert.equal(await run.exited, 0, run.output());
    // three iterations: the initial sync (0) and two more; then the pre-exit hook and one last sync of what it wrote.
    // One iteration may run rsync more than once (one run per kind of change): one line per iteration counts.
    const lines = readFileSync(envLog, 'utf8').trim().split('\n').filter((l, i, all) => l !== all[i - 1]);
    assert.deepEqual(lines.slice(0, 3), ['initsync 0', 'running 1', 'running 2']);
    assert.equal(lines.length, 4, lines.join('\n'));
    assert.match(lines[3], /^preexit 3$/);
    assert.deepEqual(readFileSync(hookLog, 'utf8').trim().split('\n'), ['pre web1', `${hook} web1`]);
    assert.deepEqual(diffTrees(src.path, dst.path), []);
    assert.equal(readFileSync(statusFile, 'utf8'), 'exiting\n');
    assert.equal(existsSync(pidFile), false, 'pid file left behind');
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    src.remove();
    dst.remove();
    conf.remove();
  }
});

test('a failing handler ends the daemon with a one-line reason; -x makes its code a success', async () => {
  const src = tempDir();
  const dst = tempDir();
  const conf = tempDir();
  const failing = handlerScript(join(conf.path, 'fail'), 'exit 3');
  try {
    const failed = await runClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, `-S${failing}`, '-w0', '-t0', '-T0', '-r2']);
    assert.notEqual(failed.code, 0);
    assert.match(failed.output, /failed after 2 tries: exit code 3/);
    assert.match(failed.output, /retrying/);
    const ignored = await runClsync([
      '-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, `-S${failing}`, '-x3', '--only-initialsync',
    ]);
    assert.equal(ignored.code, 0, ignored.output);
  } finally {
    src.remove();
    dst.remove();
    conf.remove();
  }
});

test('-k kills a handler past its timeout and reports it', async () => {
  const src = tempDir();
  const dst = tempDir();
  const conf = tempDir();
  const hanging = handlerScript(join(conf.path, 'hang'), 'exec sleep 60');
  try {
    const t0 = Date.now();
    const r = await runClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, `-S${hanging}`, '-k1', '--only-initialsync']);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /timeout-sync/);
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    src.remove();
    dst.remove();
    conf.remove();
  }
});

test('-Y stdout logs to stdout; -q keeps only errors', async () => {
  const src = tempDir();
  const dst = tempDir();
  try {
    const run = startClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '--only-initialsync', '-Ystdout']);
    let stdout = '';
    run.child.stdout!.on('data', (d: Buffer) => (stdout += d));
    assert.equal(await run.exited, 0);
    assert.match(stdout, /initial sync done/);
    const quiet = await runClsync(['-Mrsyncdirect', `-W${src.path}`, `-D${dst.path}`, '--only-initialsync', '-q']);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.output, '');
  } finally {
    src.remove();
    dst.remove();
  }
});

test('the watch dir removed while the daemon runs ends it with the reason (the handler holds no fd of it between syncs)', async () => {
  const base = tempDir();
  const src = join(base.path, 'src');
  const dst = join(base.path, 'dst');
  mkdirSync(src);
  mkdirSync(dst);
  writeFileSync(join(src, 'f'), 'x');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0']);
  try {
    assert.ok(await waitFor(() => /initial sync done/.test(run.output()), 10_000), run.output());
    rmSync(join(src, 'f')); // one more sync through the handler's reads of the tree, leaving the watch dir empty
    assert.ok(await waitFor(() => !existsSync(join(dst, 'f')), 10_000), run.output());
    await new Promise((r) => setTimeout(r, 200));
    rmSync(src, { recursive: true }); // no event below it: only the monitor can notice
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
    const code = await run.exited;
    clearTimeout(timer);
    assert.notEqual(code, 'SIGKILL', `the daemon did not notice:\n${run.output()}`);
    assert.match(run.output(), /watch dir ".*src" was deleted/);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    base.remove();
  }
});
