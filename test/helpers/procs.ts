/**
 * Looking at processes through /proc: which ones are left, and which are in
 * a process group. Used by the tests that kill the daemon hard.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One live (not zombie) process: its pid, process group and command line. */
export interface ProcInfo {
  pid: number;
  pgid: number;
  cmdline: string;
}

/** Every live process of the machine (zombies are dead already: they only wait to be reaped). */
export function liveProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(name), pgid: Number(fields[2]), cmdline });
    } catch {
      // it ended while we looked
    }
  }
  return out;
}
