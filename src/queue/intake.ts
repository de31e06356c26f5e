/**
 * The daemon's intake: monitor events → rules → queue. Notes the objects
 * the rules keep out of syncs (rsync must leave them alone, the program
 * modes must not name them), walks below a new directory the rules walk
 * into but keep out of syncs (what they let through below it is new too),
 * and looks up the size of written files for the big-file queue.
 */
import { log, showPath } from '../log.js';
import { nativeString } from '../bytes.js';
import { RuleAction, RuleSet } from '../rules/index.js';
import type { ExcludedObject } from '../rsync/index.js';
import { SourceTree } from '../tree/source.js';
import { walkBelow, type WalkVisit } from '../tree/walk-below.js';
import { IN, WalkDecision, type FsEvent, type RelPath } from '../types.js';
import type { Change, EventQueue } from './event-queue.js';

/** Where the intake puts changes: the one destination's queue, or every destination's (the daemon's fan-out). */
export type QueueTarget = Pick<EventQueue, 'add'>;
import { SignatureCache } from './signature.js';

/** What is noted of an excluded object (see ExcludedObject): bits. */
const DIR = 1;
const UNWALKED = 2;

export class Intake {
  /** objects the rules exclude that walks or events found, by path: DIR | UNWALKED bits */
  private readonly excluded = new Map<RelPath, number>();
  /** the tree, read without following symlinks; held open only while a batch is taken or released */
  private readonly tree: SourceTree;
  /** the roots (synced with all below them) of the syncs running now, with how many runs hold each */
  private readonly busy = new Map<RelPath, number>();
  /** the tree is held open for the batch being taken (held at its first look: most batches need none) */
  private held = false;
  /** --modification-signature: the per-path cache, null when off */
  private readonly signatures: SignatureCache | null;

  /**
   * `watchDir`: byte string; `needSize`: written files' sizes are looked up
   * (the big-file queue is on); `signature`: the --modification-signature
   * field mask (0: off).
   */
  constructor(
    private readonly queue: QueueTarget,
    watchDir: string,
    public rules: RuleSet,
    public needSize: boolean,
    signature: number,
  ) {
    this.tree = new SourceTree(watchDir.replace(/\/+$/, '') || '/', false);
    this.signatures = signature ? new SignatureCache(signature, (p) => this.tree.lstatFull(p)) : null;
  }

  /** A released batch less the changes --modification-signature drops. */
  release(changes: Change[]): Change[] {
    if (!this.signatures || changes.length === 0) return changes;
    this.tree.hold();
    try {
      return this.signatures.filter(changes);
    } finally {
      this.tree.release();
    }
  }

  /** A batch that failed (--ignore-failures): its paths are synced again next time, whatever their signature. */
  forget(changes: readonly Change[]): void {
    this.signatures?.forget(changes);
  }

  /** Rules say, for a directory a walk found, whether to descend and watch; excluded objects are noted. */
  walkFilter(path: RelPath, isDir: boolean): number {
    if (this.rules.isEmpty) return WalkDecision.WALK | WalkDecision.MONITOR;
    const permitted = this.rules.permitted(path, isDir);
    this.noteIfExcluded(path, isDir, permitted);
    if (!isDir) return 0;
    return (permitted & RuleAction.WALK ? WalkDecision.WALK : 0) | (permitted & RuleAction.MONITOR ? WalkDecision.MONITOR : 0);
  }

  /** SIGHUP: reread the rules file (byte string); a broken file keeps the rules in use, and says why. */
  reloadRules(rulesFile: string): void {
    try {
      this.rules = RuleSet.load(nativeString(rulesFile));
      log.notice(`SIGHUP: rules reread from ${rulesFile}`);
    } catch (err) {
      log.error(`SIGHUP: ${(err as Error).message}; keeping the previous rules`);
    }
  }

  /** A mount point a walk did not cross (`-X`): excluded like a directory the rules keep out. */
  mountPoint(path: RelPath): void {
    this.excluded.set(path, DIR | UNWALKED);
  }

