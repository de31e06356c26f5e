/**
 * `-M so` and `-M rsyncso` (issue 9): a JavaScript module (ES and
 * CommonJS) and a shared object built here each get the events of a
 * scripted change, exactly; rsyncso's modules get the list files exactly
 * as rsyncshell's script would. Real daemon, real kernel events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopClean } from '../helpers/faults.js';
import { buildSoRecorder, JS_RECORDER, records, withSoDaemon } from '../helpers/so.js';
import { waitFor } from '../helpers/tree.js';

const IN_MODIFY = 0x2;
const IN_CLOSE_WRITE = 0x8;
const IN_CREATE = 0x100;
const IN_DELETE = 0x200;
const IN_ISDIR = 0x40000000;

/** The tree before the start: a directory and a file the change will delete. */
function prepare(src: string): void {
  mkdirSync(join(src, 'd'));
  writeFileSync(join(src, 'old'), 'old');
}

/** The scripted change: a new file in an old directory, a deletion, a new directory, a new symlink. */
function change(src: string): void {
  writeFileSync(join(src, 'd', 'f'), 'x');
  rmSync(join(src, 'old'));
  mkdirSync(join(src, 'n'));
  symlinkSync('d/f', join(src, 'l'));
}

/** What the change must give, per path (the JavaScript view). */
const EXPECTED = [
  { path: 'd/f', mask: IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE, recursive: false, typeBefore: 'none', typeAfter: 'file' },
  { path: 'l', mask: IN_CREATE, recursive: false, typeBefore: 'none', typeAfter: 'symlink' },
  { path: 'n', mask: IN_CREATE | IN_ISDIR, recursive: true, typeBefore: 'none', typeAfter: 'dir' },
  { path: 'old', mask: IN_DELETE, recursive: false, typeBefore: 'unknown', typeAfter: 'none' },
];

interface JsEvent {
  path: string;
  pathBytes: string;
  mask: number;
  recursive: boolean;
  typeBefore: string;
  typeAfter: string;
}

/** The events of every sync call after the initial one, by path. */
function laterEvents(out: string): JsEvent[] {
  const syncs = records(out).filter((r) => 'sync' in r) as Array<{ sync: JsEvent[]; run: { status: string } }>;
  return syncs
    .filter((r) => r.run.status !== 'initsync')
    .flatMap((r) => r.sync)
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function jsModuleGetsTheChange(module: string | ((base: string) => string)): Promise<void> {
  await withSoDaemon('so', module, ['-D/srv/mirror/'], async ({ src, out, run }) => {
    const initial = records(out);
    assert.deepEqual(initial[0], {
      init: { apiVersion: 1, label: 'sotest', watchDir: src, destinationDir: '/srv/mirror', mode: 'so' },
    });
    assert.deepEqual(initial[1], {
      sync: [{ path: '', pathBytes: '', mask: IN_CREATE | IN_ISDIR, recursive: true, typeBefore: 'none', typeAfter: 'dir' }],
      run: { iteration: 0, status: 'initsync' },
    });
    change(src);
    assert.ok(await waitFor(() => laterEvents(out).length >= 4, 10_000), `events: ${JSON.stringify(records(out))}\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more may come
    const got = laterEvents(out);
    assert.deepEqual(
      got,
      EXPECTED.map((e) => ({ ...e, pathBytes: Buffer.from(e.path).toString('hex') })),
    );
    await stopClean(run);
    assert.deepEqual(records(out).at(-1), { deinit: true });
  }, prepare);
}

test('so, ES module: init, the initial sync as one recursive root event, then the scripted change exactly, deinit', { timeout: 30_000 }, async () => {
  await jsModuleGetsTheChange(JS_RECORDER);
});

test('so, CommonJS module (.cjs, module.exports): the same events', { timeout: 30_000 }, async () => {
  await jsModuleGetsTheChange((base) => {
    const file = join(base, 'recorder.cjs');
    writeFileSync(
      file,
      `const { appendFileSync } = require('node:fs');
const out = process.env.SO_OUT;
const record = (line) => appendFileSync(out, JSON.stringify(line) + '\\n');
module.exports = {
  init(context) { record({ init: context }); },
  sync(events, run) { record({ sync: events.map((e) => ({ ...e, pathBytes: e.pathBytes.toString('hex') })), run }); },
  deinit() { record({ deinit: true }); },
};
`,
    );
    chmodSync(file, 0o644);
    return file;
  });
});

test('so, shared object: clsyncapi_init gets our context, clsyncapi_sync the C layout of the same events', { timeout: 60_000 }, async () => {
  await withSoDaemon('so', buildSoRecorder, [], async ({ src, out, run }) => {
    const text = (): string => readFileSync(out, 'utf8');
    assert.equal(text(), `init 2 sotest ${src} - so null\nsync 1\nev ${IN_CREATE | IN_ISDIR} 1 0 '' 1 3\n`);
    change(src);
    const evLines = (): string[] => text().split('\n').slice(3).filter((l) => l.startsWith('ev '));
    assert.ok(await waitFor(() => evLines().length >= 4, 10_000), `${text()}\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 1500));
    // EOT_DOESNTEXIST 1, EOT_FILE 2 (every non-directory, as the C tool), EOT_DIR 3; EVIF_RECURSIVELY 1
    assert.deepEqual(
      evLines().sort(),
      [
        `ev ${IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE} 0 3 'd/f' 1 2`,
        `ev ${IN_CREATE} 0 1 'l' 1 2`,
        `ev ${IN_CREATE | IN_ISDIR} 1 1 'n' 1 3`,
        `ev ${IN_DELETE} 0 3 'old' 2 1`,
      ].sort(),
    );
    await stopClean(run);
    assert.match(text(), /deinit\n$/);
  }, prepare);
});

