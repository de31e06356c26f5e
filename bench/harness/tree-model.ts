/**
 * Generated trees and the in-memory model of them that the churn uses to
 * pick existing files and directories. Directories hold 10 files and up to 10
 * subdirectories, filled breadth-first, so the tree is bushy (depth about
 * log10 of the directory count) like a real root file system or web site.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContentPool, Rng } from './rng.js';

export const FILES_PER_DIR = 10;
export const SUBDIRS_PER_DIR = 10;

/** A directory of the model; its path is its parent's path plus its name. */
interface DirNode {
  parent: number;
  name: string;
}

/** A file of the model. */
interface FileNode {
  dir: number;
  name: string;
}

/** Sizes of generated files: uniform in [0, maxBytes]. */
export interface ContentSpec {
  rng: Rng;
  pool: ContentPool;
  maxBytes: number;
}

/**
 * The source tree as the benchmark knows it. Directory renames only change
 * one node's name, and paths are rebuilt from the parent chain on demand, so
 * renaming a directory with 10k entries below it is O(1) here too.
 */
export class TreeModel {
  private readonly dirs: DirNode[] = [];
  private readonly files: FileNode[] = [];

  constructor(readonly root: string) {
    this.dirs.push({ parent: -1, name: '' });
  }

  get fileCount(): number {
    return this.files.length;
  }

  get dirCount(): number {
    return this.dirs.length;
  }

  /** Absolute path of directory `d`. */
  dirPath(d: number): string {
    const parts: string[] = [];
    for (let i = d; i > 0; i = this.dirs[i].parent) parts.push(this.dirs[i].name);
    parts.push(this.root);
    return parts.reverse().join('/');
  }

  /** Absolute path of file `f`. */
  filePath(f: number): string {
    const file = this.files[f];
    return `${this.dirPath(file.dir)}/${file.name}`;
  }

  /** Creates a new directory on disk and in the model; returns its index. */
  mkdir(parent: number, name: string): number {
    fs.mkdirSync(`${this.dirPath(parent)}/${name}`);
    this.dirs.push({ parent, name });
    return this.dirs.length - 1;
  }

  /** Creates a new file on disk and in the model. */
  createFile(dir: number, name: string, content: ContentSpec): void {
    const size = content.maxBytes > 0 ? content.rng.int(content.maxBytes + 1) : 0;
    fs.writeFileSync(`${this.dirPath(dir)}/${name}`, content.pool.slice(content.rng, size));
    this.files.push({ dir, name });
  }

  /**
   * Fills directory `top` breadth-first with `files` files (10 per
   * directory, up to 10 subdirectories each). Returns operations done
   * (files created + directories made).
   */
  fill(top: number, files: number, content: ContentSpec, prefix = ''): number {
    const dirsNeeded = Math.ceil(files / FILES_PER_DIR);
    const queue = [top];
    let ops = 0;
    let made = 1;
    for (let q = 0; q < queue.length && files > 0; q++) {
      const d = queue[q];
      for (let f = 0; f < FILES_PER_DIR && files > 0; f++, files--, ops++) this.createFile(d, `${prefix}f${f}`, content);
      for (let s = 0; s < SUBDIRS_PER_DIR && made < dirsNeeded; s++, made++, ops++) {
        queue.push(this.mkdir(d, `${prefix}d${s}`));
      }
    }
    return ops;
  }

  /** A random existing file, or -1 if there is none. */
  randomFile(rng: Rng): number {
    return this.files.length ? rng.int(this.files.length) : -1;
  }

  /** A random existing directory other than the root (-1 if only the root). */
  randomSubdir(rng: Rng): number {
    return this.dirs.length > 1 ? 1 + rng.int(this.dirs.length - 1) : -1;
  }

  /** A random existing directory, the root included. */
  randomDir(rng: Rng): number {
    return rng.int(this.dirs.length);
  }

  /** Appends bytes to file `f`. */
  append(f: number, data: Buffer): void {
    fs.appendFileSync(this.filePath(f), data);
  }

  /** Deletes file `f` (the last file takes its index). */
  unlink(f: number): void {
    fs.unlinkSync(this.filePath(f));
    const last = this.files.pop() as FileNode;
    if (f < this.files.length) this.files[f] = last;
  }

  /** Moves file `f` into directory `dir` under a new name. */
  renameFile(f: number, dir: number, name: string): void {
    const to = `${this.dirPath(dir)}/${name}`;
    fs.renameSync(this.filePath(f), to);
    this.files[f] = { dir, name };
  }

  /** Renames directory `d` within its parent. */
  renameDir(d: number, name: string): void {
    const from = this.dirPath(d);
    fs.renameSync(from, path.join(path.dirname(from), name));
    this.dirs[d].name = name;
  }
}
