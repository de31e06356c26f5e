import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionError } from '../errors.js';

/**
 * Where list files are written (`-L/--lists-dir`, else a private temporary
 * directory). List files name every changed path, so the directory must not
 * be readable by others (the C clsync requires the same of `-L`).
 */
export class ListsDir {
  private readonly dir: string;
  private readonly own: boolean;
  private seq = 0;

  constructor(listsDir: string | undefined, private readonly keep: boolean) {
    if (listsDir) {
      mkdirSync(listsDir, { recursive: true, mode: 0o700 });
      const mode = statSync(listsDir).mode & 0o777;
      if (mode & 0o077) {
        throw new OptionError(`--lists-dir ${listsDir}: is accessible to others (mode ${mode.toString(8)}); chmod 700 it`);
      }
      this.dir = listsDir;
      this.own = false;
    } else {
      this.dir = mkdtempSync(join(tmpdir(), 'clsync-lists-'));
      this.own = true;
    }
  }

  /** Write a list file and return its path plus a function that unlinks it (unless -U). */
  write(label: string, kind: 'include' | 'exclude', iteration: number, content: Buffer): { path: string; done: () => void } {
    const path = join(this.dir, `${label}.${process.pid}.${iteration}.${this.seq++}.${kind}`);
    writeFileSync(path, content, { mode: 0o600 });
    return { path, done: () => (this.keep ? undefined : rmSync(path, { force: true })) };
  }

  /** Remove our private directory at exit (a user's -L directory stays). */
  close(): void {
    if (this.own && !this.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
