import { log } from '../log.js';
import type { Daemon } from '../daemon.js';
import { writeDump } from './dump.js';
import { switchToBlock, type BlockLoader } from './custom-signals.js';

/**
 * Signals of SPEC §8: HUP reread rules; INT and TERM exit now, killing
 * handlers; QUIT finish running handlers then exit; USR2 full resync; 29 (SIGIO) dump the state into --dump-dir.
 * A second INT/TERM while ending forces the exit.
 *
 * The other signals the C clsync uses must not end the daemon silently
 * (their default is to terminate): each is logged and ignored. bin/clsync.js
 * has already caught them with empty listeners before anything else ran,
 * which for SIGUSR1 also keeps Node's inspector closed.
 */
export function installSignals(
  daemon: Daemon,
  options: { dumpDir?: string; customSignals?: ReadonlyMap<NodeJS.Signals, string>; loadBlock?: BlockLoader } = {},
): void {
  const custom = options.customSignals ?? new Map<NodeJS.Signals, string>();
  for (const [signal, block] of custom) {
    process.on(signal, () => void switchToBlock(daemon, signal, block, options.loadBlock!, log));
  }
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
  // The C clsync collects finished threads on USR1; here there are none to collect, and the debugger stays closed.
  if (!custom.has('SIGUSR1')) process.on('SIGUSR1', () => log.notice('SIGUSR1: ignored (no thread collection to do; the Node.js debugger stays closed)'));
  // The C clsync's SIGUSR_BLOPINT (16) interrupts a blocking operation of its own threads: nothing of ours blocks on it.
  process.on('SIGSTKFLT', () => log.notice('signal 16 (SIGSTKFLT): ignored (no blocking thread to interrupt)'));
  // The C clsync dumps its state to --dump-dir on 29 (its default dir is /tmp/clsync-dump-%label%; ours: none).
  const dumpDir = options.dumpDir;
  process.on('SIGIO', () => {
    if (dumpDir === undefined) {
      log.notice('signal 29 (SIGIO): no --dump-dir to dump the state to; ignored');
      return;
    }
    try {
      log.notice(`signal 29 (SIGIO): state dumped to ${writeDump(dumpDir, daemon.state())}`);
    } catch (err) {
      log.error(`signal 29 (SIGIO): cannot dump the state into --dump-dir ${dumpDir}: ${(err as Error).message}`);
    }
  });
}
