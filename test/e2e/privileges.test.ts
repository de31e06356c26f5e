/**
 * Least privilege, as root, with the real daemon: what each process really
 * holds is read from /proc (Uid, Gid, capabilities, no_new_privs, seccomp,
 * namespaces), what a handler can reach is tried by the handler itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClsync, type ClsyncRun } from '../helpers/clsync.js';
import { diffTrees, tempSrcDst, waitFor } from '../helpers/tree.js';

const ROOT = process.getuid?.() === 0;
const PRIV = fileURLToPath(new URL('../../../build/Release/clsync-priv', import.meta.url));
/** CAP_DAC_READ_SEARCH | CAP_KILL | CAP_SETGID | CAP_SETUID: the C clsync's kept set */
const C_DEFAULT_CAPS = '00000000000000e4';
const NOBODY = 65534;

/** The fields of /proc/PID/status as text. */
function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

/** The process's children (pids), from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => {
      try {
        return Number(procStatus(p)['PPid']) === pid;
      } catch {
        return false;
      }
    });
}

async function stop(run: ClsyncRun): Promise<void> {
  if (run.child.exitCode === null) run.child.kill('SIGTERM');
  await run.exited;
}

/** The tree of the tests: a file, a directory its owner closed (mode 000), a nested file. */
function hostileOwnerTree(src: string): void {
  mkdirSync(join(src, 'open', 'deep'), { recursive: true });
  writeFileSync(join(src, 'open', 'deep', 'f'), 'open data\n');
  mkdirSync(join(src, 'closed'));
  writeFileSync(join(src, 'closed', 'secret'), 'closed data\n');
  chmodSync(join(src, 'closed'), 0o000);
}

const mirrorArgs = (src: string, dst: string): string[] => ['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0'];

test('--uid nobody --gid nogroup: the daemon runs as 65534 with only the kept capabilities, and mirrors a mode-000 directory', { skip: !ROOT }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-priv-');
  hostileOwnerTree(src);
  const run = startClsync([...mirrorArgs(src, dst), '--uid', 'nobody', '--gid', 'nogroup']);
  try {
    assert.ok(await waitFor(() => diffTrees(src, dst).length === 0, 10_000), `${diffTrees(src, dst).join('\n')}\n${run.output()}`);
    const st = procStatus(run.child.pid!);
    assert.equal(st['Uid'], `${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`);
    assert.equal(st['Gid'], `${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`);
    assert.equal(st['CapEff'], C_DEFAULT_CAPS);
    assert.equal(st['CapPrm'], C_DEFAULT_CAPS);
    // events inside the closed directory still arrive (CAP_DAC_READ_SEARCH keeps its watch working)
    chmodSync(join(src, 'closed'), 0o700);
    writeFileSync(join(src, 'closed', 'secret'), 'changed while the daemon is nobody\n');
    writeFileSync(join(src, 'closed', 'new'), 'new\n');
    chmodSync(join(src, 'closed'), 0o000);
    assert.ok(await waitFor(() => diffTrees(src, dst).length === 0, 10_000), `${diffTrees(src, dst).join('\n')}\n${run.output()}`);
    assert.match(run.output(), /privileges: daemon as 65534:65534 keeping CAP_DAC_READ_SEARCH,CAP_SETUID,CAP_SETGID,CAP_KILL; handlers as 0:0/);
  } finally {
    await stop(run);
    chmodSync(join(src, 'closed'), 0o700);
    base.remove();
  }
});

/** A direct-mode handler that prints its ids (and more) once per run. */
function idHandler(script: string): string[] {
  return ['-Mdirect', '-Sbash', '--', '-c', script, 'bash', '%INCLUDE-LIST%'];
}

test('the handler runs as --sync-handler-uid/gid, by default as the starting user', { skip: !ROOT }, async () => {
  const { base, src } = tempSrcDst('clsync-priv-');
  writeFileSync(join(src, 'f'), 'x');
  for (const [extra, want] of [
    [['--sync-handler-uid', '1', '--sync-handler-gid', '1'], 'handler-ids 1:1'],
    [[], 'handler-ids 0:0'],
  ] as const) {
    const run = startClsync([`-W${src}`, '-w0', '-t0', '-T0', '--uid', 'nobody', '--gid', 'nogroup', ...extra, ...idHandler('echo "handler-ids $(id -u):$(id -g)"')]);
    try {
      assert.ok(await waitFor(() => run.stdout().includes('handler-ids'), 10_000), run.output());
      assert.match(run.stdout(), new RegExp(`^${want}$`, 'm'), run.output());
      assert.equal(procStatus(run.child.pid!)['Uid'].split('\t')[0], String(NOBODY));
    } finally {
      await stop(run);
    }
  }
  base.remove();
});

