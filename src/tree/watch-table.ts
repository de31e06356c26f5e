/**
 * The watch table: which directory each inotify watch descriptor stands for.
 *
 * Layout (why): trees reach 100k+ directories, so a node is a slot in a few
 * Int32Arrays (parent, wd, first child, next/previous sibling, child count)
 * plus its leaf name — about 45–60 bytes per directory, against ~280 for a
 * Map<wd, full path> (FACTS.md). A path is rebuilt by walking up the
 * parents; that makes a directory rename O(1) (re-link one node, the
 * descendants' paths follow) at the cost of O(depth) per lookup, which a
 * small cache absorbs because events come in runs from the same directories.
 *
 * Children are a doubly linked list; a directory with more than
 * BIG_DIR_CHILDREN subdirectories also gets a name → node Map so that
 * lookups by name stay O(1) in huge directories.
 */
import type { RelPath } from '../types.js';

/** Index of a directory node in the table. */
export type NodeId = number;

/** No node (lookups that found nothing). */
export const NO_NODE: NodeId = -1;

/** No watch on this node (walked only, excluded from monitoring, or the watch failed). */
export const NO_WD = -1;

const FREE = -2; // parent value of a free slot
/** Above this many children a name index is kept (a list scan of 32 short strings is cheaper than a Map). */
const BIG_DIR_CHILDREN = 32;
/** Direct-mapped path cache size: events of one batch usually touch few directories. */
const PATH_CACHE_SIZE = 256;

export class WatchTable {
  private parent: Int32Array;
  private wd: Int32Array;
  private firstChild: Int32Array;
  private nextSibling: Int32Array;
  private prevSibling: Int32Array;
  private childCount: Int32Array;
  private names: string[] = [];
  private free: NodeId[] = [];
  private used = 0; // slots handed out (live + free)
  private live = 0;
  private readonly byWd = new Map<number, NodeId>();
  private readonly bigDirs = new Map<NodeId, Map<string, NodeId>>();
  private readonly cacheIds = new Int32Array(PATH_CACHE_SIZE).fill(NO_NODE);
  private readonly cachePaths: string[] = new Array<string>(PATH_CACHE_SIZE).fill('');
  private rootId: NodeId = NO_NODE;

  constructor(capacity = 1024) {
    this.parent = new Int32Array(capacity);
    this.wd = new Int32Array(capacity);
    this.firstChild = new Int32Array(capacity);
    this.nextSibling = new Int32Array(capacity);
    this.prevSibling = new Int32Array(capacity);
    this.childCount = new Int32Array(capacity);
  }

  /** The root node (the watch dir, path ''), or NO_NODE before setRoot. */
  get root(): NodeId {
    return this.rootId;
  }

  /** Number of directories in the table. */
  get size(): number {
    return this.live;
  }

  /** Number of watch descriptors in the table. */
  get watchCount(): number {
    return this.byWd.size;
  }

  /** Create the root node (the watch dir itself); replaces a previous tree. */
  setRoot(wd: number): NodeId {
    if (this.rootId !== NO_NODE) this.removeSubtree(this.rootId);
    this.rootId = this.allocate(NO_NODE, '');
    this.attachWd(this.rootId, wd);
    return this.rootId;
  }

  /**
   * Add a directory `name` under `parentId`. The caller makes sure no child
   * of that name exists (see `child`). `wd` is NO_WD or a descriptor that is
   * not in the table yet (see `nodeOfWd`: a known wd is the same directory
   * reached twice — a bind mount — and must not be added again, or walks loop).
   */
  addChild(parentId: NodeId, name: string, wd: number): NodeId {
    const id = this.allocate(parentId, name);
    this.link(parentId, id);
    this.attachWd(id, wd);
    return id;
  }

  /** The child directory `name` of `parentId`, or NO_NODE. */
  child(parentId: NodeId, name: string): NodeId {
    const index = this.bigDirs.get(parentId);
    if (index) return index.get(name) ?? NO_NODE;
    for (let c = this.firstChild[parentId]; c !== NO_NODE; c = this.nextSibling[c]) {
      if (this.names[c] === name) return c;
    }
    return NO_NODE;
  }

  /** The node watched by `wd`, or NO_NODE. */
  nodeOfWd(wd: number): NodeId {
    return this.byWd.get(wd) ?? NO_NODE;
  }

  /** The watch descriptor of a node, or NO_WD. */
  wdOf(id: NodeId): number {
    return this.wd[id];
  }

  /** Parent of a node (NO_NODE for the root). */
  parentOf(id: NodeId): NodeId {
    return this.parent[id];
  }

  /** Name of a node in its parent ('' for the root). */
  nameOf(id: NodeId): string {
    return id === this.rootId ? '' : this.names[id];
  }

  /** Whether `id` is a node of the table (not freed). */
  isLive(id: NodeId): boolean {
    return id >= 0 && id < this.used && this.parent[id] !== FREE;
  }

  /** Give a node a watch descriptor; false (nothing changed) when the wd belongs to another node. */
  setWd(id: NodeId, wd: number): boolean {
    const owner = this.nodeOfWd(wd);
    if (owner !== NO_NODE && owner !== id) return false;
    this.attachWd(id, wd);
    return true;
  }

