/**
 * Helpers for the fault tests: tmpfs mounts the test owns (always unmounted),
 * inotify sysctls set for the length of a test, handler wrapper scripts, and
 * a way to wait for a line in the daemon's log. Needs root.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClsyncRun } from './clsync.js';
export { countWatchesInUse, withInotifySysctl } from './inotify-sysctl.js';
import { diffTrees, waitFor } from './tree.js';

/** A tmpfs mounted by the test; `remount` changes its options (`ro`, `rw`, `size=8m`). */
export interface Tmpfs {
  path: string;
  remount(options: string): void;
  unmount(): void;
}

/** Mount a fresh tmpfs on `path` (created if missing). Call `unmount` in a `finally`. */
export function mountTmpfs(path: string, options = 'size=16m'): Tmpfs {
  mkdirSync(path, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path]);
  let mounted = true;
  return {
    path,
    remount: (opts) => execFileSync('mount', ['-o', `remount,${opts}`, path]),
    unmount: () => {
      if (!mounted) return;
      // lazy: an rsync the daemon left behind may still hold a file open on it
      execFileSync('umount', ['-l', path]);
      mounted = false;
    },
  };
}

/**
 * Write an executable `/bin/sh` script that stands in for rsync (`-S`): the
 * `before` shell lines run first (they may `exit`), then it execs the real
 * rsync (see handlerScript for runs started ahead).
 */
export function rsyncWrapper(path: string, before: string): string {
  return handlerScript(path, `${before}\nexec rsync "$@"`);
}

/**
 * Write an executable `/bin/sh` script to use as a sync handler or hook. A
 * run the daemon starts ahead (`--files-from=-`, its list on stdin) waits
 * for its list before `body` runs, so the body runs when the run is used.
 * The daemon's probe of rsync (`CLSYNC_STATUS=probe`, src/rsync/probe.ts)
 * goes straight to rsync: it is no sync, and must not count or fail as one.
 */
export function handlerScript(path: string, body: string): string {
  const probe = `[ "$CLSYNC_STATUS" = probe ] && exec rsync "$@"`;
  const waitForList = `case "$*" in *--files-from=-*) list=$(mktemp); cat > "$list"; exec < "$list"; rm -f "$list";; esac`;
  writeFileSync(path, `#!/bin/sh\n${probe}\n${waitForList}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Wait for `pattern` in the daemon's output; fail with the output otherwise. */
export async function waitForLog(run: ClsyncRun, pattern: RegExp, what: string, timeoutMs = 10_000): Promise<void> {
  const ok = await waitFor(() => pattern.test(run.output()), timeoutMs, 20);
  if (!ok) assert.fail(`${what}: no ${pattern} in the log:\n${run.output().slice(-3000)}`);
}

/** Wait until `dst` equals `src`; fail with the differences and the log otherwise. */
export async function waitConverged(src: string, dst: string, run: ClsyncRun | undefined, what: string, timeoutMs = 10_000): Promise<void> {
  let diffs: string[] = [];
  const ok = await waitFor(() => (diffs = diffTrees(src, dst)).length === 0, timeoutMs, 50);
  if (!ok) {
    assert.fail(`${what}: destination differs:\n${diffs.slice(0, 20).join('\n')}\n--- clsync log:\n${run?.output().slice(-3000) ?? ''}`);
  }
}

/** Stop a daemon that must still be running; it exits 0 on SIGTERM. */
export async function stopClean(run: ClsyncRun): Promise<void> {
  assert.equal(run.child.exitCode, null, `the daemon should still be running:\n${run.output().slice(-3000)}`);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output().slice(-3000));
}

/** Kill a daemon whatever its state (for `finally`). */
export async function killHard(run: ClsyncRun): Promise<void> {
  run.child.kill('SIGKILL');
  await run.exited;
}

/** The daemon's exit code, or 'still running' if it has not exited within `ms`. */
export async function exitedWithin(run: ClsyncRun, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((r) => (timer = setTimeout(() => r('still running'), ms)));
  try {
    return await Promise.race([run.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}
