/**
 * The clsync repository's own example start scripts (examples/, vendored in
 * test/fixtures/clsync-examples/ as they are), run as written: only `sudo`
 * is dropped (the tests run as root) and `clsync` on PATH is this checkout's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLSYNC_BIN } from '../helpers/clsync.js';
import { diffTrees, tempDir, waitFor } from '../helpers/tree.js';

const EXAMPLES = fileURLToPath(new URL('../../../test/fixtures/clsync-examples/', import.meta.url));

/** Run an example start script in `dir`; resolves its output so far and a stop function. */
function startExample(dir: string, script: string): { output: () => string; stop: () => Promise<void> } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'clsync'), `#!/bin/sh\nexec "${process.execPath}" "${CLSYNC_BIN}" "$@"\n`, { mode: 0o755 });
  const text = readFileSync(join(EXAMPLES, script), 'utf8').replace(/\bsudo /g, '');
  writeFileSync(join(dir, script), text, { mode: 0o755 });
  const child = spawn('sh', [script], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: dir } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('close', r));
  return {
    output: () => out,
    stop: async () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

test('examples/clsync-start-simple.sh: echo prints `sync <label> <mask> <path>` for each object, DontSync left out', async () => {
  const base = tempDir('clsync-example-');
  const run = startExample(base.path, 'clsync-start-simple.sh');
  const from = join(base.path, 'testdir', 'from');
  try {
    assert.ok(await waitFor(() => /marked/.test(run.output()), 10_000), run.output());
    assert.match(run.output(), /no config file was found/); // -K example-simple without a config file: a warning, as the C tool runs on
    mkdirSync(join(from, 'DontSync'));
    writeFileSync(join(from, 'DontSync', 'secret'), 'x');
    writeFileSync(join(from, 'hello.txt'), 'x');
    const line = new RegExp(`^sync nolabel \\d+ ${from}/hello\\.txt$`, 'm');
    assert.ok(await waitFor(() => line.test(run.output()), 10_000), run.output());
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(run.output(), /DontSync/);
  } finally {
    await run.stop();
    base.remove();
  }
});

test('examples/clsync-start-rsyncshell.sh with its handler script: the tree is mirrored to testdir/to', async () => {
  const base = tempDir('clsync-example-');
  copyFileSync(join(EXAMPLES, 'clsync-synchandler-rsyncshell.sh'), join(base.path, 'clsync-synchandler-rsyncshell.sh'));
  chmodSync(join(base.path, 'clsync-synchandler-rsyncshell.sh'), 0o755);
  const from = join(base.path, 'testdir', 'from');
  const to = join(base.path, 'testdir', 'to');
  mkdirSync(join(from, 'a', 'b'), { recursive: true });
  writeFileSync(join(from, 'a', 'b', 'f'), 'before');
  const run = startExample(base.path, 'clsync-start-rsyncshell.sh');
  try {
    assert.ok(await waitFor(() => existsSync(join(to, 'a', 'b', 'f')), 15_000), run.output());
    writeFileSync(join(from, 'a', 'new'), 'after');
    mkdirSync(join(from, 'dontsync'));
    writeFileSync(join(from, 'dontsync', 'x'), 'no');
    assert.ok(await waitFor(() => existsSync(join(to, 'a', 'new')), 20_000), run.output()); // -w2 -t5
    assert.equal(existsSync(join(to, 'dontsync')), false);
    assert.deepEqual(diffTrees(join(from, 'a'), join(to, 'a')), []);
  } finally {
    await run.stop();
    base.remove();
  }
});

test('examples/clsync-start-rsyncdirect.sh (-p safe): the tree is mirrored to testdir/to', async () => {
  const base = tempDir('clsync-example-');
  const from = join(base.path, 'testdir', 'from');
  const to = join(base.path, 'testdir', 'to');
  mkdirSync(join(from, 'x'), { recursive: true });
  writeFileSync(join(from, 'x', 'f'), 'before');
  const run = startExample(base.path, 'clsync-start-rsyncdirect.sh');
  try {
    assert.ok(await waitFor(() => existsSync(join(to, 'x', 'f')), 15_000), run.output());
    writeFileSync(join(from, 'x', 'g'), 'after');
    assert.ok(await waitFor(() => existsSync(join(to, 'x', 'g')), 20_000), run.output());
    assert.deepEqual(diffTrees(from, to), []);
  } finally {
    await run.stop();
    base.remove();
  }
});
