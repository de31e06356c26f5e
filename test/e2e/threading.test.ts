import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffTrees, tempSrcDst, waitFor } from '../helpers/tree.js';
import { runClsync, startClsync } from '../helpers/clsync.js';
import { handlerScript } from '../helpers/faults.js';
import { pathsOverlap } from '../../src/exec/threading.js';

/** One handler run as the wrapper logged it: its time span and the changed paths of its include list. */
interface Run {
  pid: string;
  start: number;
  end: number;
  paths: string[];
}

/**
 * A handler that logs, under flock, when it starts (with the include list's
 * changed paths) and when rsync ended, and holds each run 1.5 s so that
 * runs meet.
 */
function loggingRsync(dir: string): { script: string; log: string } {
  const log = join(dir, 'runs.log');
  const script = handlerScript(
    join(dir, 'rsync-logged'),
    `inc=; prev=
for a in "$@"; do [ "$prev" = --include-from ] && inc=$a; prev=$a; done
paths=$(tr '\\n' ' ' < "$inc")
( flock 9; echo "S $(date +%s.%N) $$ $paths" >> ${log} ) 9>${log}.lock
sleep 1.5
rsync "$@"; rc=$?
( flock 9; echo "E $(date +%s.%N) $$" >> ${log} ) 9>${log}.lock
exit $rc`,
  );
  return { script, log };
}

/** The runs of the log; an include list's changed paths are its lines that are no other line's parent. */
function readRuns(log: string): Run[] {
  const runs = new Map<string, Run>();
  for (const line of existsSync(log) ? readFileSync(log, 'utf8').split('\n') : []) {
    const [kind, time, pid, ...rest] = line.trim().split(/\s+/);
    if (kind === 'S') {
      const entries = [...new Set(rest.map((e) => e.replace(/\/\*\*\*$/, '').replace(/^\//, '')))];
      const leaves = entries.filter((e) => !entries.some((o) => o !== e && pathsOverlap(e, o) && o.length > e.length));
      runs.set(pid, { pid, start: Number(time), end: Infinity, paths: leaves });
    } else if (kind === 'E') {
      runs.get(pid)!.end = Number(time);
    }
  }
  return [...runs.values()];
}

/** Pairs of runs that ran at the same time, and among them those about overlapping paths. */
function meetings(runs: readonly Run[]): { parallel: number; clashes: string[] } {
  let parallel = 0;
  const clashes: string[] = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const [a, b] = [runs[i], runs[j]];
      if (a.start >= b.end || b.start >= a.end) continue;
      parallel++;
      for (const p of a.paths) for (const q of b.paths) if (pathsOverlap(p, q)) clashes.push(`${p} (run ${a.pid}) and ${q} (run ${b.pid})`);
    }
  }
  return { parallel, clashes };
}

/** Start clsync with -p MODE and the user's own rsync arguments, make changes that meet, return the runs. */
async function scenario(mode: 'safe' | 'full'): Promise<{ runs: Run[]; output: string; diffs: string[] }> {
  const { base, src, dst } = tempSrcDst();
  const { script, log } = loggingRsync(base.path);
  for (const d of ['a', 'b', 'c']) mkdirSync(join(src, d));
  const run = startClsync([
    '-Mrsyncdirect', `-W${src}`, `-D${dst}`, `-S${script}`, '-t0', '-T0', '-w0', '-p', mode, '--',
    '-a', '--exclude-from', '%EXCLUDE-LIST-PATH%', '--include-from', '%INCLUDE-LIST-PATH%', '--exclude=*',
    '%watch-dir%/', '%destination-dir%/',
  ]);
  try {
    // the initial sync, not threaded
    assert.ok(await waitFor(() => readRuns(log).some((r) => r.end !== Infinity), 15_000), run.output());
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // each file arrives whole by a rename (one event), so each write is one batch
    const put = (rel: string, content: string) => {
      writeFileSync(join(base.path, 'next'), content);
      renameSync(join(base.path, 'next'), join(src, rel));
    };
    put('a/x1', 'one');
    await pause(400);
    put('b/y1', 'two'); // disjoint: runs beside a/x1
    await pause(400);
    put('a/x1', 'one, again'); // the same path: waits in safe
    chmodSync(join(src, 'a'), 0o750); // an ancestor
    await pause(300);
    put('c/z1', 'three');
    put('b/y2', 'four');
    const settled = await waitFor(() => {
      const runs = readRuns(log);
      return diffTrees(src, dst).length === 0 && runs.every((r) => r.end !== Infinity);
    }, 30_000, 200);
    assert.ok(settled, `did not converge:\n${diffTrees(src, dst).join('\n')}\n${run.output()}`);
    await pause(500);
    return { runs: readRuns(log), output: run.output(), diffs: diffTrees(src, dst) };
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
    base.remove();
  }
}

test('-p safe: never two runs about one path, or a path and its ancestor, at once; disjoint runs do meet', async () => {
  const { runs, output, diffs } = await scenario('safe');
  assert.deepEqual(diffs, []);
  const { parallel, clashes } = meetings(runs);
  assert.deepEqual(clashes, [], `overlapping syncs ran at once:\n${JSON.stringify(runs, null, 1)}\n${output}`);
  assert.ok(parallel >= 1, `no two runs ever ran in parallel:\n${JSON.stringify(runs, null, 1)}`);
});

test('-p full: the same scenario does run overlapping syncs at once (the check above can fail)', async () => {
  const { runs, diffs } = await scenario('full');
  assert.deepEqual(diffs, []);
  assert.ok(meetings(runs).clashes.length >= 1, `no clash seen under -p full:\n${JSON.stringify(runs, null, 1)}`);
});

test('-p is refused with the options that need one sync at a time, naming both', async () => {
  const { base, src, dst } = tempSrcDst();
  try {
    for (const extra of [['--only-initialsync'], ['--exit-on-no-events'], ['--max-iterations=3'], ['--pre-exit-hook=/bin/true']]) {
      const { code, output } = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-psafe', ...extra]);
      assert.notEqual(code, 0, output);
      const name = extra[0].replace(/=.*/, '');
      assert.match(output, new RegExp(`-p/--threading safe and ${name}[^\\n]*cannot be used together`), output);
    }
  } finally {
    base.remove();
  }
});

test('-p with the default rsyncdirect arguments: one sync at a time, said once', async () => {
  const { base, src, dst } = tempSrcDst();
  writeFileSync(join(src, 'f'), 'x');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-pfull', '-w0', '-t0']);
  try {
    const said = /-p full is ignored: --mode=rsyncdirect with these arguments runs one sync at a time/;
    assert.ok(await waitFor(() => said.test(run.output()), 10_000), run.output());
    assert.ok(await waitFor(() => diffTrees(src, dst).length === 0, 10_000), run.output());
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
    base.remove();
  }
});
