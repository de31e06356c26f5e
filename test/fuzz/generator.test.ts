/** The harness's own parts, without a daemon: determinism, validity of generated logs, the shrinker. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateOps } from './generator.js';
import { applyOps, opsToJson, opsToShellScript, parseOps, type Op, type Roots } from './ops.js';
import { shrinkList } from './shrink.js';
import { tempDir } from '../helpers/tree.js';
import { fullSnapshot } from '../helpers/compare.js';
import { execFileSync } from 'node:child_process';

test('the same seed gives the same operations; different seeds differ', () => {
  assert.deepEqual(generateOps(7, { activities: 60 }), generateOps(7, { activities: 60 }));
  assert.notDeepEqual(generateOps(7, { activities: 60 }), generateOps(8, { activities: 60 }));
});

/** The directories a log is applied to, under `base`: tree and outside named `name`, the rest shared. */
function rootsIn(base: string, tree: string, outside: string): Roots {
  for (const d of ['canary', 'lists']) mkdirSync(join(base, d), { recursive: true });
  const roots = {
    tree: Buffer.from(join(base, tree)),
    outside: Buffer.from(join(base, outside)),
    scratch: Buffer.from(base),
    canary: Buffer.from(join(base, 'canary')),
    destinationParent: Buffer.from(base),
    lists: Buffer.from(join(base, 'lists')),
  };
  mkdirSync(roots.tree, { recursive: true });
  mkdirSync(roots.outside, { recursive: true });
  return roots;
}

test('generated logs apply without a single failing syscall (the model matches the disk)', async () => {
  const dir = tempDir('clsync-gen-');
  try {
    for (let seed = 1; seed <= 40; seed++) {
      const roots = rootsIn(dir.path, `t${seed}`, `o${seed}`);
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
      // the canary, the lists dir and the destination's parent are shared: symlinks at them read the same
      const mk = (name: string) => rootsIn(dir.path, join(name, 'T'), join(name, 'O'));
      const viaNode = mk(`node${seed}`);
      await applyOps(viaNode, ops);
      const viaBash = mk(`bash${seed}`);
      execFileSync('bash', ['-e', '-c', opsToShellScript(ops)], {
        env: {
          ...process.env,
          T: viaBash.tree.toString(),
          O: viaBash.outside.toString(),
          S: viaBash.scratch.toString(),
          C: viaBash.canary.toString(),
          P: viaBash.destinationParent.toString(),
          L: viaBash.lists.toString(),
        },
      });
      assert.deepEqual(fullSnapshot(viaBash.tree), fullSnapshot(viaNode.tree), `seed ${seed}`);
      assert.deepEqual(parseOps(opsToJson(ops)), ops);
    }
  } finally {
    dir.remove();
  }
});

test('the hostile writer: every new activity is generated, and no symlink to / is ever renamed, exchanged or pointed at', () => {
  const seen = new Set<string>();
  for (let seed = 1; seed <= 200; seed++) {
    const ops = generateOps(seed, { activities: 40 });
    const roots = new Set<string>();
    for (const op of ops) {
      seen.add(op.op === 'outlink' ? `outlink:${op.place}${op.p[0] === 'L' ? ':L' : ''}` : op.op);
      if (op.op === 'outlink' && op.place === '/') {
        roots.add(op.p);
        assert.match(op.p, /\/ROOTLINK\d$/);
      }
      const touched = op.op === 'rename' ? [op.from, op.to] : op.op === 'exchange' ? [op.a, op.b] : op.op === 'symlink' ? [op.p] : [];
      for (const loc of touched) assert.ok(!/ROOTLINK/.test(loc), `seed ${seed}: ${JSON.stringify(op)}`);
      if (op.op === 'symlink') assert.ok(!/ROOTLINK/.test(op.target), `seed ${seed}: ${JSON.stringify(op)}`);
    }
  }
  for (const kind of ['exchange', 'outlink:C', 'outlink:P', 'outlink:/', 'outlink:C:L', 'link']) assert.ok(seen.has(kind), kind);
});

test('the shrinker finds the two operations that together cause a failure', async () => {
  const ops: Op[] = Array.from({ length: 64 }, (_, i) => ({ op: 'sleep', ms: i }));
  const fails = async (c: Op[]): Promise<boolean> =>
    c.some((o) => o.op === 'sleep' && o.ms === 17) && c.some((o) => o.op === 'sleep' && o.ms === 42);
  const result = await shrinkList(ops, fails, { maxTrials: 1000, timeBudgetMs: 10_000 });
  assert.deepEqual(result.items, [{ op: 'sleep', ms: 17 }, { op: 'sleep', ms: 42 }]);
  assert.equal(result.exhausted, false);
});