/** rsyncso's records after the initial one. */
function laterLists(out: string): Array<{ include: string; exclude: string | null }> {
  return (records(out).filter((r) => 'include' in r) as Array<{ include: string; exclude: string | null; run: { status: string } }>)
    .filter((r) => r.run.status !== 'initsync')
    .map(({ include, exclude }) => ({ include, exclude }));
}

test('rsyncso, JavaScript module: the include and exclude lists exactly as rsyncshell writes them', { timeout: 30_000 }, async () => {
  const args = (base: string): string[] => {
    writeFileSync(join(base, 'rules'), '-d^cache$\n');
    return ['-R', join(base, 'rules')];
  };
  const prepareTree = (src: string): void => {
    mkdirSync(join(src, 'd', 'e'), { recursive: true });
    mkdirSync(join(src, 'cache'));
  };
  await withSoDaemon('rsyncso', JS_RECORDER, args, async ({ src, out, run }) => {
    const initial = records(out).find((r) => 'include' in r);
    assert.deepEqual(initial, { include: '/***\n', exclude: '/cache/***\n', run: { iteration: 0, status: 'initsync' } });
    writeFileSync(join(src, 'd', 'e', 'f'), 'x');
    mkdirSync(join(src, 'n'));
    assert.ok(await waitFor(() => laterLists(out).length >= 1, 10_000), `${JSON.stringify(records(out))}\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 1500));
    // every parent on its own line, a new directory with all its content (/***)
    assert.deepEqual(laterLists(out), [{ include: '/d\n/d/e\n/d/e/f\n/n\n/n/***\n', exclude: '/cache/***\n' }]);
    await stopClean(run);
  }, prepareTree);
});

test('rsyncso, shared object, --rsync-prefer-include: clsyncapi_rsync gets the include list and a NULL exclude list', { timeout: 60_000 }, async () => {
  await withSoDaemon('rsyncso', buildSoRecorder, ['--rsync-prefer-include'], async ({ src, out, run }) => {
    const text = (): string => readFileSync(out, 'utf8');
    const initial = `init 2 sotest ${src} - rsyncso null\nrsync\n/***\n--\n(null)\n`;
    assert.equal(text(), initial);
    writeFileSync(join(src, 'd', 'f'), 'x');
    assert.ok(await waitFor(() => text().length > initial.length, 10_000), `${text()}\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(text(), `${initial}rsync\n/d\n/d/f\n--\n(null)\n`);
    await stopClean(run);
  }, (src) => mkdirSync(join(src, 'd')));
});
