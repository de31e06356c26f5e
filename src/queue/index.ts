/** The event queue: merging per path and release by delay class. */
export { EventQueue } from './event-queue.js';
export type { Change, ChangeState, QueueOptions, QueuedEntry } from './event-queue.js';
export { MERGE_TABLE, classifyMask, mergeOutcome } from './merge-table.js';
export type { EntryState, EventClass, MergeOutcome, StartState } from './merge-table.js';
export { SignatureCache, signatureMask, StatField, STAT_FIELDS_ALL, SIGNATURE_CACHE_MAX } from './signature.js';
export type { StatFieldName, StatReader } from './signature.js';
export { needsSize, queueOptions, syncsAtOnce } from './options.js';
