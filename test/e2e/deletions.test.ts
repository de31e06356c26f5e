/**
 * Deletions at the destination by each strategy (src/handlers/deletions.ts),
 * on whichever rsync is first on PATH: nested files and directories, deep,
 * with odd names, deleted while a sync is due. The destination must equal
 * the source after each step, and no step may fall back to syncing the
 * whole tree (rsync 3.2.7's `--delete-missing-args` fails nested paths:
 * before the strategies, each deletion there cost failed runs and a full
 * sync).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, unlinkSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { withMirror } from '../helpers/mirror.js';
import { runClsync } from '../helpers/clsync.js';
import { tempSrcDst } from '../helpers/tree.js';
import { compareTrees } from '../helpers/compare.js';
import { probeDeleteMissingArgs } from '../../src/rsync/probe.js';

/** Odd names (byte strings): newline, invalid UTF-8, leading '-', rule syntax, wildcards, comment marks. */
const ODD = ['new\nline', '\xff\xfe', '-dash', '- minus', '+ plus', '[x]*?\\', '#hash', ' sp '];
const DEEP = 'd0/d1/d2/d3/d4/d5/d6/d7';

/** Bytes of a byte-string path under `root`. */
const at = (root: string, rel: string): Buffer => Buffer.concat([Buffer.from(root + '/'), Buffer.from(rel, 'latin1')]);

function fill(src: string): void {
  for (const dir of ['top', DEEP, `${DEEP}/-x`, 'odd/\xff/new\nline']) {
    mkdirSync(at(src, dir), { recursive: true });
    for (const name of ODD) writeFileSync(at(src, `${dir}/${name}`), name);
    mkdirSync(at(src, `${dir}/sub/inner`), { recursive: true });
    writeFileSync(at(src, `${dir}/sub/inner/f`), 'f');
    writeFileSync(at(src, `${dir}/keep`), 'keep');
  }
}

/** The changes of one test, each step converged and checked for a full sync. */
async function deleteNested(strategy: string): Promise<void> {
  await withMirror(
    async (m) => {
      const step = async (what: string): Promise<void> => {
        await m.converge(what);
        assert.doesNotMatch(m.run.output(), /syncing the whole tree/, `${what}: a full sync ran:\n${m.run.output().slice(-3000)}`);
      };
      await step('filled');
      assert.match(m.run.output(), new RegExp(`deletions at the destination: ${strategy} `));
      for (const name of ODD) unlinkSync(at(m.src, `${DEEP}/${name}`));
      await step('deep odd files deleted');
      rmSync(at(m.src, `${DEEP}/sub`), { recursive: true });
      rmSync(at(m.src, 'odd/\xff/new\nline/sub'), { recursive: true });
      await step('nested directories deleted');
      // a whole branch, and files in a directory that goes in the same batch
      unlinkSync(at(m.src, `${DEEP}/-x/keep`));
      rmSync(at(m.src, `${DEEP}/-x`), { recursive: true });
      for (const name of ODD) unlinkSync(at(m.src, `top/${name}`));
      await step('a branch and top-level odd files deleted');
      // moved out of the tree (a deletion for the destination), and a renamed parent's old name
      renameSync(at(m.src, 'd0/d1/d2'), at(m.out, 'moved-out'));
      renameSync(at(m.src, 'odd/\xff'), at(m.src, 'odd/renamed'));
      await step('moved out and renamed');
      // a name deleted and a file of the same name written again before the sync
      unlinkSync(at(m.src, 'top/keep'));
      writeFileSync(at(m.src, 'top/keep'), 'again');
      rmSync(at(m.src, 'top/sub'), { recursive: true });
      writeFileSync(at(m.src, 'top/sub'), 'a file now');
      await step('deleted and made again');
    },
    {
      prepare: fill,
      env: { CLSYNC_TEST_DELETION: strategy },
    },
  );
}

test('deletions by --delete-missing-args (where the rsync on PATH can)', async (t) => {
  const probe = await probeDeleteMissingArgs('rsync');
  if (!probe.works) return t.skip(`the rsync on PATH cannot: ${probe.why}`);
  await deleteNested('missing-args');
});

test('deletions through the destination door', async () => {
  await deleteNested('door');
});

test('deletions by per-parent rsync runs', async () => {
  await deleteNested('per-parent');
});

test('the probe chooses the strategy: the door where --delete-missing-args fails, per-parent for user arguments', async () => {
  const probe = await probeDeleteMissingArgs('rsync');
  const { base, src, dst } = tempSrcDst();
  try {
    fill(src);
    const local = await runClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-v', '--only-initialsync']);
    assert.equal(local.code, 0, local.output);
    assert.match(local.output, new RegExp(`deletions at the destination: ${probe.works ? 'missing-args' : 'door'} \\(`));
    const user = await runClsync(['-Mrsyncdirect', `-W${src}`, '-v', '--only-initialsync', '--', '%RSYNC-ARGS%', `${src}/`, `${dst}/`]);
    assert.equal(user.code, 0, user.output);
    assert.match(user.output, /deletions at the destination: per-parent \(the destination is not a local directory/);
    assert.deepEqual(compareTrees(src, dst), []);
  } finally {
    base.remove();
  }
});
