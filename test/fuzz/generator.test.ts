/** The harness's own parts, without a daemon: determinism, validity of generated logs, the shrinker. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateOps } from './generator.js';
import { applyOps, opsToJson, opsToShellScript, parseOps, type Op } from './ops.js';
import { shrinkList } from './shrink.js';
import { tempDir } from '../helpers/tree.js';
import { fullSnapshot } from '../helpers/compare.js';
import { execFileSync } from 'node:child_process';

test('the same seed gives the same operations; different seeds differ', () => {
  assert.deepEqual(generateOps(7, { activities: 60 }), generateOps(7, { activities: 60 }));
  assert.notDeepEqual(generateOps(7, { activities: 60 }), generateOps(8, { activities: 60 }));
});

test('generated logs apply without a single failing syscall (the model matches the disk)', async () => {
  const dir = tempDir('clsync-gen-');
  try {
    for (let seed = 1; seed <= 40; seed++) {
      const roots = { tree: Buffer.from(join(dir.path, `t${seed}`)), outside: Buffer.from(join(dir.path, `o${seed}`)), scratch: Buffer.from(dir.path) };
      mkdirSync(roots.tree);
      mkdirSync(roots.outside);
      const ops = generateOps(seed, { activities: 60 }).filter((o) => o.op !== 'sleep' || o.ms < 50);
      const { failed } = await applyOps(roots, ops);
      assert.deepEqual(failed, [], `seed ${seed}: ${JSON.stringify(failed.map((f) => [ops[f.index], f.code]))}`);
    }
  } finally {
    dir.remove();
  }
});

test('the printed bash script reproduces the same tree as the harness (odd names included)', async () => {
  const dir = tempDir('clsync-gen-');
  try {
    for (const seed of [3, 11, 29]) {
      const ops = generateOps(seed, { activities: 50, without: ['samesize'] });
      const mk = (name: string) => {
        const roots = { tree: Buffer.from(join(dir.path, name, 'T')), outside: Buffer.from(join(dir.path, name, 'O')), scratch: Buffer.from(join(dir.path, name)) };
        mkdirSync(roots.tree, { recursive: true });
        mkdirSync(roots.outside);
        return roots;
      };
      const viaNode = mk(`node${seed}`);
      await applyOps(viaNode, ops);
      const viaBash = mk(`bash${seed}`);
      execFileSync('bash', ['-e', '-c', opsToShellScript(ops)], {
        env: { ...process.env, T: viaBash.tree.toString(), O: viaBash.outside.toString(), S: viaBash.scratch.toString() },
      });
      assert.deepEqual(fullSnapshot(viaBash.tree), fullSnapshot(viaNode.tree), `seed ${seed}`);
      assert.deepEqual(parseOps(opsToJson(ops)), ops);
    }
  } finally {
    dir.remove();
  }
});

test('the shrinker finds the two operations that together cause a failure', async () => {
  const ops: Op[] = Array.from({ length: 64 }, (_, i) => ({ op: 'sleep', ms: i }));
  const fails = async (c: Op[]): Promise<boolean> =>
    c.some((o) => o.op === 'sleep' && o.ms === 17) && c.some((o) => o.op === 'sleep' && o.ms === 42);
  const result = await shrinkList(ops, fails, { maxTrials: 1000, timeBudgetMs: 10_000 });
  assert.deepEqual(result.items, [{ op: 'sleep', ms: 17 }, { op: 'sleep', ms: 42 }]);
  assert.equal(result.exhausted, false);
});