test('--splitting=process --check-execvp-arguments: registered runs and hooks run, an unregistered argv is refused and logged, nothing runs', { skip: !ROOT }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-priv-');
  hostileOwnerTree(src);
  const evil = join(base.path, 'evil');
  const hookMark = join(base.path, 'hook-ran');
  const hook = join(base.path, 'exit-hook.sh');
  writeFileSync(hook, `#!/bin/sh\necho "$1 $(id -u)" > ${hookMark}\n`, { mode: 0o755 });
  const run = startClsync(
    [...mirrorArgs(src, dst), '--splitting=process', '--check-execvp-arguments', '-C', 'CAP_DAC_READ_SEARCH', '--exit-hook', hook, '-l', 'split'],
    { CLSYNC_TEST_EXEC: JSON.stringify(['touch', evil]) },
  );
  try {
    assert.ok(await waitFor(() => diffTrees(src, dst).length === 0, 10_000), `${diffTrees(src, dst).join('\n')}\n${run.output()}`);
    assert.ok(await waitFor(() => /CLSYNC_TEST_EXEC touch .*: exit code 126/.test(run.output()), 10_000), run.output());
    assert.match(run.output(), /clsync-priv: refused: "touch" with these arguments is not a registered handler or hook/);
    assert.equal(existsSync(evil), false, 'the refused argv ran');
    const st = procStatus(run.child.pid!);
    assert.equal(st['Uid'].split('\t')[0], String(NOBODY));
    assert.equal(st['CapEff'], '0000000000000004');
    assert.equal(st['NoNewPrivs'], '1');
    // the privileged helper: a child of the daemon, still root, with its capabilities
    const helpers = childrenOf(run.child.pid!).filter((p) => readlinkSync(`/proc/${p}/exe`) === PRIV);
    assert.equal(helpers.length, 1, 'one privileged helper');
    assert.equal(procStatus(helpers[0]!)['Uid'].split('\t')[0], '0');
    // a change after the start goes through the helper as well
    writeFileSync(join(src, 'open', 'later'), 'later\n');
    assert.ok(await waitFor(() => diffTrees(src, dst).length === 0, 10_000), `${diffTrees(src, dst).join('\n')}\n${run.output()}`);
  } finally {
    await stop(run);
  }
  assert.equal(readFileSync(hookMark, 'utf8'), 'split 0\n', 'the registered exit hook ran, as root');
  chmodSync(join(src, 'closed'), 0o700);
  base.remove();
});

test('--seccomp-filter: a whole mirror with the filter on; a call off the list fails', { skip: !ROOT }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-priv-');
  hostileOwnerTree(src);
  const run = startClsync([...mirrorArgs(src, dst), '--splitting=process', '--seccomp-filter', '-C', 'CAP_DAC_READ_SEARCH', '-p', 'off']);
  try {
    assert.ok(await waitFor(() => diffTrees(src, dst).length === 0, 10_000), `${diffTrees(src, dst).join('\n')}\n${run.output()}`);
    assert.equal(procStatus(run.child.pid!)['Seccomp'], '2');
    // churn: files, directories, renames, deletions, a symlink, a hard link
    for (let i = 0; i < 20; i++) {
      mkdirSync(join(src, 'churn', `d${i}`), { recursive: true });
      writeFileSync(join(src, 'churn', `d${i}`, 'f'), `data ${i}\n`);
    }
    execFileSync('mv', [join(src, 'churn', 'd3'), join(src, 'churn', 'moved')]);
    execFileSync('rm', ['-r', join(src, 'churn', 'd4'), join(src, 'open', 'deep')]);
    execFileSync('ln', ['-s', 'moved/f', join(src, 'churn', 'link')]);
    execFileSync('ln', [join(src, 'churn', 'd5', 'f'), join(src, 'churn', 'hard')]);
    assert.ok(await waitFor(() => diffTrees(src, dst).length === 0, 15_000), `${diffTrees(src, dst).join('\n')}\n${run.output()}`);
    assert.doesNotMatch(run.output(), /Bad system call|Operation not permitted|EPERM/);
    assert.equal(run.child.exitCode, null);
  } finally {
    await stop(run);
    chmodSync(join(src, 'closed'), 0o700);
    base.remove();
  }
  // the same filter on another program: unshare(2) is not on the list, so it fails; the control run passes
  const denied = spawnSync(PRIV, ['--seccomp', '--', '/usr/bin/unshare', '--net', '/bin/true'], { encoding: 'utf8' });
  assert.notEqual(denied.status, 0);
  assert.match(denied.stderr, /Operation not permitted/);
  assert.equal(spawnSync(PRIV, ['--seccomp', '--', '/bin/true']).status, 0);
});

