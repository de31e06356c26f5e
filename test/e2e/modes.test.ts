/**
 * The program modes (simple, direct, shell, rsyncshell) with the real daemon
 * and real handler processes: the exact argv, environment, working
 * directory and list contents each handler got, and the failure paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { tempDir, waitFor } from '../helpers/tree.js';

/**
 * A handler that records each run: a record per run, one line per fact,
 * arguments NUL-free; list files (arguments ending in .include/.exclude) are
 * copied into the record.
 */
function recorder(dir: string, extra = ''): { path: string; log: string } {
  const log = join(dir, 'runs.log');
  const path = join(dir, 'handler.sh');
  writeFileSync(
    path,
    `#!/bin/sh
{
  echo "run"
  echo "cwd=$PWD"
  echo "env=$CLSYNC_STATUS $CLSYNC_ITERATION"
  for a in "$@"; do echo "arg=$a"; done
  for a in "$@"; do case "$a" in *.include|*.exclude) echo "list $(basename "$a" | sed 's/.*\\.//'):"; cat "$a";; esac; done
  echo "end"
} >> ${log}
${extra}
`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}

interface Run {
  cwd: string;
  env: string;
  args: string[];
  lists: Record<string, string[]>;
}

function runs(log: string): Run[] {
  if (!existsSync(log)) return [];
  const out: Run[] = [];
  let cur: Run | null = null;
  let list: string | null = null;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line === 'run') cur = { cwd: '', env: '', args: [], lists: {} };
    else if (!cur) continue;
    else if (line === 'end') {
      out.push(cur);
      cur = null;
      list = null;
    } else if (list === null && line.startsWith('cwd=')) cur.cwd = line.slice(4);
    else if (list === null && line.startsWith('env=')) cur.env = line.slice(4);
    else if (list === null && line.startsWith('arg=')) cur.args.push(line.slice(4));
    else if (/^list (include|exclude):$/.test(line)) cur.lists[(list = line.slice(5, -1))] = [];
    else if (list !== null) cur.lists[list].push(line);
  }
  return out;
}

async function withDaemon(args: (dirs: { src: string; dst: string; conf: string }) => string[], body: (d: { src: string; dst: string; conf: string; run: ClsyncRun }) => Promise<void>): Promise<void> {
  const base = tempDir('clsync-modes-');
  const src = join(base.path, 'src');
  const dst = join(base.path, 'dst');
  const conf = join(base.path, 'conf');
  for (const d of [src, dst, conf]) mkdirSync(d);
  const run = startClsync(args({ src, dst, conf }));
  try {
    await body({ src: realpathSync(src), dst, conf, run });
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    base.remove();
  }
}

const IN_CREATE = 0x100;
const IN_ISDIR = 0x40000000;
const IN_CLOSE_WRITE = 0x8;

test('simple: one run per object, `sync %label% %EVENT-MASK% <absolute path>`, in the watch dir, at once', async () => {
  let rec!: { path: string; log: string };
  await withDaemon(
    ({ src, conf }) => {
      rec = recorder(conf);
      writeFileSync(join(src, 'old'), 'x');
      return ['-Msimple', `-W${src}`, `-S${rec.path}`, '-l', 'web', '-t30', '-w30'];
    },
    async ({ src, run }) => {
      // the initial sync: the root, then every object, each with IN_CREATE (and IN_ISDIR)
      assert.ok(await waitFor(() => runs(rec.log).length >= 2, 10_000), run.output());
      const initial = runs(rec.log);
      assert.deepEqual(initial.map((r) => r.args), [
        ['sync', 'web', String(IN_CREATE | IN_ISDIR), src],
        ['sync', 'web', String(IN_CREATE), `${src}/old`],
      ]);
      assert.ok(initial.every((r) => r.cwd === src && r.env === 'initsync 0'), JSON.stringify(initial));
      // -t30 -w30 do not hold simple mode back
      writeFileSync(join(src, 'new file'), 'y');
      assert.ok(await waitFor(() => runs(rec.log).length >= 3, 5_000), run.output());
      const live = runs(rec.log).slice(2);
      assert.equal(live[0].args[3], `${src}/new file`);
      assert.equal(live[0].args.length, 4);
      assert.ok((Number(live[0].args[2]) & (IN_CREATE | IN_CLOSE_WRITE)) !== 0, live[0].args[2]);
      assert.match(live[0].env, /^running [1-9]/);
    },
  );
});

