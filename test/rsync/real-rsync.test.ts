import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildExcludeList, buildIncludeLists, defaultRsyncArgs, listSeparatorFor, ListChange } from '../../src/rsync/index.js';

/** A byte string as a file-system path under `root`. */
const fsPath = (root: string, rel: string): Buffer => Buffer.concat([Buffer.from(root + '/'), Buffer.from(rel, 'latin1')]);

/** Every object under root: relpath (byte string) → 'dir' or file content (latin1). */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(fsPath(root, rel), { encoding: 'buffer' })) {
      const child = (rel === '' ? '' : rel + '/') + name.toString('latin1');
      const p = fsPath(root, child);
      if (fs.lstatSync(p).isDirectory()) {
        out.set(child, 'dir');
        walk(child);
      } else {
        out.set(child, fs.readFileSync(p, 'latin1'));
      }
    }
  };
  walk('');
  return out;
}

const write = (root: string, rel: string, content: string): void => {
  fs.mkdirSync(path.dirname(fsPath(root, rel).toString('latin1')), { recursive: true });
  fs.writeFileSync(fsPath(root, rel), content, 'latin1');
};

const ODD_NAMES = [
  'nl\nname', 'cr\rname', '[br]', 'a]b', 'st*ar', 'q?m', 'back\\slash', 'back\\sl*ash', '-leading', '#hash',
  ';semi', '!', '+ plus', '- minus', ' lead', 'trail ', '\xff\xfe', 'x'.repeat(255), 'caf\xc3\xa9',
];
const DEEP = Array.from({ length: 20 }, (_, i) => `d${i}`).join('/') + '/deep [f]';

function scenario(from0: boolean): void {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'clsync-'));
  try {
    const src = path.join(base, 'src');
    const dst = path.join(base, 'dst');
    fs.mkdirSync(src);
    // Before: both sides hold these.
    write(src, 'old [x].txt', 'old');
    write(src, 'olddir*/sub/f', 'old');
    write(src, 'keep/f', 'keep');
    write(src, 'keep/old\nfile', 'old');
    execFileSync('rsync', ['-aH', src + '/', dst + '/']);

    // Changes at the source.
    const changes: ListChange[] = [];
    for (const name of ODD_NAMES) {
      write(src, name, 'content of ' + name);
      changes.push({ path: name, recursive: false, state: 'created' });
      write(src, 'keep/' + name, 'in keep: ' + name);
      changes.push({ path: 'keep/' + name, recursive: false, state: 'created' });
    }
    write(src, DEEP, 'deep');
    changes.push({ path: DEEP, recursive: false, state: 'created' });
    fs.rmSync(fsPath(src, 'old [x].txt'));
    changes.push({ path: 'old [x].txt', recursive: false, state: 'deleted' });
    fs.rmSync(fsPath(src, 'olddir*'), { recursive: true });
    changes.push({ path: 'olddir*', recursive: false, state: 'deleted' });
    fs.rmSync(fsPath(src, 'keep/old\nfile'));
    changes.push({ path: 'keep/old\nfile', recursive: false, state: 'deleted' });
    write(src, 'new\n[*]dir/sub [1]/f?', 'new');
    write(src, 'new\n[*]dir/g', 'g');
    changes.push({ path: 'new\n[*]dir', recursive: true, state: 'created' });
    // Excluded by the rules: must not reach the destination.
    write(src, 'excluded*.tmp', 'secret');
    write(src, 'keep/excl dir/f', 'secret');

    const argv = defaultRsyncArgs().filter((a) => from0 || a !== '--from0');
    assert.equal(listSeparatorFor(argv), from0 ? 'nul' : 'newline');
    const separator = listSeparatorFor(argv);
    const exclude = buildExcludeList([{ path: 'excluded*.tmp', isDir: false }, { path: 'keep/excl dir', isDir: true }], separator);
    assert.deepEqual(exclude.unlisted, []);
    // a small limit forces several runs, each with the parents it needs
    const parts = buildIncludeLists(changes, { separator, limit: 25 });
    // With newline lists, the root-level names holding "\n" make the root recursive: one list.
    assert.equal(parts.length > 1, from0);
    fs.writeFileSync(path.join(base, 'exclude'), exclude.list);
    parts.forEach((part, i) => {
      const listPath = path.join(base, `include.${i}`);
      fs.writeFileSync(listPath, part);
      const args = argv.map((a) =>
        a.replace('%EXCLUDE-LIST-PATH%', path.join(base, 'exclude')).replace('%INCLUDE-LIST-PATH%', listPath)
          .replace('%watch-dir%', src).replace('%destination-dir%', dst));
      execFileSync('/usr/bin/rsync', args);
    });

    const want = snapshot(src);
    want.delete('excluded*.tmp');
    want.delete('keep/excl dir');
    want.delete('keep/excl dir/f');
    const got = snapshot(dst);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    assert.deepEqual(got, want);
    assert.equal(got.has('olddir*'), false);
    assert.equal(got.has('old [x].txt'), false);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

test('real rsync with NUL-separated lists makes the destination equal the source', () => {
  scenario(true);
});

test('real rsync with newline-separated lists makes the destination equal the source', () => {
  scenario(false);
});
