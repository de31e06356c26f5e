/**
 * Starting a daemon in its own process group and always stopping it: on
 * normal completion, on errors and when the benchmark itself is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Command } from './tools.js';
import { sleep } from './proc.js';

const live = new Set<number>();
let hooked = false;

/** Kills every process group still running (synchronous: usable in 'exit'). */
function killAll(): void {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** A running daemon. */
export class Daemon {
  private exited = false;
  private exitInfo = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      live.delete(this.pid);
    });
  }

  /** Spawns `cmd` as leader of a new process group, output to `logPath`. */
  static start(cmd: Command, logPath: string): Daemon {
    hookExit();
    const fd = fs.openSync(logPath, 'a');
    try {
      const child = spawn(cmd.file, cmd.args, { detached: true, stdio: ['ignore', fd, fd] });
      if (child.pid === undefined) throw new Error(`cannot start ${cmd.file}`);
      live.add(child.pid);
      return new Daemon(child, logPath);
    } finally {
      fs.closeSync(fd);
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Undefined while running, else how it ended. */
  get exitStatus(): string | undefined {
    return this.exited ? this.exitInfo : undefined;
  }

  /** The last lines of its output (for error reports). */
  tail(lines = 15): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when it is gone. */
  async stop(graceMs = 5000): Promise<void> {
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-this.pid, sig);
      } catch {
        // group already empty
      }
    };
    if (!this.exited) {
      signalGroup('SIGTERM');
      for (let waited = 0; !this.exited && waited < graceMs; waited += 50) await sleep(50);
    }
    // Also reaps rsync children a daemon may leave behind.
    signalGroup('SIGKILL');
    for (let waited = 0; !this.exited && waited < 2000; waited += 50) await sleep(50);
    live.delete(this.pid);
  }
}