test('direct: one run per sync, relative paths as arguments, `.` for the root; cp by default copies them', async () => {
  let rec!: { path: string; log: string };
  await withDaemon(
    ({ src, dst, conf }) => {
      rec = recorder(conf);
      mkdirSync(join(src, 'd'));
      writeFileSync(join(src, 'd', 'a'), 'x');
      return ['-Mdirect', `-W${src}`, `-D${dst}`, `-S${rec.path}`, '-w0', '-t0', '-T0'];
    },
    async ({ src, dst, run }) => {
      assert.ok(await waitFor(() => runs(rec.log).length >= 1, 10_000), run.output());
      const [initial] = runs(rec.log);
      assert.deepEqual(initial.args, ['.', 'd', 'd/a', `${dst}/`]);
      assert.equal(initial.cwd, src);
      writeFileSync(join(src, 'b'), 'y');
      assert.ok(await waitFor(() => runs(rec.log).length >= 2, 5_000), run.output());
      assert.deepEqual(runs(rec.log)[1].args, ['b', `${dst}/`]);
    },
  );
  // the default handler, cp, really copies what the default arguments name
  await withDaemon(
    ({ src, dst }) => ['-Mdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', '--skip-initialsync'],
    async ({ src, dst, run }) => {
      await waitFor(() => /status: running|running/.test(run.output()), 5_000);
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(join(src, 'c'), 'copied by cp');
      assert.ok(await waitFor(() => existsSync(join(dst, 'c')), 5_000), run.output());
      assert.equal(readFileSync(join(dst, 'c'), 'utf8'), 'copied by cp');
    },
  );
});

test('direct: %INCLUDE-LIST% is split into runs of at most 256 arguments', async () => {
  let rec!: { path: string; log: string };
  await withDaemon(
    ({ src, conf }) => {
      rec = recorder(conf);
      for (let i = 0; i < 600; i++) writeFileSync(join(src, `f${String(i).padStart(3, '0')}`), '');
      return ['-Mdirect', `-W${src}`, `-S${rec.path}`, '--only-initialsync', '--', '-v', '%INCLUDE-LIST%'];
    },
    async ({ run }) => {
      assert.equal(await run.exited, 0, run.output());
      const all = runs(rec.log);
      assert.ok(all.every((r) => r.args.length + 1 <= 256 && r.args[0] === '-v'), all.map((r) => r.args.length).join(','));
      const paths = all.flatMap((r) => r.args.slice(1));
      assert.equal(paths.length, 601); // the root and 600 files
      assert.equal(new Set(paths).size, 601);
    },
  );
});

test('shell: `synclist %label% <list>`, one line per object (`sync label mask path`, or the path alone with --synclist-simplify)', async () => {
  for (const simplify of [false, true]) {
    let rec!: { path: string; log: string };
    await withDaemon(
      ({ src, conf }) => {
        rec = recorder(conf);
        mkdirSync(join(src, 'd'));
        return ['-Mshell', `-W${src}`, `-S${rec.path}`, '-l', 'lbl', '-w0', '-t0', '-T0', ...(simplify ? ['--synclist-simplify'] : [])];
      },
      async ({ src, run }) => {
        assert.ok(await waitFor(() => runs(rec.log).length >= 1, 10_000), run.output());
        const [initial] = runs(rec.log);
        assert.equal(initial.args.length, 3);
        assert.deepEqual(initial.args.slice(0, 2), ['synclist', 'lbl']);
        assert.match(initial.args[2], /\.include$/);
        assert.deepEqual(initial.lists['include'], simplify ? ['.', 'd'] : [`sync lbl ${IN_CREATE | IN_ISDIR} .`, `sync lbl ${IN_CREATE | IN_ISDIR} d`]);
        writeFileSync(join(src, 'd', 'line\nbreak'), 'z');
        assert.ok(await waitFor(() => runs(rec.log).length >= 2, 5_000), run.output());
        const [line] = runs(rec.log)[1].lists['include'];
        // a name with a line break is named by its first ancestor without one
        assert.equal(simplify ? line : line.replace(/ \d+ /, ' M '), simplify ? 'd' : 'sync lbl M d');
      },
    );
  }
});

test('shell with --have-recursive-sync: the initial sync is one `initialsync %label% <watch dir>` run', async () => {
  let rec!: { path: string; log: string };
  await withDaemon(
    ({ src, conf }) => {
      rec = recorder(conf);
      writeFileSync(join(src, 'x'), '');
      return ['-Mshell', `-W${src}`, `-S${rec.path}`, '-l', 'lbl', '--have-recursive-sync', '--only-initialsync'];
    },
    async ({ src, run }) => {
      assert.equal(await run.exited, 0, run.output());
      assert.deepEqual(runs(rec.log).map((r) => r.args), [['initialsync', 'lbl', src]]);
    },
  );
});

