/**
 * `-M so|rsyncso` failure paths (issue 9): a module that throws is retried
 * (-r, -w) and then ends the daemon naming the module; --ignore-failures
 * keeps it running; a call hanging past -k is abandoned (a shared object's
 * too, without holding up the exit); a module file someone else could
 * have written is refused before anything starts, as the C tool does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync } from '../helpers/clsync.js';
import { exitedWithin, stopClean, waitForLog } from '../helpers/faults.js';
import { buildSoRecorder, copyWithMode, JS_RECORDER, records, withSoDaemon } from '../helpers/so.js';
import { tempDir, waitFor } from '../helpers/tree.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('so: a sync that throws, -r3 -w0: tried three times, then exit 4 naming the module', { timeout: 30_000 }, async () => {
  await withSoDaemon('so', JS_RECORDER, ['-r3'], async ({ src, fault, run }) => {
    writeFileSync(fault, 'throw');
    writeFileSync(join(src, 'a'), 'a');
    assert.equal(await exitedWithin(run, 10_000), 4, run.output());
    assert.match(run.output(), /threw injected failure \(try 1 of 3\); retrying/);
    assert.match(run.output(), /threw injected failure \(try 2 of 3\); retrying/);
    assert.match(run.output(), new RegExp(`sync module "${escape(JS_RECORDER)}" failed after 3 tries: threw injected failure`));
  });
});

test('so: a rejecting sync with --ignore-failures: the daemon goes on, and the change comes again once it succeeds', { timeout: 30_000 }, async () => {
  await withSoDaemon('so', JS_RECORDER, ['--ignore-failures'], async ({ src, out, fault, run }) => {
    writeFileSync(fault, 'reject');
    writeFileSync(join(src, 'a'), 'a');
    await waitForLog(run, /threw injected rejection \(--ignore-failures: going on\)/, 'the failure');
    rmSync(fault);
    const synced = (): boolean => records(out).some((r) => 'sync' in r && JSON.stringify(r['sync']).includes('"path":"a"'));
    assert.ok(await waitFor(synced, 10_000), `${JSON.stringify(records(out))}\n${run.output()}`);
    await stopClean(run);
  });
});

test('so: an async sync that never settles, -k1: abandoned after 1 s, exit 4', { timeout: 30_000 }, async () => {
  await withSoDaemon('so', JS_RECORDER, ['-k1'], async ({ src, fault, run }) => {
    writeFileSync(fault, 'hang');
    writeFileSync(join(src, 'a'), 'a');
    const started = Date.now();
    assert.equal(await exitedWithin(run, 10_000), 4, run.output());
    assert.ok(Date.now() - started < 6000, 'abandoned about 1 s after it started');
    assert.match(run.output(), /still running after 1 s \(--timeout-sync\): abandoning the call/);
    assert.match(run.output(), /failed after 1 try: timed out after \d+ ms/);
  });
});

test('rsyncso, shared object returning 7: -x7 counts it as success; without it, exit 4 naming the result', { timeout: 60_000 }, async () => {
  const base = tempDir('clsync-so-build-');
  try {
    const so = buildSoRecorder(base.path);
    await withSoDaemon('rsyncso', so, ['-x7', '-v'], async ({ src, fault, run }) => {
      writeFileSync(fault, 'fail');
      writeFileSync(join(src, 'a'), 'a');
      await waitForLog(run, /sync #1: 1 changed paths/, 'the sync');
      await new Promise((r) => setTimeout(r, 1500));
      assert.doesNotMatch(run.output(), /returned 7/);
      rmSync(fault);
      await stopClean(run);
    });
    await withSoDaemon('rsyncso', so, [], async ({ src, fault, run }) => {
      writeFileSync(fault, 'fail');
      writeFileSync(join(src, 'a'), 'a');
      assert.equal(await exitedWithin(run, 10_000), 4, run.output());
      assert.match(run.output(), new RegExp(`sync module "${escape(so)}" failed after 1 try: returned 7`));
    });
  } finally {
    base.remove();
  }
});

test('so, shared object hanging in clsyncapi_sync, -k1: abandoned, and the daemon still exits at once (exit 4)', { timeout: 60_000 }, async () => {
  await withSoDaemon('so', buildSoRecorder, ['-k1'], async ({ src, fault, run }) => {
    writeFileSync(fault, 'hang');
    writeFileSync(join(src, 'a'), 'a');
    const started = Date.now();
    assert.equal(await exitedWithin(run, 10_000), 4, run.output());
    assert.ok(Date.now() - started < 6000, 'the thread stuck in the module did not hold up the exit');
    assert.match(run.output(), /abandoning the call/);
  });
});

test('a module file others could have written, or owned by another user, is refused before anything starts (exit 2)', { timeout: 30_000 }, async () => {
  const base = tempDir('clsync-so-perm-');
  try {
    const src = join(base.path, 'src');
    mkdirSync(src);
    const cases: Array<[string, RegExp]> = [];
    const groupWritable = copyWithMode(JS_RECORDER, base.path, 'group-writable.mjs', 0o664);
    cases.push([groupWritable, /mode 0664 has setuid\/setgid\/sticky or group\/world-write bits \(fix: chmod u-s,g-ws,o-wt/]);
    cases.push([copyWithMode(JS_RECORDER, base.path, 'setuid.mjs', 0o4755), /mode 4755 has setuid/]);
    const foreign = copyWithMode(JS_RECORDER, base.path, 'foreign.mjs', 0o644);
    chownSync(foreign, 12345, 12345);
    cases.push([foreign, /owned by uid 12345; only root or the daemon's user \(uid 0\) may own it \(fix: chown root/]);
    cases.push([base.path, /must be a regular file/]);
    const noSync = join(base.path, 'no-sync.mjs');
    writeFileSync(noSync, 'export const x = 1;\n', { mode: 0o644 });
    cases.push([noSync, /exports no sync function, which --mode=so calls/]);
    for (const [file, why] of cases) {
      const { code, output } = await runClsync(['-Mso', `-S${file}`, `-W${src}`], 15_000, { SO_OUT: join(base.path, 'out') });
      assert.equal(code, 2, output);
      assert.match(output, new RegExp(`--sync-handler \\(-S\\) "${escape(file)}": .*${why.source}`));
      assert.doesNotMatch(output, /initial sync done/);
    }
    assert.deepEqual(records(join(base.path, 'out')), [], 'no module was loaded');
  } finally {
    base.remove();
  }
});
