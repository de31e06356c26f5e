/**
 * The seeded generator: from a seed alone, a list of valid file-system
 * operations (see ops.ts). It keeps a model of what exists under both roots
 * so every operation makes sense when applied in order (a shrunk log may
 * drop some; then the replay tolerates failures).
 *
 * Composite activities (editor save, file replaced by a directory, deep
 * nesting, …) are emitted as several primitive operations so the shrinker can
 * cut inside them.
 */
import { Prng } from './prng.js';
import { NAME_CLASSES, NAME_MAX, nameOfClass, type NameClass } from './names.js';
import type { Loc, Op, Place } from './ops.js';
import { CANARY_FILES, CANARY_TRAP_DIR, CANARY_TRAP_NAMES } from './canary.js';

type Kind = 'file' | 'dir' | 'symlink';

interface Node {
  kind: Kind;
  /** files only: which inode (hard links share it) */
  ino: number;
  /** written through while its inode had other names: never removed (see `removable`) */
  pinned?: boolean;
  /** a symlink to `/`: never renamed, exchanged or pointed at (see `rootLink`) */
  fixed?: boolean;
}

/** Kinds of activity; each can be switched off (e.g. to run the fuzzer without a class of known failures). */
export const ACTIVITIES = {
  create: 14,
  overwrite: 8,
  append: 6,
  truncate: 4,
  chmod: 4,
  mkdir: 8,
  mkdirp: 3,
  renameFile: 6,
  renameDir: 5,
  renameDirThenWrite: 3,
  moveOut: 3,
  moveIn: 3,
  outside: 4,
  unlink: 5,
  rmtree: 3,
  symlink: 4,
  retarget: 2,
  hardlink: 3,
  fileToDir: 2,
  dirToFile: 2,
  editorSave: 4,
  samesize: 2,
  deep: 1,
  sleep: 8,
  // the hostile writer (issue 8)
  exchange: 3,
  swapSymlink: 3,
  rootLink: 1,
  raceRename: 1,
  linkBurst: 2,
  plantList: 1,
} as const;

export type Activity = keyof typeof ACTIVITIES;

/** Generator options. */
export interface GeneratorOptions {
  /** number of activities (each one or a few ops; sleeps count) */
  activities: number;
  /** activities not to generate */
  without?: readonly Activity[];
  /** only plain names (no odd-name classes) */
  plainNames?: boolean;
}

/** Keep absolute paths well under PATH_MAX (4096) including the roots and rsync's temp names. */
const MAX_LOC = 3300;

const FILE_MODES = [0o644, 0o600, 0o755, 0o444, 0o640, 0o700];
const DIR_MODES = [0o755, 0o700, 0o750, 0o775, 0o711];

/** The model of what exists. Directories' children are found by prefix (a seed has at most a few hundred objects). */
class Model {
  readonly nodes = new Map<Loc, Node>([
    ['T', { kind: 'dir', ino: 0 }],
    ['O', { kind: 'dir', ino: 0 }],
  ]);
  private nextIno = 1;

  newIno(): number {
    return this.nextIno++;
  }

  has(loc: Loc): boolean {
    return this.nodes.has(loc);
  }

  kind(loc: Loc): Kind | undefined {
    return this.nodes.get(loc)?.kind;
  }

  /** Every location of a kind under a root ('T' or 'O'), the root itself excluded. */
  all(root: 'T' | 'O', kind?: Kind): Loc[] {
    const out: Loc[] = [];
    for (const [loc, node] of this.nodes) {
      if (loc[0] === root && loc.length > 1 && (!kind || node.kind === kind)) out.push(loc);
    }
    return out;
  }

  dirs(root: 'T' | 'O'): Loc[] {
    return [root, ...this.all(root, 'dir')];
  }

  /** The location and every location below it. */
  subtree(loc: Loc): Loc[] {
    const prefix = loc + '/';
    const out: Loc[] = [];
    for (const key of this.nodes.keys()) if (key === loc || key.startsWith(prefix)) out.push(key);
    return out;
  }

  remove(loc: Loc): void {
    for (const key of this.subtree(loc)) this.nodes.delete(key);
  }

  move(from: Loc, to: Loc): void {
    const keys = this.subtree(from);
    const moved: Array<[Loc, Node]> = keys.map((k) => [to + k.slice(from.length), this.nodes.get(k)!]);
    if (this.has(to)) this.remove(to);
    for (const k of keys) this.nodes.delete(k);
    for (const [k, n] of moved) this.nodes.set(k, n);
  }