test('rsyncshell: `rsynclist %label% <include list> <exclude list>`, the lists as the C tool writes them; a real script mirrors the tree', async () => {
  let rec!: { path: string; log: string };
  await withDaemon(
    ({ src, dst, conf }) => {
      // the clsync repository's example handler: rsync from $PWD (the watch dir) with the two lists
      rec = recorder(conf, `[ "$1" = rsynclist ] && exec rsync -aH --delete-before --exclude-from="$4" --include-from="$3" --exclude='*' "$PWD"/ ${dst}/`);
      writeFileSync(join(conf, 'rules'), '-d^skip$\n');
      mkdirSync(join(src, 'skip'));
      mkdirSync(join(src, 'a', 'b'), { recursive: true });
      writeFileSync(join(src, 'a', 'b', 'f[1]'), 'x');
      return ['-Mrsyncshell', `-W${src}`, `-S${rec.path}`, '-l', 'test', `-R${join(conf, 'rules')}`, '-w0', '-t0', '-T0'];
    },
    async ({ src, dst, run }) => {
      assert.ok(await waitFor(() => existsSync(join(dst, 'a', 'b', 'f[1]')), 10_000), run.output());
      const [initial] = runs(rec.log);
      assert.equal(initial.args[0], 'rsynclist');
      assert.equal(initial.args[1], 'test');
      assert.deepEqual(initial.lists['include'], ['/***']);
      assert.deepEqual(initial.lists['exclude'], ['/skip/***']);
      assert.equal(existsSync(join(dst, 'skip')), false);
      writeFileSync(join(src, 'a', 'b', 'g*'), 'y');
      assert.ok(await waitFor(() => existsSync(join(dst, 'a', 'b', 'g*')), 5_000), run.output());
      assert.deepEqual(runs(rec.log)[1].lists['include'], ['/a', '/a/b', '/a/b/g\\*']);
    },
  );
});

test('a failing program handler: retried -r times, then the daemon ends naming it; -x makes the code a success; --ignore-failures goes on', async () => {
  await withDaemon(
    ({ src, conf }) => {
      const h = recorder(conf, 'exit 3');
      return ['-Mshell', `-W${src}`, `-S${h.path}`, '-r2', '-w0', '-t0'];
    },
    async ({ conf, run }) => {
      assert.equal(await run.exited, 4, run.output());
      assert.match(run.output(), /sync handler ".*handler\.sh" failed after 2 tries: exit code 3/);
      assert.equal(runs(join(conf, 'runs.log')).length, 2);
    },
  );
  await withDaemon(
    ({ src, conf }) => ['-Mshell', `-W${src}`, `-S${recorder(conf, 'exit 3').path}`, '-x3', '--only-initialsync'],
    async ({ run }) => assert.equal(await run.exited, 0, run.output()),
  );
  await withDaemon(
    ({ src, conf }) => ['-Msimple', `-W${src}`, `-S${recorder(conf, 'exit 3').path}`, '--ignore-failures', '-r1'],
    async ({ src, conf, run }) => {
      assert.ok(await waitFor(() => runs(join(conf, 'runs.log')).length >= 1, 10_000), run.output());
      writeFileSync(join(src, 'later'), '');
      assert.ok(await waitFor(() => runs(join(conf, 'runs.log')).some((r) => r.args.at(-1)?.endsWith('/later')), 5_000), run.output());
      assert.equal(run.child.exitCode, null, 'still running');
    },
  );
});

test('a hanging program handler is killed past -k and reported', async () => {
  await withDaemon(
    ({ src, conf }) => ['-Mdirect', `-W${src}`, `-S${recorder(conf, 'sleep 60').path}`, '-k1', '-r1', '--only-initialsync', '--', '%INCLUDE-LIST%'],
    async ({ run }) => {
      const started = Date.now();
      assert.equal(await run.exited, 4, run.output());
      assert.ok(Date.now() - started < 15_000);
      assert.match(run.output(), /still running after 1 s \(--timeout-sync\): killing it/);
      assert.match(run.output(), /sync handler ".*handler\.sh" failed after 1 try: timed out/);
    },
  );
});

test('%INCLUDE-LIST% passes names that are not UTF-8 as their exact bytes', async () => {
  let rec!: { path: string; log: string };
  const odd = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe]); // "bad" and two bytes no UTF-8 text has
  await withDaemon(
    ({ src, conf }) => {
      rec = recorder(conf);
      return ['-Mdirect', `-W${src}`, `-S${rec.path}`, '-w0', '-t0', '-T0', '--skip-initialsync', '--', '%INCLUDE-LIST%'];
    },
    async ({ src, run }) => {
      assert.ok(await waitFor(() => /running|marked/.test(run.output()), 10_000), run.output());
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(Buffer.concat([Buffer.from(`${src}/`), odd]), 'x');
      const want = Buffer.concat([Buffer.from('arg='), odd, Buffer.from('\n')]);
      assert.ok(await waitFor(() => existsSync(rec.log) && readFileSync(rec.log).includes(want), 10_000), run.output());
    },
  );
});
