/** The small parsers of the operator-facing options (issue 11). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allows, parseSocketAuth } from '../../src/control/auth.js';
import { parseMetricsListen } from '../../src/control/metrics-address.js';
import { parseSocketOwner } from '../../src/control/socket-file.js';
import { withOptions } from '../../src/control/operate.js';
import { initialSyncText, markingText } from '../../src/control/progress.js';
import { OptionError } from '../../src/errors.js';

test('--socket-auth: null, peercred (root and the daemon\'s user), peercred with users and @groups', () => {
  assert.deepEqual(parseSocketAuth('null'), { kind: 'null' });
  const own = parseSocketAuth('peercred');
  assert.equal(allows(own, { pid: 1, uid: 0, gid: 0 }), true);
  assert.equal(allows(own, { pid: 1, uid: process.getuid!(), gid: 0 }), true);
  assert.equal(allows(own, { pid: 1, uid: 65534, gid: 65534 }), false);
  assert.equal(allows(own, undefined), false, 'unreadable credentials are refused');
  const listed = parseSocketAuth('peercred:nobody,1234,@nogroup');
  assert.equal(allows(listed, { pid: 1, uid: 65534, gid: 1 }), true);
  assert.equal(allows(listed, { pid: 1, uid: 1234, gid: 1 }), true);
  assert.equal(allows(listed, { pid: 1, uid: 999, gid: 65534 }), true, 'by primary group');
  assert.equal(allows(listed, { pid: 1, uid: 999, gid: 999 }), false);
  assert.throws(() => parseSocketAuth('pam'), (e: unknown) => e instanceof OptionError && /not a method/.test(e.message));
  assert.throws(() => parseSocketAuth('peercred:no-such-user-x'), /no user "no-such-user-x"/);
  assert.throws(() => parseSocketAuth('peercred:@no-such-group-x'), /no group "no-such-group-x"/);
});

test('--metrics-listen: PORT on loopback, ADDR:PORT, [v6]:PORT; bad values refused', () => {
  assert.deepEqual(parseMetricsListen('9187'), { host: '127.0.0.1', port: 9187 });
  assert.deepEqual(parseMetricsListen('0.0.0.0:9187'), { host: '0.0.0.0', port: 9187 });
  assert.deepEqual(parseMetricsListen('[::1]:80'), { host: '::1', port: 80 });
  for (const bad of ['', 'x', '70000', 'a:b', ':9']) assert.throws(() => parseMetricsListen(bad), OptionError, bad);
});

test('--socket-own: USER[:GROUP] by name or number', () => {
  assert.equal(parseSocketOwner(undefined), undefined);
  assert.deepEqual(parseSocketOwner('root:root'), { uid: 0, gid: 0 });
  assert.deepEqual(parseSocketOwner('65534'), { uid: 65534, gid: -1 });
  assert.deepEqual(parseSocketOwner(':0'), { uid: -1, gid: 0 });
  assert.throws(() => parseSocketOwner('no-such-user-x'), /--socket-own: no user/);
});

test('SET adds its option before "--" (after it, it would be a handler argument)', () => {
  assert.deepEqual(withOptions(['-W', 'a', '--', 'x'], ['--delay-sync=5']), ['-W', 'a', '--delay-sync=5', '--', 'x']);
  assert.deepEqual(withOptions(['-W', 'a'], ['--delay-sync=5']), ['-W', 'a', '--delay-sync=5']);
});

test('progress texts', () => {
  assert.equal(markingText(12345, 1000), 'marking: 12,345 directories (12,345/s)');
  assert.equal(initialSyncText({ dirs: 10, files: 90, watches: 10, errors: 0, ms: 1 }, 2, 8, 4000), 'initial sync of 100 entries: 4 s, part 2 of 8, about 12 s left');
  assert.equal(initialSyncText(undefined, 0, 0, 120_000), 'initial sync of the tree: 2 min');
});