  /** Path of a node relative to the watch dir ('' for the root), as a byte string. */
  pathOf(id: NodeId): RelPath {
    if (id === this.rootId) return '';
    const slot = id & (PATH_CACHE_SIZE - 1);
    if (this.cacheIds[slot] === id) return this.cachePaths[slot];
    const parentId = this.parent[id];
    const parentPath = parentId === this.rootId ? '' : this.pathOf(parentId);
    const path = parentPath === '' ? this.names[id] : parentPath + '/' + this.names[id];
    this.cacheIds[slot] = id;
    this.cachePaths[slot] = path;
    return path;
  }

  /**
   * Move a node under `newParent` as `newName` in O(1); its descendants'
   * paths follow. A directory already at the target (the rename replaced it)
   * is dropped first; its watch descriptors go to `onDroppedWd`.
   */
  rename(id: NodeId, newParent: NodeId, newName: string, onDroppedWd?: (wd: number) => void): void {
    const existing = this.child(newParent, newName);
    if (existing !== NO_NODE && existing !== id) this.removeSubtree(existing, onDroppedWd);
    this.unlink(id);
    this.names[id] = newName;
    this.parent[id] = newParent;
    this.link(newParent, id);
    this.clearCache();
  }

  /** Is `ancestor` the node `id` itself or one of its ancestors? O(depth). */
  contains(ancestor: NodeId, id: NodeId): boolean {
    for (let n = id; n !== NO_NODE && n !== FREE; n = this.parent[n]) {
      if (n === ancestor) return true;
      if (n === this.rootId) return false;
    }
    return false;
  }

  /**
   * Drop a node and everything below it. `onWd` receives every watch
   * descriptor dropped (the caller removes kernel watches that still exist,
   * e.g. for a directory moved out of the tree). Returns the nodes dropped.
   */
  removeSubtree(id: NodeId, onWd?: (wd: number) => void): number {
    if (!this.isLive(id)) return 0;
    this.unlink(id);
    if (id === this.rootId) this.rootId = NO_NODE;
    const stack: NodeId[] = [id];
    let dropped = 0;
    while (stack.length > 0) {
      const n = stack.pop() as NodeId;
      for (let c = this.firstChild[n]; c !== NO_NODE; c = this.nextSibling[c]) stack.push(c);
      const wd = this.wd[n];
      if (wd !== NO_WD) {
        if (this.byWd.get(wd) === n) this.byWd.delete(wd);
        onWd?.(wd);
      }
      this.bigDirs.delete(n);
      this.parent[n] = FREE;
      this.names[n] = '';
      this.free.push(n);
      this.live--;
      dropped++;
    }
    this.clearCache();
    return dropped;
  }

  /** Call `fn` for every (wd, node) pair. */
  forEachWd(fn: (wd: number, id: NodeId) => void): void {
    this.byWd.forEach((id, wd) => fn(wd, id));
  }

  private attachWd(id: NodeId, wd: number): void {
    this.wd[id] = wd;
    if (wd !== NO_WD) this.byWd.set(wd, id);
  }

  private allocate(parentId: NodeId, name: string): NodeId {
    let id: NodeId;
    if (this.free.length > 0) {
      id = this.free.pop() as NodeId;
    } else {
      if (this.used === this.parent.length) this.grow();
      id = this.used++;
    }
    this.parent[id] = parentId;
    this.wd[id] = NO_WD;
    this.firstChild[id] = NO_NODE;
    this.nextSibling[id] = NO_NODE;
    this.prevSibling[id] = NO_NODE;
    this.childCount[id] = 0;
    this.names[id] = name;
    this.live++;
    // A reused slot may still be cached under its old path.
    const slot = id & (PATH_CACHE_SIZE - 1);
    if (this.cacheIds[slot] === id) this.cacheIds[slot] = NO_NODE;
    return id;
  }

  private link(parentId: NodeId, id: NodeId): void {
    const head = this.firstChild[parentId];
    this.nextSibling[id] = head;
    this.prevSibling[id] = NO_NODE;
    if (head !== NO_NODE) this.prevSibling[head] = id;
    this.firstChild[parentId] = id;
    const count = ++this.childCount[parentId];
    const index = this.bigDirs.get(parentId);
    if (index) {
      index.set(this.names[id], id);
    } else if (count > BIG_DIR_CHILDREN) {
      const built = new Map<string, NodeId>();
      for (let c = this.firstChild[parentId]; c !== NO_NODE; c = this.nextSibling[c]) built.set(this.names[c], c);
      this.bigDirs.set(parentId, built);
    }
  }

  private unlink(id: NodeId): void {
    const parentId = this.parent[id];
    if (parentId < 0) return;
    const prev = this.prevSibling[id];
    const next = this.nextSibling[id];
    if (prev !== NO_NODE) this.nextSibling[prev] = next;
    else this.firstChild[parentId] = next;
    if (next !== NO_NODE) this.prevSibling[next] = prev;
    this.childCount[parentId]--;
    const index = this.bigDirs.get(parentId);
    if (index && index.get(this.names[id]) === id) index.delete(this.names[id]);
    this.nextSibling[id] = NO_NODE;
    this.prevSibling[id] = NO_NODE;
  }

  private grow(): void {
    const cap = this.parent.length * 2;
    const widen = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.parent = widen(this.parent);
    this.wd = widen(this.wd);
    this.firstChild = widen(this.firstChild);
    this.nextSibling = widen(this.nextSibling);
    this.prevSibling = widen(this.prevSibling);
    this.childCount = widen(this.childCount);
  }

  private clearCache(): void {
    this.cacheIds.fill(NO_NODE);
  }
}

