/**
 * Config compatibility with the C clsync (issue 9): its examples/ start
 * scripts pass -K with no config file anywhere, and its production config
 * has keys we do not know (syslog, rules-path): both run, with warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClsync } from '../helpers/clsync.js';
import { waitConverged } from '../helpers/faults.js';
import { tempSrcDst } from '../helpers/tree.js';

test('-K example-simple with no config file anywhere: runs on the command line, with a warning', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-compat-');
  writeFileSync(join(src, 'f'), 'x');
  try {
    const r = await runClsync(['-K', 'example-simple', '-M', 'rsyncdirect', '-w2', '-t5', '-W', src, '-D', dst, '--only-initialsync'], 20_000);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Warning: --config-block \(-K\): block \[example-simple\] was asked for, but no config file was found/);
    await waitConverged(src, dst, undefined, 'initial sync');
    const strict = await runClsync(['-K', 'example-simple', '-M', 'rsyncdirect', '-W', src, '-D', dst, '--only-initialsync', '--strict-config'], 20_000);
    assert.equal(strict.code, 2, strict.output);
  } finally {
    base.remove();
  }
});

test('a config block with clsync\'s unknown keys (syslog, rules-path) runs, each named with file:line', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-compat-');
  const conf = join(base.path, 'clsync.conf');
  writeFileSync(conf, `[lxc]\nwatch-dir = ${src}\ndestination-dir = ${dst}\nmode = rsyncdirect\nsyslog\t\t= 1\nrules-path\t= /etc/clsync/rules/lxc\nonly-initialsync = 1\n`);
  writeFileSync(join(src, 'f'), 'x');
  try {
    const r = await runClsync(['-H', conf, '-K', 'lxc'], 20_000);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`Warning: ${conf}:5: unknown key "syslog" in block \\[lxc\\] \\(did you mean "output = syslog"\\?\\)`));
    assert.match(r.output, new RegExp(`Warning: ${conf}:6: unknown key "rules-path" in block \\[lxc\\] \\(did you mean "rules-file"\\?\\)`));
    await waitConverged(src, dst, undefined, 'initial sync');
  } finally {
    base.remove();
  }
});
