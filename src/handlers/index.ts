import type { Settings } from '../options/index.js';
import { OptionError } from '../errors.js';
import type { SyncHandler } from './handler.js';
import { handlerOptions } from './options.js';
import { ProgramHandler } from './program.js';
import { RsyncDirectHandler } from './rsyncdirect.js';
import { RsyncShellHandler } from './rsyncshell.js';
import { RsyncSoHandler } from './rsyncso.js';
import { SoHandler } from './so.js';

/**
 * The handler for `-M/--mode`, given the narrow options built here once
 * (handlerOptions); options validation already refused modes not supported yet.
 */
export function createHandler(settings: Settings, aborted: () => boolean): SyncHandler {
  const options = handlerOptions(settings);
  switch (options.mode) {
    case 'rsyncdirect':
      return new RsyncDirectHandler(options, aborted);
    case 'rsyncshell':
      return new RsyncShellHandler(options, aborted);
    case 'simple':
    case 'direct':
    case 'shell':
      return new ProgramHandler(options.mode, options, aborted);
    case 'so':
      return new SoHandler(options, aborted);
    case 'rsyncso':
      return new RsyncSoHandler(options, aborted);
    default:
      throw new OptionError(`--mode=${options.mode}: not supported yet`);
  }
}
