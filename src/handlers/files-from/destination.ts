/**
 * The destination manager of the files-from machinery: the local
 * destination's door (one directory fd per sync, src/destination/), its
 * identity (removed or replaced between syncs: a full sync), and the way
 * deletions reach it (deletions.ts: probed once at the first sync), with
 * the rsync runs that delete or unlink names there.
 */
import { log, showPath } from '../../log.js';
import { nativeString } from '../../bytes.js';
import type { RunContext } from '../../exec/handler-runner.js';
import { DestinationDoor, directoryIdentity, isOpen } from '../../destination/index.js';
import { parentDeletion, parentDeletionArgs } from '../../rsync/delete-parents.js';
import { probeDeleteMissingArgs } from '../../rsync/probe.js';
import { rsyncExitMeaning, RSYNC_RACE_CODES, RACE_RERUNS } from '../../rsync/index.js';
import type { SourceTree } from '../../tree/source.js';
import type { RelPath } from '../../types.js';
import { daemonWritesAsHandler } from '../../security/plan.js';
import { forcedDeletionStrategy, removeThroughDoor, splitBySource, type DeletionStrategy } from '../deletions.js';
import type { ListWriter } from '../lists.js';
import type { RsyncRunner } from '../rsync-runner.js';

/** Why the door stays shut for a daemon with fewer rights than its handler. */
const READ_ONLY_WHY = 'it runs with fewer rights than rsync: renamed directories are copied, rsync deletes';

/** What a sync found of the local destination directory. */
export type DestinationChange = 'same' | 'gone' | 'replaced';

export class DestinationManager {
  /** the local destination's door, open for the length of one sync (syncs never overlap) */
  door: DestinationDoor | null = null;
  /** how deletions reach the destination, chosen at the first sync (chooseDeletion) */
  deletion: DeletionStrategy = 'missing-args';
  private deletionChosen = false;

  /** chooseDeletion ran */
  get chosen(): boolean {
    return this.deletionChosen;
  }
  /** the kernel has no openat2: said once */
  private doorUnavailableSaid = false;
  /** the daemon may act at the destination itself (the door): it runs with rsync's rights */
  private readonly writable = daemonWritesAsHandler();
  /** the local destination directory (directoryIdentity) as the last sync found it */
  private identity: string | undefined;

  /** `local`: the destination as a local directory (bytes) when rsync writes to one we can touch, else null */
  constructor(
    readonly local: Buffer | null,
    private readonly rsync: RsyncRunner,
    private readonly lists: ListWriter,
    private readonly source: SourceTree,
    private readonly aborted: () => boolean,
  ) {}

  /**
   * Choose how deletions reach the destination, once, at the first sync
   * (see deletions.ts): a local destination asks the handler's rsync
   * whether `--delete-missing-args` deletes a nested path (the probe);
   * others use per-parent runs, since the receiver's rsync is unknown.
   */
  async chooseDeletion(program: string): Promise<void> {
    if (this.deletionChosen) return;
    this.deletionChosen = true;
    const forced = forcedDeletionStrategy();
    let why: string;
    if (forced) {
      this.deletion = forced;
      why = 'forced by CLSYNC_TEST_DELETION';
    } else if (!this.local) {
      this.deletion = 'per-parent';
      why = 'the destination is not a local directory with the default arguments (a remote one, or named by your own arguments), so the receiving rsync is unknown';
    } else {
      const probe = await probeDeleteMissingArgs(nativeString(program));
      if (probe.works) {
        this.deletion = 'missing-args';
        why = `${showPath(program)} --delete-missing-args ${probe.why}`;
      } else {
        const door = this.writable && DestinationDoor.supported();
        this.deletion = door ? 'door' : 'per-parent';
        const noDoor = this.writable ? '; openat2 is not available' : `; the daemon may not act at the destination itself (${READ_ONLY_WHY})`;
        why = `${showPath(program)} --delete-missing-args fails: ${probe.why}${door ? '' : noDoor}`;
      }
    }
    log.notice(`deletions at the destination: ${this.deletion} (${why})`);
  }

