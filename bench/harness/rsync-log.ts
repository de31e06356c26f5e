/**
 * The rsync wrapper every tool runs instead of rsync (`-S` for the clsyncs,
 * `rsync.binary` for lsyncd). It appends one line when a run starts and one
 * when it ends, with rsync's CPU (user + sys of rsync and the processes it
 * forks and reaps, from bash's `time`): that gives the number of runs, their
 * CPU apart from the daemon's, and the moment the destination last changed.
 */
import * as fs from 'node:fs';

/** One finished rsync run, times in wall-clock ms. */
export interface RsyncRun {
  startMs: number;
  endMs: number;
  cpuMs: number;
  exitCode: number;
  /** a run over the whole tree: no --files-from list, with --delete (our full sync; every run of the peers) */
  wholeTree: boolean;
}

/**
 * Writes the wrapper script. Bash builtins only (EPOCHREALTIME, `time`,
 * printf) so the wrapper adds one fork of its own per run, not several.
 */
export function writeRsyncWrapper(scriptPath: string, logPath: string, rsyncPath: string): void {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = `#!/bin/bash
# Benchmark wrapper around rsync: logs start, end, exit code and CPU per run.
LOG=${q(logPath)}
# A run our daemon starts ahead waits for its list on stdin (--files-from=-): P, not S.
case " $* " in *" --files-from=- "*) K=P;; *) K=S;; esac
# W: a run over the whole tree (no --files-from list, with --delete)
case " $* " in *" --files-from"*) W=0;; *" --delete "*|*" --delete-after "*) W=1;; *) W=0;; esac
printf '%s %s %s %s\\n' "$K" "$EPOCHREALTIME" "$$" "$W" >> "$LOG"
TIMEFORMAT='%3U %3S'
exec 3>&1 4>&2
# 'time' reports to the group's stderr, captured here; rsync keeps the
# caller's stdout/stderr (fds 3 and 4) and its stdin (lsyncd's filter list).
t=$( { time ${q(rsyncPath)} "$@" 1>&3 2>&4 3>&- 4>&- ; } 2>&1 )
rc=$?
printf 'E %s %s %s %s\\n' "$EPOCHREALTIME" "$$" "$rc" "$t" >> "$LOG"
exit $rc
`;
  fs.writeFileSync(scriptPath, script, { mode: 0o755 });
  fs.writeFileSync(logPath, '', { mode: 0o666 });
}

/** Follows the wrapper's log file as it grows. */
export class RsyncLog {
  /** Runs started (including those still running). */
  started = 0;
  /** Finished runs, in order of their end. */
  readonly runs: RsyncRun[] = [];
  /** Wall-clock ms of the latest start or end line seen; 0 before any. */
  lastActivityMs = 0;
  private offset = 0;
  private partial = '';
  private readonly startOf = new Map<string, number>();
  private readonly preparedAt = new Map<string, number>();
  private readonly wholeTreeOf = new Set<string>();

  constructor(private readonly path: string) {}

  /** Runs in flight now. */
  get running(): number {
    return this.started - this.runs.length;
  }

  /** Reads what was appended since the last poll. */
  poll(): void {
    const fd = fs.openSync(this.path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('latin1');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.parse(line);
    } finally {
      fs.closeSync(fd);
    }
  }

  private parse(line: string): void {
    const f = line.split(' ');
    const at = Number(f[1]) * 1000;
    if (f[0] === 'S') {
      this.started++;
      this.startOf.set(f[2], at);
      if (f[3] === '1') this.wholeTreeOf.add(f[2]);
    } else if (f[0] === 'P') {
      // Started ahead, idle until it gets its list: not in flight, and no activity. It counts as a run
      // when it ends; one discarded unused (killed) never ends and never counts.
      this.preparedAt.set(f[2], at);
      return;
    } else if (f[0] === 'E') {
      const prepared = this.preparedAt.get(f[2]);
      if (prepared !== undefined) {
        this.started++;
        this.preparedAt.delete(f[2]);
      }
      const startMs = this.startOf.get(f[2]) ?? prepared ?? at;
      this.startOf.delete(f[2]);
      const wholeTree = this.wholeTreeOf.delete(f[2]);
      this.runs.push({ startMs, endMs: at, exitCode: Number(f[3]), cpuMs: (Number(f[4]) + Number(f[5])) * 1000, wholeTree });
    } else {
      return;
    }
    this.lastActivityMs = Math.max(this.lastActivityMs, at);
  }

  /** Runs that ended at or after `fromMs` (and before `toMs`), with their summed CPU. */
  between(fromMs: number, toMs = Infinity): { runs: number; cpuMs: number; failed: number; wholeTree: number } {
    let runs = 0;
    let cpuMs = 0;
    let failed = 0;
    let wholeTree = 0;
    for (const r of this.runs) {
      if (r.endMs < fromMs || r.endMs >= toMs) continue;
      runs++;
      cpuMs += r.cpuMs;
      if (r.exitCode !== 0 && r.exitCode !== 24) failed++;
      if (r.wholeTree) wholeTree++;
    }
    return { runs, cpuMs, failed, wholeTree };
  }
}
