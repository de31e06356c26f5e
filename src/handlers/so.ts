/**
 * `-M so`: the `-S` module's `sync(events)` (JavaScript) or
 * `clsyncapi_sync(n, events)` (shared object) gets the changed paths of
 * each sync, one event per path (docs/handlers.md "so and rsyncso").
 */
import type { Change } from '../queue/index.js';
import { IN } from '../types.js';
import { SourceTree } from '../tree/source.js';
import type { ExcludedObject, SyncContext, SyncHandler } from './handler.js';
import type { ObjectType, SyncEvent } from './module-api.js';
import { ModuleRunner } from './module-runner.js';
import type { HandlerOptions } from './options.js';

/** The initial sync's one event, as the C tool makes it: the root, recursive, a directory created. */
const ROOT_EVENT: SyncEvent = Object.freeze({
  path: '',
  pathBytes: Buffer.alloc(0),
  mask: IN.CREATE | IN.ISDIR,
  recursive: true,
  typeBefore: 'none',
  typeAfter: 'dir',
});

/** Calls a module's `sync` with the events of each batch. */
export class SoHandler implements SyncHandler {
  private readonly runner: ModuleRunner;
  /** the tree, read without following symlinks, and held open only while a sync looks at it */
  private readonly tree: SourceTree;

  constructor(options: HandlerOptions, aborted: () => boolean) {
    this.runner = new ModuleRunner(options, aborted);
    this.tree = new SourceTree(options.watchDir, false);
  }

  /** Load the module and call its init. */
  async open(): Promise<void> {
    await this.runner.open();
  }

  /** The whole tree: one recursive event for the root. Excluded objects are the module's business (none are listed). */
  syncAll(_excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    return this.runner.call((m, run) => m.sync!([ROOT_EVENT], run), context);
  }

  async sync(changes: readonly Change[], _excluded: readonly ExcludedObject[], context: SyncContext): Promise<void> {
    const events = await this.tree.holding(async () => changes.map((c) => syncEvent(c, this.tree)));
    return this.runner.call((m, run) => m.sync!(events, run), context);
  }

  close(): Promise<void> {
    this.tree.close();
    return this.runner.close();
  }
}

/** The kind of object at a path of the tree now ('none' when gone, or below a symlink). */
function typeNow(tree: SourceTree, path: string): ObjectType {
  const st = tree.lstat(path);
  if (!st) return 'none';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/**
 * A queued change as a module event. After: a deleted path is 'none', any
 * other is looked at now. Before: a created path was 'none'; otherwise
 * the events' IN_ISDIR tells a directory, and a non-directory is taken to
 * be what is there now unless that is no non-directory ('unknown').
 */
export function syncEvent(change: Change, tree: SourceTree): SyncEvent {
  const typeAfter = change.state === 'deleted' ? 'none' : typeNow(tree, change.path);
  let typeBefore: ObjectType;
  if (change.state === 'created') typeBefore = 'none';
  else if (change.isDir) typeBefore = 'dir';
  else typeBefore = typeAfter === 'none' || typeAfter === 'dir' ? 'unknown' : typeAfter;
  const pathBytes = Buffer.from(change.path, 'latin1');
  return { path: pathBytes.toString('utf8'), pathBytes, mask: change.mask, recursive: change.recursive, typeBefore, typeAfter };
}
