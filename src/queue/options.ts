/**
 * The queue's options from the daemon's Settings, built at start and again
 * when --custom-signals switches settings.
 */
import type { Settings } from '../options/index.js';
import type { QueueOptions } from './event-queue.js';

/**
 * The queue's delays: -t, -T, -B (none with --exit-on-no-events, which syncs
 * what is there at once, nor in simple mode, whose handler runs for every
 * event at once, as the C tool's does).
 */
export function queueOptions(s: Settings): QueueOptions {
  const noDelay = syncsAtOnce(s);
  return {
    delayCollectMs: noDelay ? 0 : s.delayCollect * 1000,
    delayCollectBigfileMs: noDelay ? 0 : s.delayCollectBigfile * 1000,
    thresholdBigfile: s.thresholdBigfile,
  };
}

/** No collect delay (-t, -T) and no delay between syncs (-w): --exit-on-no-events, or simple mode (see queueOptions). */
export function syncsAtOnce(s: Settings): boolean {
  return s.exitOnNoEvents || s.mode === 'simple';
}

/** Whether events need the file's size (one lstat each): not with --cancel-syscalls=mon_stat. */
export function needsSize(s: Settings): boolean {
  const bigfiles = s.thresholdBigfile > 0 && s.delayCollectBigfile !== s.delayCollect;
  return bigfiles && !s.cancelSyscalls.includes('mon_stat');
}
