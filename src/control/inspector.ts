import * as inspector from 'node:inspector';

/**
 * When to look again for an inspector that a SIGUSR1 from before our
 * listener opens late: Node's signal handler only wakes a thread, which asks
 * the main thread to start the inspector at its next chance; on a loaded
 * machine that comes some milliseconds later. Later signals reach our
 * listener and open nothing.
 */
const RECHECK_MS = [0, 10, 100, 1000, 5000];

/**
 * Keep Node's inspector closed: it listens on 127.0.0.1:9229, where any
 * local user could run code in this root daemon. Call this right after a
 * SIGUSR1 listener is installed (bin/clsync.js does both first): it closes
 * an inspector opened during Node's start-up, now and at the moments a late
 * start could still come, and says so on stderr.
 */
export function keepInspectorClosed(): void {
  closeIfOpen();
  for (const ms of RECHECK_MS) setTimeout(closeIfOpen, ms).unref();
}

function closeIfOpen(): void {
  if (inspector.url() === undefined) return;
  inspector.close();
  process.stderr.write("clsync: Node's inspector was opened by a SIGUSR1 during start-up; it is closed again\n");
}
