/**
 * Messages name the handler by what it is (issue 9): rsync's exit-code
 * meanings are given only when the handler (-S, argv[0]) is rsync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync, startClsync } from '../helpers/clsync.js';
import { killHard, rsyncWrapper, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';

test('-S false failing: "exit code 1", not rsync\'s "syntax or usage error"', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-handler-msg-');
  try {
    const { code, output } = await runClsync(['-Mrsyncdirect', '-Sfalse', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0'], 20_000);
    assert.equal(code, 4, output);
    assert.match(output, /sync handler "false" failed after 1 try: exit code 1/);
    assert.doesNotMatch(output, /syntax or usage error/);
  } finally {
    base.remove();
  }
});

test('rsync itself failing keeps rsync\'s meaning of its exit code', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-handler-msg-');
  try {
    const { code, output } = await runClsync(
      ['-Mrsyncdirect', '-S/usr/bin/rsync', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', '--', '--no-such-rsync-option', '%watch-dir%/', '%destination-dir%/'],
      20_000,
    );
    assert.equal(code, 4, output);
    assert.match(output, /sync handler "\/usr\/bin\/rsync" failed after 1 try: exit code 1 \(syntax or usage error\)/);
  } finally {
    base.remove();
  }
});

test('a handler\'s stdout and stderr reach the daemon\'s own, without -v and untagged; with -Y syslog they are logged instead', { timeout: 40_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-handler-out-');
  const script = rsyncWrapper(join(base.path, 'handler.sh'), 'echo "handler-says-out $CLSYNC_ITERATION"\necho "handler-says-err" >&2');
  try {
    for (const output of ['stderr', 'syslog'] as const) {
      const run = startClsync(['-Mrsyncdirect', `-S${script}`, `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `-Y${output}`]);
      try {
        if (output === 'stderr') {
          await waitForLog(run, /^handler-says-err$/m, 'handler stderr', 15_000);
          await waitFor(() => /^handler-says-out \d+$/m.test(run.stdout()), 5000, 20);
          assert.match(run.stdout(), /^handler-says-out \d+$/m, `stdout:\n${run.stdout()}`);
          assert.match(run.stderr(), /^handler-says-err$/m);
          assert.doesNotMatch(run.stderr(), /handler-says-out/);
        } else {
          writeFileSync(join(src, 'marker'), 'x');
          await waitConverged(src, dst, run, 'with -Y syslog');
          assert.doesNotMatch(run.output(), /handler-says/, 'into syslog, not the daemon\'s streams');
        }
        await stopClean(run);
      } finally {
        await killHard(run);
      }
    }
  } finally {
    base.remove();
  }
});
