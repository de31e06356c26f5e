import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { diffTrees, tempDir, waitFor } from '../helpers/tree.js';
import { startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { handlerScript } from '../helpers/faults.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Handler runs counted by the wrapper (runs started ahead count only once used: handlerScript). */
function runs(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

test("two daemons sync two directories both ways with --modification-signature '*' and settle", async () => {
  const base = tempDir();
  const a = join(base.path, 'a');
  const b = join(base.path, 'b');
  mkdirSync(a);
  mkdirSync(b);
  const countA = join(base.path, 'runs-a');
  const countB = join(base.path, 'runs-b');
  const wrapA = handlerScript(join(base.path, 'rsync-a'), `echo run >> ${countA}\nexec rsync "$@"`);
  const wrapB = handlerScript(join(base.path, 'rsync-b'), `echo run >> ${countB}\nexec rsync "$@"`);
  const common = ['-Mrsyncdirect', '-t1', '-T1', '-w0', "--modification-signature=*"];
  const daemons: ClsyncRun[] = [
    startClsync([...common, `-W${a}`, `-D${b}`, `-S${wrapA}`]),
    startClsync([...common, `-W${b}`, `-D${a}`, `-S${wrapB}`]),
  ];
  const logs = () => daemons.map((d) => d.output()).join('\n----\n');
  try {
    assert.ok(await waitFor(() => runs(countA) >= 1 && runs(countB) >= 1, 15_000), logs()); // initial syncs
    await pause(500);
    // changes on both sides, and a change of each side's copy of the other's file
    writeFileSync(join(a, 'from-a'), 'A');
    mkdirSync(join(a, 'dir'));
    writeFileSync(join(a, 'dir', 'deep'), 'deep');
    writeFileSync(join(b, 'from-b'), 'B');
    assert.ok(await waitFor(() => diffTrees(a, b).length === 0, 20_000, 100), `${diffTrees(a, b).join('\n')}\n${logs()}`);
    writeFileSync(join(b, 'from-a'), 'A changed at b');
    chmodSync(join(a, 'from-b'), 0o600);
    rmSync(join(b, 'dir', 'deep'));
    await pause(300);
    assert.ok(await waitFor(() => diffTrees(a, b).length === 0 && !existsSync(join(a, 'dir', 'deep')), 20_000, 100), `${diffTrees(a, b).join('\n')}\n${logs()}`);
    assert.equal(readFileSync(join(a, 'from-a'), 'utf8'), 'A changed at b');
    // quiet: the runs stop growing (each bounce finds nothing to copy), then stay constant
    let last = -1;
    assert.ok(
      await waitFor(() => {
        const now = runs(countA) + runs(countB);
        const still = now === last;
        last = now;
        return still;
      }, 20_000, 3000),
      `the two daemons never settled:\n${logs()}`,
    );
    const settled = runs(countA) + runs(countB);
    await pause(4000);
    assert.equal(runs(countA) + runs(countB), settled, `handler runs went on after quiet:\n${logs()}`);
    assert.ok(settled < 30, `${settled} handler runs for 7 changes`);
    assert.deepEqual(diffTrees(a, b), []);
  } finally {
    for (const d of daemons) d.child.kill('SIGTERM');
    await Promise.all(daemons.map((d) => d.exited));
    base.remove();
  }
});
