/**
 * How events about one path combine, written as a table (after lsyncd's
 * `combineNoMove`): for the state an entry is in and the class of the next
 * event about that path, the state the entry ends in.
 *
 * States describe the object over the collection window:
 * - `created`  — did not exist when the window began, exists now;
 * - `modified` — existed before, exists now (possibly replaced);
 * - `deleted`  — existed before, is gone now;
 * - `vanished` — created and deleted inside the window: nothing to sync.
 */
import { IN } from '../types.js';

export type EntryState = 'created' | 'modified' | 'deleted' | 'vanished';

/** What an event says about its object. */
export type EventClass = 'create' | 'delete' | 'modify' | 'overflow';

/**
 * A cell's result. Besides plain states:
 * - `replaced`: deleted then created again — the object exists and the
 *   destination holds the old one: `modified`, and recursive if the old or
 *   the new object is a directory (its whole content differs);
 * - `vanishedIfSafe`: created then deleted — `vanished` unless a sync was
 *   running when the creation was recorded (that sync may already have copied
 *   the object, so the destination must be told it is gone: `deleted`).
 */
export type MergeOutcome = EntryState | 'replaced' | 'vanishedIfSafe';

/** The state of a path with no entry yet. */
export type StartState = EntryState | 'none';

/**
 * The table. `overflow` means "anything at or under this path may have
 * changed": the entry becomes recursive (done by the caller) and its state
 * says whether the object existed before the window.
 */
export const MERGE_TABLE: Readonly<Record<StartState, Readonly<Record<EventClass, MergeOutcome>>>> = {
  none: { create: 'created', delete: 'deleted', modify: 'modified', overflow: 'modified' },
  // A second create without a delete between: we missed the delete; still new.
  created: { create: 'created', delete: 'vanishedIfSafe', modify: 'created', overflow: 'created' },
  // A create about an object that existed: we missed its delete — it was replaced.
  modified: { create: 'replaced', delete: 'deleted', modify: 'modified', overflow: 'modified' },
  // A modify after a delete: it came back (we missed the create) — treat as replaced.
  deleted: { create: 'replaced', delete: 'deleted', modify: 'replaced', overflow: 'modified' },
  // It did not exist before the window, so anything that makes it exist is a creation.
  vanished: { create: 'created', delete: 'vanished', modify: 'created', overflow: 'created' },
};

const CREATE_BITS = IN.CREATE | IN.MOVED_TO;
const DELETE_BITS = IN.DELETE | IN.MOVED_FROM | IN.DELETE_SELF;

/**
 * Classifies a kernel mask. Overflow wins, then delete/create; a mask with
 * none of those (MODIFY, CLOSE_WRITE, ATTRIB, MOVE_SELF, anything unknown)
 * counts as a modification, so an odd event leads to a sync rather than to
 * nothing.
 */
export function classifyMask(mask: number): EventClass {
  if (mask & IN.Q_OVERFLOW) return 'overflow';
  if (mask & DELETE_BITS) return 'delete';
  if (mask & CREATE_BITS) return 'create';
  return 'modify';
}

/**
 * Looks up the table and resolves `vanishedIfSafe`. `replaced` is returned as
 * is: the caller makes it `modified` and sets `recursive` for directories.
 */
export function mergeOutcome(from: StartState, event: EventClass, createSeenBySync: boolean): EntryState | 'replaced' {
  const outcome = MERGE_TABLE[from][event];
  if (outcome === 'vanishedIfSafe') return createSeenBySync ? 'deleted' : 'vanished';
  return outcome;
}