  /** renameat2(RENAME_EXCHANGE): the two subtrees swap places. */
  exchange(a: Loc, b: Loc): void {
    const aside = '\0';
    this.move(a, aside);
    this.move(b, a);
    this.move(aside, b);
  }

  /** Longest location in the subtree, if `from` were renamed to `to`. */
  longestAfterMove(from: Loc, to: Loc): number {
    let max = 0;
    for (const k of this.subtree(from)) max = Math.max(max, k.length - from.length + to.length);
    return max;
  }
}

function parentOf(loc: Loc): Loc {
  return loc.slice(0, loc.lastIndexOf('/'));
}

function baseOf(loc: Loc): string {
  return loc.slice(loc.lastIndexOf('/') + 1);
}

/** A generator run: the PRNG, the model and the ops emitted so far. */
class Generation {
  readonly ops: Op[] = [];
  readonly model = new Model();

  constructor(
    readonly rng: Prng,
    private readonly plainNames: boolean,
    readonly seed: number,
  ) {}

  /** A symlink at `loc` pointing out of the tree (see Place). */
  outlink(place: Place, sub: string, loc: Loc): void {
    this.emit({ op: 'outlink', place, sub, p: loc });
    this.model.nodes.set(loc, { kind: 'symlink', ino: 0 });
  }

  emit(op: Op): void {
    this.ops.push(op);
    if (op.op === 'write' || op.op === 'append' || op.op === 'truncate' || op.op === 'samesize') this.writtenThrough(op.p);
  }

  /**
   * inotify reports a write under the name it was made through only. A
   * name of a hard-linked file that is written through and then removed
   * or replaced before the daemon looks (`ln v w; echo >> w; rm w`)
   * changes `v` with no event for `v` at all: a blind spot of every
   * inotify-based tool, documented in docs/correctness.md ("Known
   * limitations"). Such names are pinned, and activities that remove or
   * replace names leave pinned ones alone; renames are still generated.
   */
  private writtenThrough(loc: Loc): void {
    const node = this.model.nodes.get(loc);
    if (!node || node.kind !== 'file') return;
    let names = 0;
    for (const other of this.model.nodes.values()) if (other.kind === 'file' && other.ino === node.ino) names++;
    if (names > 1) node.pinned = true;
  }

  /** Whether `loc` may be renamed or exchanged on its own, or be a symlink's target (not a symlink to `/`). */
  movable(loc: Loc): boolean {
    return !this.model.nodes.get(loc)?.fixed;
  }

  /** Whether `loc` (with everything below it) may be removed or replaced: nothing pinned in it. */
  removable(loc: Loc): boolean {
    for (const key of this.model.subtree(loc)) if (this.model.nodes.get(key)!.pinned) return false;
    return true;
  }

  nameClass(): NameClass {
    if (this.plainNames || this.rng.chance(0.55)) return 'plain';
    return this.rng.pick(NAME_CLASSES);
  }

  /** A fresh name in `dir` (a location that does not exist yet), or null when the path would be too long. */
  freshLoc(dir: Loc, cls: NameClass = this.nameClass()): Loc | null {
    const room = MAX_LOC - dir.length - 1;
    if (room < 8) return null;
    for (let attempt = 0; attempt < 20; attempt++) {
      const name = nameOfClass(this.rng, cls, Math.min(NAME_MAX, room));
      const loc = dir + '/' + name;
      if (!this.model.has(loc)) return loc;
      cls = 'plain';
    }
    return null;
  }

  pickOr<T>(items: T[]): T | null {
    return items.length === 0 ? null : this.rng.pick(items);
  }

  size(): number {
    const r = this.rng.next();
    if (r < 0.6) return this.rng.int(0, 100);
    if (r < 0.92) return this.rng.int(100, 5000);
    return this.rng.int(5000, 200_000);
  }

  fill(): number {
    return this.rng.int(0x21, 0x7e);
  }

  writeNew(loc: Loc): void {
    this.emit({ op: 'write', p: loc, size: this.size(), fill: this.fill() });
    this.model.nodes.set(loc, { kind: 'file', ino: this.model.newIno() });
  }

  mkdir(loc: Loc): void {
    this.emit({ op: 'mkdir', p: loc });
    this.model.nodes.set(loc, { kind: 'dir', ino: 0 });
  }