test('--detach-network: everywhere, the handler cannot reach 127.0.0.1; non-privileged, the daemon has no network and the handler has', { skip: !ROOT }, async () => {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const { base, src } = tempSrcDst('clsync-priv-');
  writeFileSync(join(src, 'f'), 'x');
  const ownNet = readlinkSync('/proc/self/ns/net');
  const probe = `if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then echo net-ok; else echo net-denied; fi`;
  try {
    for (const [way, want, daemonOwnNet] of [
      ['everywhere', 'net-denied', false],
      ['non-privileged', 'net-ok', false],
      ['off', 'net-ok', true],
    ] as const) {
      const split = way === 'non-privileged' ? ['--splitting=process', '-C', 'CAP_DAC_READ_SEARCH'] : [];
      const run = startClsync([`-W${src}`, '-w0', '-t0', '-T0', `--detach-network=${way}`, ...split, ...idHandler(probe)]);
      try {
        assert.ok(await waitFor(() => /net-(ok|denied)/.test(run.stdout()), 10_000), `${way}: ${run.output()}`);
        assert.match(run.stdout(), new RegExp(`^${want}$`, 'm'), `${way}: ${run.output()}`);
        assert.equal(readlinkSync(`/proc/${run.child.pid}/ns/net`) === ownNet, daemonOwnNet, `${way}: the daemon's network namespace`);
      } finally {
        await stop(run);
      }
    }
  } finally {
    server.close();
    base.remove();
  }
});

/** A static program for a root with nothing else in it: lists "/" and tries to write there. */
const ROOT_PROBE_C = `
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  DIR *d = opendir("/");
  struct dirent *e;
  printf("root-entries:");
  while (d && (e = readdir(d))) if (e->d_name[0] != '.') printf(" %s", e->d_name);
  printf("\\n");
  int fd = open("/written", O_WRONLY | O_CREAT, 0644);
  printf("root-write: %s\\n", fd >= 0 ? "ok" : strerror(errno));
  return 0;
}
`;

test('--chroot DIR --pivot-root=auto-ro: the handler sees only DIR, read-only', { skip: !ROOT }, async () => {
  const { base, src } = tempSrcDst('clsync-priv-');
  writeFileSync(join(src, 'f'), 'x');
  const jail = join(base.path, 'jail');
  mkdirSync(jail);
  writeFileSync(join(base.path, 'probe.c'), ROOT_PROBE_C);
  execFileSync('cc', ['-static', '-O1', '-o', join(jail, 'probe'), join(base.path, 'probe.c')]);
  writeFileSync(join(jail, 'marker'), 'inside\n');
  for (const split of [[], ['--splitting=process', '-C', 'CAP_DAC_READ_SEARCH']]) {
    const run = startClsync([`-W${src}`, '-w0', '-t0', '-T0', '-Mdirect', '-S/probe', '--chroot', jail, '--pivot-root=auto-ro', ...split, '--', '%INCLUDE-LIST%']);
    try {
      assert.ok(await waitFor(() => run.stdout().includes('root-write:'), 10_000), run.output());
      assert.match(run.stdout(), /^root-entries: (marker probe|probe marker)$/m, run.output());
      assert.match(run.stdout(), /^root-write: Read-only file system$/m, run.output());
    } finally {
      await stop(run);
    }
  }
  assert.equal(existsSync(join(jail, 'written')), false);
  base.remove();
});

test('--forbid-devices: the handler cannot open a device node made with mknod, but can use /dev/null', { skip: !ROOT }, async () => {
  const { base, src } = tempSrcDst('clsync-priv-');
  writeFileSync(join(src, 'f'), 'x');
  const disk = join(base.path, 'fake-sda');
  execFileSync('mknod', [disk, 'b', '7', '0']); // /dev/loop0's numbers: a block device like /dev/sda
  const zero = join(base.path, 'fake-zero');
  execFileSync('mknod', [zero, 'c', '1', '5']);
  const probe = `for d in ${disk} ${zero}; do if (exec 3<"$d") 2>/dev/null; then echo "dev-open $d"; else echo "dev-denied $d"; fi; done; ` +
    `if echo x > /dev/null; then echo null-ok; fi; echo probe-done`;
  try {
    for (const [extra, want] of [
      [['--forbid-devices'], 'dev-denied'],
      [['--forbid-devices', '--splitting=process', '-C', 'CAP_DAC_READ_SEARCH'], 'dev-denied'],
      [[], 'dev-open'],
    ] as const) {
      const run = startClsync([`-W${src}`, '-w0', '-t0', '-T0', ...extra, ...idHandler(probe)]);
      try {
        assert.ok(await waitFor(() => run.stdout().includes('probe-done'), 10_000), run.output());
        // loop0 may not exist as a device here: without the option opening it can fail for that reason only
        assert.match(run.stdout(), new RegExp(`^${want} ${zero}$`, 'm'), `${extra.join(' ')}: ${run.output()}`);
        if (want === 'dev-denied') assert.match(run.stdout(), new RegExp(`^dev-denied ${disk}$`, 'm'), run.output());
        assert.match(run.stdout(), /^null-ok$/m, run.output());
      } finally {
        await stop(run);
      }
    }
  } finally {
    base.remove();
  }
});

