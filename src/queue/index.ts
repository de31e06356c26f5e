/** The event queue: merging per path and release by delay class. */
export { EventQueue } from './event-queue.js';
export type { Change, ChangeState, QueueOptions, QueuedEntry } from './event-queue.js';
export { MERGE_TABLE, classifyMask, mergeOutcome } from './merge-table.js';
export type { EntryState, EventClass, MergeOutcome, StartState } from './merge-table.js';
export { needsSize, queueOptions } from './options.js';
