import type { Settings } from '../options/index.js';
import { OptionError } from '../errors.js';
import type { SyncHandler } from './handler.js';
import { RsyncDirectHandler } from './rsyncdirect.js';

/** The handler for `-M/--mode`; options validation already refused modes not supported yet. */
export function createHandler(settings: Settings, aborted: () => boolean): SyncHandler {
  switch (settings.mode) {
    case 'rsyncdirect':
      return new RsyncDirectHandler(settings, aborted);
    default:
      throw new OptionError(`--mode=${settings.mode}: not supported yet`);
  }
}
