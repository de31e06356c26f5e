/**
 * Readings from /proc: CPU time of one process (all its threads, without its
 * children) and its peak resident set.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/PID/stat times (`getconf CLK_TCK`). */
export function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** CPU of one process from /proc/PID/stat, in ms. */
export interface ProcessCpu {
  /** utime + stime of the process itself (every thread, no children). */
  selfMs: number;
  /** cutime + cstime: children (and their descendants) it has waited for. */
  childrenMs: number;
}

/** Reads the CPU times of `pid`; undefined once the process is gone. */
export function readCpu(pid: number): ProcessCpu | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields
  // are counted from after the last ')'. There, index 0 is field 3 (state).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = 1000 / clockTicks();
  return {
    selfMs: (Number(rest[11]) + Number(rest[12])) * ms,
    childrenMs: (Number(rest[13]) + Number(rest[14])) * ms,
  };
}

/** Peak resident set (VmHWM) of `pid` in MiB; undefined once it is gone. */
export function readPeakRssMiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Wall clock in ms with sub-ms precision (comparable with bash's EPOCHREALTIME). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
