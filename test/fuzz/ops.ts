/**
 * The file-system operations of the differential harness: plain data (so an
 * operation log can be stored, shrunk and replayed), applied with real
 * syscalls, and printable as a shell script that reproduces them.
 *
 * A location (`Loc`) is a byte string (one char per byte, like `RelPath`)
 * whose first character says which root it is under: `T` the watched tree
 * (the seed's own subdirectory of the watch dir), `O` the outside directory
 * (a sibling of the watch dir, for moves into and out of the tree), `L` the
 * daemon's lists directory (`-L`, where a hostile writer plants symlinks).
 * `T` and `O` alone are the roots themselves; `T/a/b` is `a/b` under the tree.
 *
 * The hostile writer's symlinks point out of the tree (`outlink`): at the
 * canary tree (`C`, hashed around every seed: nothing may change in it), at
 * the destination's parent (`P`), or at `/`.
 */
import { appendFileSync, chmodSync, closeSync, lstatSync, openSync, linkSync, mkdirSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { exchange, EXCHANGE_SHELL } from '../helpers/exchange.js';

/** A location under one of the two roots (see the module comment). */
export type Loc = string;

/** One operation. Sizes are bytes; `fill` is the byte the content is made of. */
export type Op =
  | { op: 'mkdir'; p: Loc }
  | { op: 'write'; p: Loc; size: number; fill: number }
  | { op: 'append'; p: Loc; size: number; fill: number }
  | { op: 'truncate'; p: Loc; size: number }
  | { op: 'chmod'; p: Loc; mode: number }
  | { op: 'rename'; from: Loc; to: Loc }
  | { op: 'unlink'; p: Loc }
  | { op: 'rmtree'; p: Loc }
  | { op: 'symlink'; target: string; p: Loc }
  | { op: 'link'; from: Loc; p: Loc }
  | { op: 'samesize'; p: Loc; fill: number }
  | { op: 'exchange'; a: Loc; b: Loc }
  | { op: 'outlink'; place: Place; sub: string; p: Loc }
  | { op: 'sleep'; ms: number };

/** Where an `outlink` points: the canary tree, the destination's parent, or `/`. */
export type Place = 'C' | 'P' | '/';

/** Where the locations of one run are on disk. */
export interface Roots {
  tree: Buffer;
  outside: Buffer;
  /** a private directory for helper files (the reference file of `samesize`) */
  scratch: Buffer;
  /** the canary tree (outside source and destination) */
  canary: Buffer;
  /** the destination's parent directory */
  destinationParent: Buffer;
  /** the daemon's lists directory */
  lists: Buffer;
}

/** The absolute target of an `outlink`. */
function placeTarget(roots: Roots, place: Place, sub: string): Buffer {
  const base = place === 'C' ? roots.canary : place === 'P' ? roots.destinationParent : Buffer.from('/');
  if (sub === '') return base;
  return Buffer.concat([base, Buffer.from(place === '/' ? sub : '/' + sub, 'latin1')]);
}

/** The on-disk path of a location. */
export function resolveLoc(roots: Roots, loc: Loc): Buffer {
  const base = loc[0] === 'T' ? roots.tree : loc[0] === 'O' ? roots.outside : loc[0] === 'L' ? roots.lists : null;
  if (!base) throw new Error(`bad location ${JSON.stringify(loc)}`);
  if (loc.length === 1) return base;
  return Buffer.concat([base, Buffer.from(loc.slice(1), 'latin1')]);
}

function content(size: number, fill: number): Buffer {
  return Buffer.alloc(size, fill);
}

/**
 * Apply one operation synchronously (sleeps excepted: they return a promise).
 * Throws what the syscall throws; a replay of a shrunk log expects some ops to fail.
 */
export function applyOp(roots: Roots, op: Op): void | Promise<void> {
  const at = (loc: Loc): Buffer => resolveLoc(roots, loc);
  switch (op.op) {
    case 'mkdir':
      mkdirSync(at(op.p));
      return;
    case 'write':
      writeFileSync(at(op.p), content(op.size, op.fill));
      return;
    case 'append':
      appendFileSync(at(op.p), content(op.size, op.fill));
      return;
    case 'truncate':
      truncateSync(at(op.p), op.size);
      return;
    case 'chmod':
      chmodSync(at(op.p), op.mode);
      return;
    case 'rename':
      renameSync(at(op.from), at(op.to));
      return;
    case 'unlink':
      unlinkSync(at(op.p));
      return;
    case 'rmtree':
      rmSync(at(op.p), { recursive: true });
      return;
    case 'symlink':
      symlinkSync(Buffer.from(op.target, 'latin1'), at(op.p));
      return;
    case 'link':
      linkSync(at(op.from), at(op.p));
      return;
    case 'samesize': {
      // New content of the same length, then atime and mtime put back to the
      // nanosecond: touch -r uses utimensat (Node's utimes rounds to µs). The
      // name may not be valid UTF-8, so touch gets the file as an inherited fd.
      const path = at(op.p);
      const ref = Buffer.concat([roots.scratch, Buffer.from('/times-ref')]).toString();
      const size = lstatSync(path).size;
      const fd = openSync(path, 'r');
      try {
        const viaFd = { stdio: ['ignore', 'ignore', 'inherit', fd] as Array<'ignore' | 'inherit' | number> };
        writeFileSync(ref, '');
        execFileSync('touch', ['-r', '/proc/self/fd/3', ref], viaFd);
        writeFileSync(path, content(size, op.fill));
        execFileSync('touch', ['-r', ref, '/proc/self/fd/3'], viaFd);
      } finally {
        closeSync(fd);
      }
      return;
    }
    case 'exchange':
      return exchange(at(op.a), at(op.b));
    case 'outlink':
      // planted in the lists dir again by a shrink trial of the same seed: replace it
      if (op.p[0] === 'L') rmSync(at(op.p), { force: true });
      symlinkSync(placeTarget(roots, op.place, op.sub), at(op.p));
      return;
    case 'sleep':
      return new Promise((resolve) => setTimeout(resolve, op.ms));
  }
}

/** Result of applying a list of operations. */
export interface ApplyResult {
  /** indexes of the operations that threw, with the error code */
  failed: Array<{ index: number; code: string }>;
}

/** Apply operations in order; failures are recorded, not thrown (shrunk logs have invalid steps). */
export async function applyOps(roots: Roots, ops: readonly Op[]): Promise<ApplyResult> {
  const failed: ApplyResult['failed'] = [];
  for (let i = 0; i < ops.length; i++) {
    try {
      const pending = applyOp(roots, ops[i]);
      if (pending) await pending;
    } catch (err) {
      failed.push({ index: i, code: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
  }
  return { failed };
}

// ---- printing ----

/** Bash ANSI-C quoting of a byte string: every byte survives, nothing is expanded. */
export function shellQuote(bytes: string): string {
  let s = "$'";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c === 0x27 || c === 0x5c) s += '\\' + bytes[i];
    else if (c >= 0x20 && c < 0x7f) s += bytes[i];
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return s + "'";
}

/** A location as a shell word using $T (the tree), $O (the outside directory) and $L (the lists dir). */
function shellLoc(loc: Loc): string {
  const root = loc[0] === 'T' ? '"$T"' : loc[0] === 'L' ? '"$L"' : '"$O"';
  return loc.length === 1 ? root : root + shellQuote(loc.slice(1));
}

function fillCommand(size: number, fill: number, redirect: string, target: string): string {
  const ch = shellQuote(String.fromCharCode(fill));
  return `head -c ${size} /dev/zero | tr '\\0' ${ch} ${redirect} ${target}`;
}

/** One operation as a bash command. */
export function opToShell(op: Op): string {
  switch (op.op) {
    case 'mkdir':
      return `mkdir ${shellLoc(op.p)}`;
    case 'write':
      return fillCommand(op.size, op.fill, '>', shellLoc(op.p));
    case 'append':
      return fillCommand(op.size, op.fill, '>>', shellLoc(op.p));
    case 'truncate':
      return `truncate -s ${op.size} ${shellLoc(op.p)}`;
    case 'chmod':
      return `chmod ${op.mode.toString(8)} ${shellLoc(op.p)}`;
    case 'rename':
      return `mv -T ${shellLoc(op.from)} ${shellLoc(op.to)}`;
    case 'unlink':
      return `rm ${shellLoc(op.p)}`;
    case 'rmtree':
      return `rm -r ${shellLoc(op.p)}`;
    case 'symlink':
      return `ln -s ${shellQuote(op.target)} ${shellLoc(op.p)}`;
    case 'link':
      return `ln ${shellLoc(op.from)} ${shellLoc(op.p)}`;
    case 'samesize': {
      const p = shellLoc(op.p);
      const ch = shellQuote(String.fromCharCode(op.fill));
      return `touch -r ${p} "$S/ref"; head -c $(stat -c %s ${p}) /dev/zero | tr '\\0' ${ch} > ${p}; touch -r "$S/ref" ${p}`;
    }
    case 'exchange':
      return `${EXCHANGE_SHELL} ${shellLoc(op.a)} ${shellLoc(op.b)}`;
    case 'outlink': {
      const base = op.place === 'C' ? '"$C"' : op.place === 'P' ? '"$P"' : '/';
      const target = op.sub === '' ? base : op.place === '/' ? base + shellQuote(op.sub) : `${base}/${shellQuote(op.sub)}`;
      return `ln -s${op.p[0] === 'L' ? 'fn' : ''} ${target} ${shellLoc(op.p)}`;
    }
    case 'sleep':
      return `sleep ${(op.ms / 1000).toFixed(3)}`;
  }
}

/**
 * A whole log as a runnable bash script: set T to the tree (inside the
 * watched directory), O to a directory beside it, S to a scratch directory.
 */
export function opsToShellScript(ops: readonly Op[]): string {
  return [
    '# T=<dir inside the watch dir>; O=<dir outside it, same file system>; S=<scratch dir>;',
    '# C=<canary tree>; P=<the destination\'s parent>; L=<the daemon\'s -L lists dir>',
    ...ops.map(opToShell),
  ].join('\n');
}

/** A log as JSON (one op per line) that `parseOps` reads back, for --replay. */
export function opsToJson(ops: readonly Op[]): string {
  return '[\n' + ops.map((o) => '  ' + JSON.stringify(o)).join(',\n') + '\n]';
}

/** Read back `opsToJson` output. */
export function parseOps(text: string): Op[] {
  const ops = JSON.parse(text) as Op[];
  if (!Array.isArray(ops)) throw new Error('an op log is a JSON array');
  return ops;
}
