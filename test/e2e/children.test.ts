/**
 * Children die with the daemon (issue 8, item 1): every child runs under the
 * exec helper (native/exec_helper.c), which kills the child's whole process
 * group when the daemon dies, even by SIGKILL. Spawn failures still end as
 * 127 with a clear message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync, startClsync } from '../helpers/clsync.js';
import { handlerScript, killHard } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';
import { liveProcesses } from '../helpers/procs.js';

test('SIGKILL of the daemon kills its running handler and the handler\'s own children', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-children-');
  const pidFile = join(base.path, 'handler.pid');
  // A unique sleep length marks the processes of this test; one sleep runs in the background (a child of the handler).
  const marker = `86399.${process.pid % 1000}${Date.now() % 1000}`;
  const handler = handlerScript(join(base.path, 'slow'), `echo $$ > ${pidFile}\nsleep ${marker} &\nsleep ${marker}\nexec rsync "$@"`);
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-S${handler}`, '-w0', '-t0', '-T0']);
  try {
    assert.ok(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000), run.output());
    const handlerPid = Number(readFileSync(pidFile, 'utf8'));
    const ours = (): string[] =>
      liveProcesses()
        .filter((p) => p.cmdline.includes(marker) || p.pid === handlerPid)
        .map((p) => `${p.pid} (group ${p.pgid}): ${p.cmdline}`);
    assert.ok(await waitFor(() => ours().length >= 3, 5000), `handler and both sleeps should run: ${ours().join('; ')}`);
    run.child.kill('SIGKILL');
    await run.exited;
    const gone = await waitFor(() => ours().length === 0, 3000, 50);
    assert.ok(gone, `left running after the daemon was killed: ${ours().join('; ')}`);
  } finally {
    await killHard(run);
    for (const p of liveProcesses()) if (p.cmdline.includes(marker)) process.kill(p.pid, 'SIGKILL');
    base.remove();
  }
});

test('a handler that cannot be run: exit 127, logged as an error naming it, the daemon ends with exit 4', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-children-');
  try {
    const missing = join(base.path, 'no-such-handler');
    const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-S${missing}`, '--only-initialsync']);
    assert.equal(r.code, 4, r.output);
    assert.match(r.output, new RegExp(`Error: rsync: cannot run "${missing}"`));
    assert.match(r.output, /exit code 127/);
  } finally {
    base.remove();
  }
});

test('a handler killed by a signal is reported as killed by that signal', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-children-');
  try {
    const selfKill = handlerScript(join(base.path, 'self-kill'), 'kill -USR1 $$');
    const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-S${selfKill}`, '--only-initialsync']);
    assert.equal(r.code, 4, r.output);
    assert.match(r.output, /killed by SIGUSR1/);
  } finally {
    base.remove();
  }
});

test('SIGTERM of the daemon: a handler that cleans up on TERM gets the time to, then the daemon exits', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-children-');
  const started = join(base.path, 'started');
  const cleaned = join(base.path, 'cleaned');
  // as rsync does: on TERM, remove what it left half done (here: take 300 ms, then leave a mark)
  const handler = handlerScript(join(base.path, 'cleans-up'), `trap 'sleep 0.3; touch ${cleaned}; exit 1' TERM\ntouch ${started}\nsleep 60 &\nwait $!`);
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-S${handler}`, '-w0', '-t0', '-T0']);
  try {
    assert.ok(await waitFor(() => existsSync(started), 10_000), run.output());
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
    assert.ok(existsSync(cleaned), `the handler was killed before it cleaned up:\n${run.output()}`);
  } finally {
    await killHard(run);
    base.remove();
  }
});