  /**
   * Run `body` with the local destination's door open: one directory fd
   * for the whole sync. Without a door (no openat2, or no destination
   * directory yet) renamed directories are copied and deletions go through
   * rsync.
   */
  async through<T>(body: () => Promise<T>): Promise<T> {
    if (!this.local || !this.writable) return body();
    const opened = DestinationDoor.open(this.local);
    if (isOpen(opened)) this.door = opened;
    else if (!opened.unavailable) log.debug(1, `destination door: ${opened.reason}`);
    else if (!this.doorUnavailableSaid) {
      this.doorUnavailableSaid = true;
      log.notice(`destination door: ${opened.reason}: renamed directories are copied and deletions go through rsync`);
    }
    try {
      return await body();
    } finally {
      this.door?.close();
      this.door = null;
    }
  }

  /** Remember the local destination directory as a full sync left it. */
  remember(): void {
    if (this.local) this.identity = directoryIdentity(this.local);
  }

  /**
   * Whether the local destination directory was removed, or replaced by
   * another directory since the last sync (then the changes alone would not
   * bring back what did not change); remembers it as found.
   */
  check(): DestinationChange {
    if (!this.local) return 'same';
    const now = directoryIdentity(this.local);
    const was = this.identity;
    this.identity = now;
    if (now === undefined) return 'gone';
    return was !== undefined && now !== was ? 'replaced' : 'same';
  }

  /**
   * Delete `paths` (missing at the source, none below another) at the
   * destination: through the door when the strategy says so and it is open,
   * what it could not remove (and everything otherwise) with a per-parent
   * rsync run. False when that run kept racing with a changing tree.
   */
  async deleteMissing(paths: readonly RelPath[], context: RunContext): Promise<boolean> {
    let left = paths;
    if (this.deletion === 'door' && this.door) left = await removeThroughDoor(this.door, paths);
    for (let attempt = 0; left.length > 0 && attempt <= RACE_RERUNS; attempt++) {
      // a name that is back at the source is left to the batch that has its creation
      if (attempt > 0) left = splitBySource(this.source, left).missing;
      if (left.length === 0) return true;
      const code = await this.parentRun(left, [], `rsync (delete, ${left.length})`, context);
      if (!RSYNC_RACE_CODES.has(code)) return true;
      log.warn(`rsync (delete): ${rsyncExitMeaning(code, true).message}: the tree may have changed while it ran; running it again`);
      if (this.aborted()) return true;
    }
    return left.length === 0;
  }

  /**
   * Remove `names` at the destination although the source has them (a
   * hard-linked file's name that must not be written through): through the
   * door when it is open, otherwise (or what it could not remove) with a
   * per-parent deletion run whose sender hides them (`H` rules), so the
   * receiver deletes them as extraneous. False when that run kept racing.
   */
  async unlink(names: readonly RelPath[], context: RunContext): Promise<boolean> {
    const left = this.door ? await removeThroughDoor(this.door, names) : names;
    if (left.length === 0) return true;
    return !RSYNC_RACE_CODES.has(await this.parentRun(left, left, `rsync (unlink, ${left.length})`, context));
  }

  /** One per-parent deletion run of `names` (src/rsync/delete-parents.ts), `hidden` from the sender. */
  private async parentRun(names: readonly RelPath[], hidden: readonly RelPath[], tag: string, context: RunContext): Promise<number> {
    const run = parentDeletion(names, hidden);
    return this.lists.with('include', context.iteration, run.list, (listPath) =>
      this.lists.with('exclude', context.iteration, run.rules, (rulesPath) =>
        this.rsync.run({ rsyncArgs: parentDeletionArgs(listPath, rulesPath), tag, passOn: RSYNC_RACE_CODES }, context),
      ),
    );
  }
}
