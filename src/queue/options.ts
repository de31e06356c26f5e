/**
 * The queue's options from the daemon's Settings, built at start and again
 * when --custom-signals switches settings.
 */
import type { Settings } from '../options/index.js';
import type { QueueOptions } from './event-queue.js';

/** The queue's delays: -t, -T, -B (none with --exit-on-no-events). */
export function queueOptions(s: Settings): QueueOptions {
  const noDelay = s.exitOnNoEvents;
  return {
    delayCollectMs: noDelay ? 0 : s.delayCollect * 1000,
    delayCollectBigfileMs: noDelay ? 0 : s.delayCollectBigfile * 1000,
    thresholdBigfile: s.thresholdBigfile,
  };
}

/** Whether events need the file's size (one lstat each): not with --cancel-syscalls=mon_stat. */
export function needsSize(s: Settings): boolean {
  const bigfiles = s.thresholdBigfile > 0 && s.delayCollectBigfile !== s.delayCollect;
  return bigfiles && !s.cancelSyscalls.includes('mon_stat');
}
