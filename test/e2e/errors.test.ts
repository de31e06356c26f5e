import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tree.js';
import { runClsync } from '../helpers/clsync.js';

/** Each case: arguments (SRC/DST/CONF replaced), and what the one-line error must name. */
const CASES: { name: string; args: string[]; names: RegExp; config?: string }[] = [
  { name: 'unknown mode', args: ['-Mnonsense', '-WSRC', '-DDST'], names: /mode/ },
  { name: 'missing mode', args: ['-WSRC', '-DDST'], names: /mode/ },
  { name: 'watch dir missing', args: ['-Mrsyncdirect', '-WSRC/nope', '-DDST'], names: /watch-dir|-W/ },
  { name: 'non-numeric delay', args: ['-Mrsyncdirect', '-WSRC', '-DDST', '-tabc'], names: /delay-collect|-t/ },
  { name: 'negative retries', args: ['-Mrsyncdirect', '-WSRC', '-DDST', '--retries=-1'], names: /retries/ },
  { name: 'unknown option', args: ['-Mrsyncdirect', '-WSRC', '-DDST', '--no-such-option'], names: /no-such-option/ },
  { name: 'missing argument', args: ['-Mrsyncdirect', '-WSRC', '-DDST', '--label'], names: /label/ },
  { name: 'destination needed by default args', args: ['-Mrsyncdirect', '-WSRC'], names: /destination-dir|-D/ },
  { name: 'not supported yet', args: ['-Mrsyncdirect', '-WSRC', '-DDST', '--cluster-iface=eth0'], names: /cluster-iface.*not supported yet/ },
  { name: 'rules file unreadable', args: ['-Mrsyncdirect', '-WSRC', '-DDST', '-RCONF/no-rules'], names: /no-rules/ },
  { name: 'bad rule line', args: ['-Mrsyncdirect', '-WSRC', '-DDST', '-RCONF/rules'], names: /rules:2/ },
  {
    name: 'bad config line',
    args: ['-HCONF/clsync.conf', '-WSRC', '-DDST'],
    config: '[default]\nmode = rsyncdirect\nthis line is broken\n',
    names: /clsync\.conf:3/,
  },
  {
    name: 'bad config value',
    args: ['-HCONF/clsync.conf', '-WSRC', '-DDST'],
    config: '[default]\nmode = rsyncdirect\ndelay-sync = soon\n',
    names: /clsync\.conf:3.*delay-sync|delay-sync.*clsync\.conf:3/,
  },
  { name: 'missing config block', args: ['-HCONF/clsync.conf', '-Knope', '-WSRC', '-DDST'], config: '[default]\n', names: /nope/ },
];

for (const c of CASES) {
  test(`bad input is a one-line error naming the culprit, nothing started: ${c.name}`, async () => {
    const src = tempDir();
    const dst = tempDir();
    const conf = tempDir();
    writeFileSync(join(src.path, 'file'), 'x');
    writeFileSync(join(conf.path, 'rules'), '-f\\.tmp$\n+x(unclosed\n');
    if (c.config) writeFileSync(join(conf.path, 'clsync.conf'), c.config);
    const args = c.args.map((a) =>
      a.replace('SRC', src.path).replace('DST', dst.path).replace('CONF', conf.path),
    );
    try {
      const { code, output } = await runClsync(args, 10_000);
      assert.notEqual(code, 0, output);
      assert.match(output, c.names);
      assert.equal(output.trim().split('\n').length, 1, `more than one line:\n${output}`);
      assert.deepEqual(readdirSync(dst.path), [], 'something was synced');
    } finally {
      src.remove();
      dst.remove();
      conf.remove();
    }
  });
}