  /**
   * Queue a batch of events (`syncing`: a sync runs, see EventQueue.add).
   * Returns the first queue overflow's event, for the caller to decide, or
   * undefined; the overflow is queued either way.
   */
  take(batch: readonly FsEvent[], syncing: boolean): FsEvent | undefined {
    let overflow: FsEvent | undefined;
    this.held = false;
    try {
      for (const event of batch) {
        if (event.mask & IN.Q_OVERFLOW) {
          overflow ??= event;
          this.queue.add(event, undefined, syncing);
          continue;
        }
        const isDir = (event.mask & IN.ISDIR) !== 0;
        const permitted = this.rules.isEmpty ? RuleAction.SYNC : this.rules.permitted(event.path, isDir);
        if (!(permitted & RuleAction.SYNC)) {
          const gone = (event.mask & (IN.DELETE | IN.MOVED_FROM)) !== 0;
          // a recursive run over its parent must still leave it out (and a walk of it what the rules keep from walks)
          if (gone) this.excluded.delete(event.path);
          else this.noteIfExcluded(event.path, isDir, permitted);
          // a new directory kept out of syncs but walked: what the rules let through below it is new too
          if (event.recursive && isDir && !gone && permitted & RuleAction.WALK) this.queueSyncedBelow(event.path, syncing);
          continue;
        }
        this.queue.add(event, this.needSize && !isDir ? this.sizeOf(event) : undefined, syncing, this.busy);
        if (log.debugLevel >= 3) log.debug(3, `event 0x${event.mask.toString(16)} ${showPath(event.path)}`);
      }
    } finally {
      if (this.held) this.tree.release();
    }
    return overflow;
  }

  /** A sync over `roots` runs until the function returned is called (see EventQueue.add's `busy`). */
  syncing(roots: readonly RelPath[]): () => void {
    for (const root of roots) this.busy.set(root, (this.busy.get(root) ?? 0) + 1);
    return () => {
      for (const root of roots) {
        const left = (this.busy.get(root) ?? 1) - 1;
        if (left > 0) this.busy.set(root, left);
        else this.busy.delete(root);
      }
    };
  }

  /** The excluded objects, for the handler. */
  excludedList(): ExcludedObject[] {
    const list: ExcludedObject[] = [];
    for (const [path, flags] of this.excluded) list.push({ path, isDir: (flags & DIR) !== 0, walked: (flags & UNWALKED) === 0 });
    return list;
  }

  close(): void {
    this.tree.close();
  }

  private noteIfExcluded(path: RelPath, isDir: boolean, permitted: number): boolean {
    if (permitted & RuleAction.SYNC) return false;
    this.excluded.set(path, (isDir ? DIR : 0) | (permitted & RuleAction.WALK ? 0 : UNWALKED));
    return true;
  }

  /** Queue, as created, the objects below `dir` (a directory the rules walk into) that they sync, walking where they let walks go. */
  private queueSyncedBelow(dir: RelPath, syncing: boolean): void {
    this.holdTree();
    const visit = (path: RelPath, isDir: boolean): WalkVisit => {
      const permitted = this.rules.permitted(path, isDir);
      const excluded = this.noteIfExcluded(path, isDir, permitted);
      return { report: !excluded, descend: excluded && (permitted & RuleAction.WALK) !== 0 };
    };
    walkBelow(this.tree, dir, visit, (path, isDir) => this.queue.add({ path, mask: IN.CREATE | (isDir ? IN.ISDIR : 0), recursive: isDir }, undefined, syncing));
  }

  private holdTree(): void {
    if (this.held) return;
    this.tree.hold();
    this.held = true;
  }

  /** The size of a written file, looked at beneath the watch dir without following symlinks. */
  private sizeOf(event: FsEvent): number | undefined {
    if (!(event.mask & (IN.CLOSE_WRITE | IN.MODIFY | IN.CREATE | IN.MOVED_TO))) return undefined;
    this.holdTree();
    return this.tree.lstat(event.path)?.size;
  }
}
