import { log } from '../log.js';
import type { Daemon } from '../daemon.js';

/**
 * Signals of SPEC §8: HUP reread rules; INT and TERM exit now, killing
 * handlers; QUIT finish running handlers then exit; USR2 full resync.
 * A second INT/TERM while ending forces the exit.
 */
export function installSignals(daemon: Daemon): void {
  let terminating = false;
  const terminate = (signal: NodeJS.Signals): void => {
    if (terminating) {
      log.error(`${signal} again: exiting at once`);
      process.exit(1);
    }
    terminating = true;
    daemon.terminate(signal);
  };
  process.on('SIGINT', terminate);
  process.on('SIGTERM', terminate);
  process.on('SIGQUIT', () => void daemon.quit());
  process.on('SIGHUP', () => daemon.reloadRules());
  process.on('SIGUSR2', () => daemon.fullResync());
}
