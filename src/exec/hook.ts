import { log } from '../log.js';
import { describeEnd } from './retry.js';
import { runCommand } from './run.js';

/** How long a hook may run before it is killed. */
const HOOK_TIMEOUT_MS = 60_000;

/**
 * Run `--exit-hook`/`--pre-exit-hook` as `HOOK label` (SPEC §6). A failing
 * hook is logged; it does not change how the daemon ends.
 */
export async function runHook(hook: string, label: string, what: string): Promise<void> {
  log.info(`running ${what}: ${hook} ${label}`);
  const result = await runCommand([hook, label], { timeoutMs: HOOK_TIMEOUT_MS, tag: what });
  if (result.code !== 0) log.warn(`${what} ${hook}: ${describeEnd(result)}`);
}
