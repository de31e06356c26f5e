/**
 * Messages name the handler by what it is (issue 9): rsync's exit-code
 * meanings are given only when the handler (-S, argv[0]) is rsync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClsync } from '../helpers/clsync.js';
import { tempSrcDst } from '../helpers/tree.js';

test('-S false failing: "exit code 1", not rsync\'s "syntax or usage error"', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-handler-msg-');
  try {
    const { code, output } = await runClsync(['-Mrsyncdirect', '-Sfalse', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0'], 20_000);
    assert.equal(code, 4, output);
    assert.match(output, /sync handler false failed after 1 try: exit code 1/);
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
    assert.match(output, /sync handler \/usr\/bin\/rsync failed after 1 try: exit code 1 \(syntax or usage error\)/);
  } finally {
    base.remove();
  }
});