  /** Rename with the model updated; `to` must not exist (or be a non-directory replaced by a non-directory). */
  rename(from: Loc, to: Loc): void {
    this.emit({ op: 'rename', from, to });
    this.model.move(from, to);
  }

  /** A directory `to` may be renamed into without leaving PATH_MAX or entering `from` itself. */
  canMoveInto(from: Loc, toDir: Loc, to: Loc): boolean {
    if (toDir === from || toDir.startsWith(from + '/')) return false;
    return this.model.longestAfterMove(from, to) <= MAX_LOC;
  }
}

type Step = (g: Generation) => boolean;

/** Each activity: emits its op(s) and returns true, or returns false when nothing fits the current model. */
const STEPS: Record<Activity, Step> = {
  create(g) {
    const loc = g.freshLoc(g.rng.pick(g.model.dirs('T')));
    if (!loc) return false;
    g.writeNew(loc);
    return true;
  },
  overwrite(g) {
    const f = g.pickOr(g.model.all('T', 'file'));
    if (!f) return false;
    g.emit({ op: 'write', p: f, size: g.size(), fill: g.fill() });
    return true;
  },
  append(g) {
    const f = g.pickOr(g.model.all('T', 'file'));
    if (!f) return false;
    g.emit({ op: 'append', p: f, size: g.rng.int(1, 3000), fill: g.fill() });
    return true;
  },
  truncate(g) {
    const f = g.pickOr(g.model.all('T', 'file'));
    if (!f) return false;
    g.emit({ op: 'truncate', p: f, size: g.rng.pick([0, g.rng.int(1, 50), g.rng.int(50, 10_000)]) });
    return true;
  },
  chmod(g) {
    const loc = g.pickOr([...g.model.all('T', 'file'), ...g.model.all('T', 'dir')]);
    if (!loc) return false;
    const isDir = g.model.kind(loc) === 'dir';
    g.emit({ op: 'chmod', p: loc, mode: g.rng.pick(isDir ? DIR_MODES : FILE_MODES) });
    return true;
  },
  mkdir(g) {
    const loc = g.freshLoc(g.rng.pick(g.model.dirs('T')));
    if (!loc) return false;
    g.mkdir(loc);
    if (g.rng.chance(0.5)) {
      const inner = g.freshLoc(loc);
      if (inner) g.writeNew(inner);
    }
    return true;
  },
  mkdirp(g) {
    // mkdir -p a/b/c && touch a/b/c/f: the tree grows faster than watches can be added
    let dir = g.rng.pick(g.model.dirs('T'));
    const depth = g.rng.int(2, 5);
    for (let i = 0; i < depth; i++) {
      const loc = g.freshLoc(dir, 'plain');
      if (!loc) break;
      g.mkdir(loc);
      dir = loc;
    }
    const f = g.freshLoc(dir);
    if (f) g.writeNew(f);
    return dir !== 'T';
  },
  renameFile(g) {
    const from = g.pickOr([...g.model.all('T', 'file'), ...g.model.all('T', 'symlink')].filter((l) => g.movable(l)));
    if (!from) return false;
    const to = g.freshLoc(g.rng.chance(0.5) ? parentOf(from) : g.rng.pick(g.model.dirs('T')));
    if (!to) return false;
    g.rename(from, to);
    return true;
  },
  renameDir(g) {
    const from = g.pickOr(g.model.all('T', 'dir'));
    if (!from) return false;
    const toDir = g.rng.chance(0.5) ? parentOf(from) : g.rng.pick(g.model.dirs('T'));
    const to = g.freshLoc(toDir);
    if (!to || !g.canMoveInto(from, toDir, to)) return false;
    g.rename(from, to);
    return true;
  },
  renameDirThenWrite(g) {
    // events for paths whose parent was just renamed
    const from = g.pickOr(g.model.all('T', 'dir'));
    if (!from) return false;
    const to = g.freshLoc(parentOf(from));
    if (!to || !g.canMoveInto(from, parentOf(from), to)) return false;
    g.rename(from, to);
    const inner = g.freshLoc(to);
    if (inner) g.writeNew(inner);
    const existing = g.model.all('T', 'file').filter((f) => f.startsWith(to + '/'));
    const f = g.pickOr(existing);
    if (f) g.emit({ op: 'append', p: f, size: g.rng.int(1, 100), fill: g.fill() });
    return true;
  },
  moveOut(g) {
    const from = g.pickOr(g.model.all('T').filter((loc) => g.removable(loc) && g.movable(loc)));
    if (!from) return false;
    const toDir = g.rng.pick(g.model.dirs('O'));
    const to = g.freshLoc(toDir);
    if (!to || !g.canMoveInto(from, toDir, to)) return false;
    g.rename(from, to);
    // activity in the moved-out tree must not come back
    if (g.model.kind(to) === 'dir' && g.rng.chance(0.5)) {
      const ghost = g.freshLoc(to, 'plain');
      if (ghost) g.writeNew(ghost);
    }
    return true;
  },
  moveIn(g) {
    const from = g.pickOr(g.model.all('O'));
    if (!from) return false;
    const toDir = g.rng.pick(g.model.dirs('T'));
    const to = g.freshLoc(toDir);
    if (!to || !g.canMoveInto(from, toDir, to)) return false;
    g.rename(from, to);
    if (g.model.kind(to) === 'dir' && g.rng.chance(0.5)) {
      const later = g.freshLoc(to);
      if (later) g.writeNew(later);
    }
    return true;
  },
  outside(g) {
    // build something outside to move in later
    const dir = g.rng.pick(g.model.dirs('O'));
    const loc = g.freshLoc(dir);
    if (!loc) return false;
    if (g.rng.chance(0.5)) {
      g.mkdir(loc);
      const inner = g.freshLoc(loc);
      if (inner) g.writeNew(inner);
    } else {
      g.writeNew(loc);
    }
    return true;
  },
  unlink(g) {
    const loc = g.pickOr([...g.model.all('T', 'file'), ...g.model.all('T', 'symlink')].filter((l) => g.removable(l)));
    if (!loc) return false;
    g.emit({ op: 'unlink', p: loc });
    g.model.remove(loc);
    return true;
  },
  rmtree(g) {
    const loc = g.pickOr(g.model.all('T', 'dir').filter((l) => g.removable(l)));
    if (!loc) return false;
    g.emit({ op: 'rmtree', p: loc });
    g.model.remove(loc);
    return true;
  },
  symlink(g) {
    const loc = g.freshLoc(g.rng.pick(g.model.dirs('T')));
    if (!loc) return false;
    const existing = g.pickOr(g.model.all('T').filter((l) => g.movable(l)));
    const target = g.rng.pick([
      existing ? relativeTarget(loc, existing) : 'nowhere', // resolvable (or dangling later)
      'dangling-' + g.rng.int(0, 99),
      '/nonexistent/abs',
      '../../outside/of/tree',
      baseOf(loc), // a link to itself
      nameOfClass(g.rng, g.nameClass()),
    ]);
    g.emit({ op: 'symlink', target, p: loc });
    g.model.nodes.set(loc, { kind: 'symlink', ino: 0 });
    return true;
  },
  retarget(g) {
    // ln -sfn: a new link renamed over the old one (atomic retarget)
    const link = g.pickOr(g.model.all('T', 'symlink').filter((l) => g.movable(l)));
    if (!link) return false;
    const tmp = g.freshLoc(parentOf(link), 'plain');
    if (!tmp) return false;
    g.emit({ op: 'symlink', target: 'retargeted-' + g.rng.int(0, 999), p: tmp });
    g.model.nodes.set(tmp, { kind: 'symlink', ino: 0 });
    g.rename(tmp, link);
    return true;
  },
  hardlink(g) {
    const from = g.pickOr(g.model.all('T', 'file'));
    if (!from) return false;
    const loc = g.freshLoc(g.rng.chance(0.5) ? parentOf(from) : g.rng.pick(g.model.dirs('T')));
    if (!loc) return false;
    g.emit({ op: 'link', from, p: loc });
    g.model.nodes.set(loc, { kind: 'file', ino: g.model.nodes.get(from)!.ino });
    if (g.rng.chance(0.4)) g.emit({ op: 'append', p: loc, size: g.rng.int(1, 100), fill: g.fill() });
    return true;
  },
  fileToDir(g) {
    const loc = g.pickOr(g.model.all('T', 'file').filter((l) => g.removable(l)));
    if (!loc) return false;
    g.emit({ op: 'unlink', p: loc });
    g.model.remove(loc);
    g.mkdir(loc);
    const inner = g.freshLoc(loc);
    if (inner) g.writeNew(inner);
    return true;
  },
  dirToFile(g) {
    const loc = g.pickOr(g.model.all('T', 'dir').filter((l) => g.removable(l)));
    if (!loc) return false;
    g.emit({ op: 'rmtree', p: loc });
    g.model.remove(loc);
    g.writeNew(loc);
    return true;
  },
  editorSave(g) {
    // vim/emacs style: write a temp file, (keep a backup,) rename the temp file over the original
    const file = g.pickOr(g.model.all('T', 'file').filter((l) => g.removable(l)));
    if (!file) return false;
    const dir = parentOf(file);
    const tmp = g.freshLoc(dir, 'plain');
    if (!tmp) return false;
    g.writeNew(tmp);
    if (g.rng.chance(0.3)) {
      const backup = g.freshLoc(dir, 'plain');
      if (backup) g.rename(file, backup);
    }
    g.rename(tmp, file);
    return true;
  },
  samesize(g) {
    const f = g.pickOr(g.model.all('T', 'file'));
    if (!f) return false;
    // make sure there is content to rewrite, synced first, then the sneaky rewrite
    g.emit({ op: 'write', p: f, size: g.rng.int(1, 200), fill: g.fill() });
    g.emit({ op: 'sleep', ms: 300 });
    g.emit({ op: 'samesize', p: f, fill: g.fill() });
    return true;
  },
  deep(g) {
    let dir = g.rng.pick(g.model.dirs('T'));
    const depth = g.rng.int(20, 60);
    for (let i = 0; i < depth; i++) {
      const loc = g.freshLoc(dir, 'plain');
      if (!loc || loc.length > MAX_LOC - 300) break;
      g.mkdir(loc);
      dir = loc;
    }
    const f = g.freshLoc(dir);
    if (f) g.writeNew(f);
    return true;
  },
  sleep(g) {
    g.emit({ op: 'sleep', ms: g.rng.int(0, 20) });
    return true;
  },
  exchange(g) {
    // renameat2(RENAME_EXCHANGE): files, directories, symlinks, in any pairing
    const candidates = g.model.all('T').filter((l) => g.movable(l) && g.removable(l));
    const a = g.pickOr(candidates);
    if (!a) return false;
    const b = g.pickOr(candidates.filter((l) => l !== a && !l.startsWith(a + '/') && !a.startsWith(l + '/')));
    if (!b) return false;
    if (g.model.longestAfterMove(a, b) > MAX_LOC || g.model.longestAfterMove(b, a) > MAX_LOC) return false;
    g.emit({ op: 'exchange', a, b });
    g.model.exchange(a, b);
    return true;
  },
  swapSymlink(g) {
    // a directory replaced by a symlink out of the tree (the canary, the destination's parent), and often back
    const dir = g.pickOr(g.model.all('T', 'dir').filter((l) => g.removable(l)));
    if (!dir) return false;
    const aside = g.freshLoc(parentOf(dir), 'plain');
    if (!aside) return false;
    g.rename(dir, aside);
    const place: Place = g.rng.pick(['C', 'C', 'P']);
    const sub = place === 'C' ? g.rng.pick(['', CANARY_TRAP_DIR, 'sub']) : '';
    g.outlink(place, sub, dir);
    if (g.rng.chance(0.6)) {
      g.emit({ op: 'sleep', ms: g.rng.int(0, 60) });
      g.emit({ op: 'unlink', p: dir });
      g.model.remove(dir);
      g.rename(aside, dir);
    }
    return true;
  },
  rootLink(g) {
    // A symlink to /, under a name the generator never gives anything else (upper case), and never
    // renamed, exchanged or pointed at: no directory ever stands at its path, so no change below it
    // can reach the destination's copy of it and through it a system directory, whatever the daemon does.
    const dir = g.rng.pick(g.model.dirs('T'));
    const loc = `${dir}/ROOTLINK${g.rng.int(0, 9)}`;
    if (g.model.has(loc) || loc.length > MAX_LOC) return false;
    g.outlink('/', g.rng.pick(['', 'tmp', 'etc']), loc);
    g.model.nodes.get(loc)!.fixed = true;
    return true;
  },
  raceRename(g) {
    // A directory's subdirectory renamed just after the directory was a symlink to the canary at the
    // destination: a rename replayed there goes through the symlink unless it is opened safely. The
    // subdirectories are named as the canary's, so such a rename would move one of the canary's.
    const parent = g.rng.pick(g.model.dirs('T'));
    const dir = g.freshLoc(parent, 'plain');
    if (!dir || dir.length > MAX_LOC - 300) return false;
    g.mkdir(dir);
    const subs = CANARY_TRAP_NAMES.slice(0, g.rng.int(1, CANARY_TRAP_NAMES.length));
    for (const name of subs) {
      g.mkdir(`${dir}/${name}`);
      const f = g.freshLoc(`${dir}/${name}`, 'plain');
      if (f) g.writeNew(f);
    }
    g.emit({ op: 'sleep', ms: g.rng.int(40, 100) });
    const aside = g.freshLoc(parent, 'plain');
    if (!aside) return true;
    g.rename(dir, aside);
    g.outlink('C', CANARY_TRAP_DIR, dir);
    // a rename in the moved directory while the symlink stands in its place
    if (g.rng.chance(0.5)) {
      const to = g.freshLoc(aside, 'plain');
      if (to) g.rename(`${aside}/${subs[0]}`, to);
    }
    g.emit({ op: 'sleep', ms: g.rng.int(20, 100) });
    g.emit({ op: 'unlink', p: dir });
    g.model.remove(dir);
    g.rename(aside, dir);
    for (const name of subs) {
      if (!g.model.has(`${dir}/${name}`)) continue;
      const to = g.freshLoc(dir, 'plain');
      if (to && g.rng.chance(0.7)) g.rename(`${dir}/${name}`, to);
    }
    return true;
  },
  linkBurst(g) {
    // several new names of one file in one batch (some in new directories), then a write through one
    const from = g.pickOr(g.model.all('T', 'file'));
    if (!from) return false;
    const names: Loc[] = [];
    for (let i = g.rng.int(2, 4); i > 0; i--) {
      let dir = g.rng.pick(g.model.dirs('T'));
      if (g.rng.chance(0.3)) {
        const fresh = g.freshLoc(dir, 'plain');
        if (fresh) {
          g.mkdir(fresh);
          dir = fresh;
        }
      }
      const loc = g.freshLoc(dir);
      if (!loc) continue;
      g.emit({ op: 'link', from, p: loc });
      g.model.nodes.set(loc, { kind: 'file', ino: g.model.nodes.get(from)!.ino });
      names.push(loc);
    }
    if (names.length === 0) return false;
    if (g.rng.chance(0.6)) {
      g.emit({ op: 'sleep', ms: g.rng.int(0, 80) });
      g.emit({ op: 'append', p: g.rng.pick([from, ...names]), size: g.rng.int(1, 100), fill: g.fill() });
    }
    return true;
  },
  plantList(g) {
    // a symlink planted in the daemon's lists directory, at a canary file: nothing may be written through it
    const name = g.rng.pick([
      `nolabel.0.${g.rng.int(0, 40)}.${g.rng.int(0, 400)}.${g.rng.pick(['include', 'exclude'])}`,
      `nolabel.${g.rng.int(0, 0xffffff).toString(16)}.${g.seed}.include`,
      `${g.seed}-${g.rng.int(0, 1e9).toString(36)}`,
    ]);
    g.emit({ op: 'outlink', place: 'C', sub: g.rng.pick(CANARY_FILES), p: `L/${name}` });
    return true;
  },
};

/** A symlink target from `link` to `target` (both in the same root), relative. */
function relativeTarget(link: Loc, target: Loc): string {
  const from = parentOf(link).split('/');
  const to = target.split('/');
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  const ups = from.length - common;
  const rest = to.slice(common);
  const parts = [...Array<string>(ups).fill('..'), ...rest];
  return parts.length === 0 ? '.' : parts.join('/');
}

/** The operations of one seed (deterministic). */
export function generateOps(seed: number, options: GeneratorOptions): Op[] {
  const g = new Generation(new Prng(seed), options.plainNames ?? false, seed);
  const weights: Record<string, number> = { ...ACTIVITIES };
  for (const a of options.without ?? []) weights[a] = 0;
  let done = 0;
  let attempts = 0;
  while (done < options.activities && attempts < options.activities * 20) {
    attempts++;
    const activity = g.rng.weighted(weights) as Activity;
    if (STEPS[activity](g)) done++;
  }
  return g.ops;
}

/** Names of the activities, for option parsing. */
export function isActivity(name: string): name is Activity {
  return Object.hasOwn(ACTIVITIES, name);
}