test('the seed\'s owner fixer (-Mdirect -Schown) works with --uid 0 --gid 0 and with --uid nobody', { skip: !ROOT }, async () => {
  const www = 33;
  for (const ids of [['--uid', '0', '--gid', '0'], ['--uid', 'nobody', '--gid', 'nogroup']]) {
    const { base, src } = tempSrcDst('clsync-priv-');
    writeFileSync(join(src, 'index.html'), 'hi\n');
    const run = startClsync(['-w1', '-t1', '-T1', '-x1', `-W${src}`, '-Mdirect', '-Schown', ...ids,
      '--modification-signature', 'uid,gid', '--', '--from=root', 'www-data:www-data', '%INCLUDE-LIST%']);
    try {
      const owned = (p: string): boolean => statSync(p).uid === www && statSync(p).gid === www;
      assert.ok(await waitFor(() => owned(join(src, 'index.html')), 10_000), run.output());
      mkdirSync(join(src, 'uploads'));
      writeFileSync(join(src, 'uploads', 'a.png'), 'png');
      assert.ok(await waitFor(() => owned(join(src, 'uploads', 'a.png')) && owned(join(src, 'uploads')), 10_000), `${ids.join(' ')}: ${run.output()}`);
      // a file that belongs to another user is left as it is (--from=root)
      writeFileSync(join(src, 'theirs'), 'x');
      chownSync(join(src, 'theirs'), 1000, 1000);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(statSync(join(src, 'theirs')).uid, 1000);
      assert.equal(run.child.exitCode, null, run.output());
    } finally {
      await stop(run);
      base.remove();
    }
  }
});

test('refusals name the option: splitting-only rights without splitting, and a start that is not root', () => {
  // the combinations are checked before anything starts (test/security/plan.test.ts has every one)
  const { base, src, dst } = tempSrcDst('clsync-priv-');
  try {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../../bin/clsync.js', import.meta.url)), ...mirrorArgs(src, dst), '--seccomp-filter'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--seccomp-filter: needs --splitting=process/);
  } finally {
    base.remove();
  }
});

test('--detach-ipc=1 and --detach-miscellanea: the daemon and its handler in IPC (and UTS) namespaces of their own', { skip: !ROOT }, async () => {
  const { base, src } = tempSrcDst('clsync-priv-');
  writeFileSync(join(src, 'f'), 'x');
  const own = (kind: string): string => readlinkSync(`/proc/self/ns/${kind}`);
  try {
    for (const [extra, kinds] of [
      [['--detach-ipc=1'], ['ipc']],
      [['--detach-miscellanea'], ['ipc', 'uts']],
    ] as const) {
      const run = startClsync([`-W${src}`, '-w0', '-t0', '-T0', ...extra, ...idHandler('echo "handler-ns $(readlink /proc/self/ns/ipc) $(readlink /proc/self/ns/uts)"')]);
      try {
        assert.ok(await waitFor(() => run.stdout().includes('handler-ns'), 10_000), run.output());
        const [ipc, uts] = /^handler-ns (\S+) (\S+)$/m.exec(run.stdout())!.slice(1);
        for (const kind of ['ipc', 'uts'] as const) {
          const daemonNs = readlinkSync(`/proc/${run.child.pid}/ns/${kind}`);
          const detached = (kinds as readonly string[]).includes(kind);
          assert.equal(daemonNs !== own(kind), detached, `${extra.join(' ')}: the daemon's ${kind} namespace`);
          assert.equal(kind === 'ipc' ? ipc : uts, daemonNs, `${extra.join(' ')}: the handler shares the daemon's ${kind} namespace`);
        }
      } finally {
        await stop(run);
      }
    }
  } finally {
    base.remove();
  }
});
