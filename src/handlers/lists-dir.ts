import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPrivateDir, createExclusive, randomPart } from '../safe-files.js';

/** Longest label part of a list file's name: names stay well below NAME_MAX (255). */
const LABEL_IN_NAME_MAX = 64;

/**
 * Where list files are written (`-L/--lists-dir`, else a private temporary
 * directory). List files name every changed path, so the directory must be
 * the daemon's own and closed to others (the C clsync requires the latter
 * of `-L`). Each file is new (O_EXCL, never through a symlink), mode 0600,
 * with a random part in its name, so nobody can plant a name ahead.
 */
export class ListsDir {
  private readonly dir: string;
  private readonly own: boolean;
  private seq = 0;

  constructor(listsDir: string | undefined, private readonly keep: boolean) {
    if (listsDir) {
      mkdirSync(listsDir, { recursive: true, mode: 0o700 });
      this.dir = checkPrivateDir(listsDir, '--lists-dir');
      this.own = false;
    } else {
      this.dir = mkdtempSync(join(tmpdir(), 'clsync-lists-'));
      this.own = true;
      // an end by process.exit() (an error at start, a second TERM) never reaches close(): the directory goes anyway
      process.once('exit', this.removeOwn);
    }
  }

  /** Write a list file and return its path plus a function that unlinks it (unless -U). */
  write(label: string, kind: 'include' | 'exclude', iteration: number, content: Buffer): { path: string; done: () => void } {
    const name = `${labelInName(label)}.${process.pid}.${iteration}.${this.seq++}.${randomPart()}.${kind}`;
    const path = join(this.dir, name);
    createExclusive(path, content, 0o600);
    return { path, done: () => (this.keep ? undefined : rmSync(path, { force: true })) };
  }

  /** Remove our private directory at exit (a user's -L directory stays). */
  close(): void {
    process.off('exit', this.removeOwn);
    this.removeOwn();
  }

  private readonly removeOwn = (): void => {
    if (this.own && !this.keep) rmSync(this.dir, { recursive: true, force: true });
  };
}

/** The label as part of a file name: no '/', no control or non-ASCII bytes, bounded length. */
function labelInName(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, LABEL_IN_NAME_MAX) || '_';
}
