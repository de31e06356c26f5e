/** rsync support: list files, default arguments, escaping, exit codes. */
export { rsyncPattern } from './escape.js';
export { argsUseNulLists, listSeparatorFor } from './separator.js';
export type { ListSeparator } from './separator.js';
export { defaultRsyncArgs, rsyncArgsExpansion } from './args.js';
export type { RsyncArgsOptions } from './args.js';
export { buildIncludeLists, hasLineBreak, includeEntries, newlineSafeAncestor } from './include-list.js';
export type { IncludeListOptions, ListChange } from './include-list.js';
export { buildExcludeList } from './exclude-list.js';
export type { ExcludedObject, ExcludeList } from './exclude-list.js';
export { isRsync, rsyncExitMeaning, rsyncMeaningFor, RSYNC_ROUTINE_STDERR, RSYNC_RACE_CODES, RSYNC_STALLED, RSYNC_VANISHED, RACE_RERUNS } from './exit-code.js';
export type { RsyncExitMeaning } from './exit-code.js';
export { ancestorIn, needsFullSync, planFilesFrom } from './files-from.js';
export { filesFromList, filesFromArgs, chunk } from './files-from-run.js';
export type { FilesFromChange, FilesFromPlan, FilesFromRun, FilesFromRunPlan } from './files-from.js';
