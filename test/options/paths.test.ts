/**
 * Operator mistakes (issue 8, item 5): a local -D that overlaps -W (the same
 * directory, or either inside the other, symlinks resolved, a missing -D
 * through its nearest existing ancestor) is refused naming both options.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSettings } from '../../src/options/index.js';
import { OptionError } from '../../src/errors.js';
import { runClsync } from '../helpers/clsync.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-overlap-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const src = path.join(tmp, 'src');
fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
fs.symlinkSync(src, path.join(tmp, 'link-to-src'));
fs.symlinkSync(path.join(src, 'sub'), path.join(tmp, 'link-to-sub'));

const load = (dest: string, watch = src) => loadSettings(['-Mrsyncdirect', `-W${watch}`, `-D${dest}`], { configSearchPath: [] });

function refused(dest: string, relation: RegExp, watch = src): void {
  assert.throws(
    () => load(dest, watch),
    (e: unknown) => e instanceof OptionError && /^-W \(--watch-dir\) ".*" and -D \(--destination-dir\) ".*" overlap/.test(e.message) && relation.test(e.message),
    `-W ${watch} -D ${dest}`,
  );
}

test('-D the same directory as -W, directly, with a trailing slash, through a symlink, relatively', () => {
  refused(src, /same directory/);
  refused(src + '/', /same directory/);
  refused(path.join(tmp, 'link-to-src'), /same directory/);
  refused(path.relative(process.cwd(), src), /same directory/);
});

test('-D inside -W: existing, missing, missing below a symlink into the tree', () => {
  refused(path.join(src, 'sub'), /destination is inside the watched tree/);
  refused(path.join(src, 'new', 'deeper'), /destination is inside the watched tree/);
  refused(path.join(tmp, 'link-to-sub', 'missing'), /destination is inside the watched tree/);
  refused(path.join(tmp, 'link-to-src', 'missing', 'deeper'), /destination is inside the watched tree/);
});

test('-W inside -D', () => {
  refused(tmp, /watched tree is inside the destination/);
  refused('/', /watched tree is inside the destination/);
  refused(path.join(tmp, 'src', '..'), /watched tree is inside the destination/);
});

test('no overlap: a sibling sharing a prefix, a missing sibling, remote destinations', () => {
  assert.equal(load(path.join(tmp, 'src2')).destinationDir, path.join(fs.realpathSync(tmp), 'src2'));
  assert.ok(load(path.join(tmp, 'srcx', 'missing')));
  assert.equal(load(`localhost:${src}`).destinationDir, `localhost:${src}`);
  assert.equal(load(`rsync://localhost/${src}`).destinationDir, `rsync://localhost/${src}`);
});

test('the real command: -D inside -W exits 2 naming both options, before syncing anything', async () => {
  const r = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${path.join(src, 'sub', 'copy')}`, '--only-initialsync']);
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /^clsync: -W \(--watch-dir\) .* and -D \(--destination-dir\) .* overlap \(the destination is inside the watched tree\)/m);
  assert.ok(!fs.existsSync(path.join(src, 'sub', 'copy')));
});
