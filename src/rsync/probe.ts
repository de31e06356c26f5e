/**
 * Does the handler's rsync delete a nested missing path with
 * `--delete-missing-args`? Asked of the program itself on a private
 * temporary tree, not read from a version string: Debian patches,
 * backports and wrappers make version numbers a poor guide (rsync bug #910:
 * 3.2.7 and 3.4.x exit 2, "invalid file mode 00").
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../exec/run.js';
import { describeEnd } from '../exec/retry.js';

/** `CLSYNC_STATUS` of the probe's run: a `-S` wrapper can tell it from a sync (and should just run rsync). */
export const PROBE_STATUS = 'probe';

/** A probe should take milliseconds; a handler that hangs must not hold the first sync for long. */
const PROBE_TIMEOUT_MS = 30_000;

/** The probe's answer, with the reason in words for the log. */
export interface ProbeResult {
  works: boolean;
  why: string;
}

/** The probe's command line on its private directory `base` (also registered with the privileged helper: src/security/permitted.ts). */
export function probeArgv(program: string, base: string): string[] {
  return [program, '-aH', '--from0', '--delete-missing-args', `--files-from=${join(base, 'list')}`, `${join(base, 'src')}/`, `${join(base, 'dst')}/`];
}

/** Where the probe makes its private directory (mkdtemp adds six characters). */
export const PROBE_DIR_PREFIX = (): string => join(tmpdir(), 'clsync-probe-');

/**
 * Run `program -aH --from0 --delete-missing-args --files-from=LIST src/ dst/`
 * where LIST names `d/gone`, missing at the source and present at the
 * destination: it works when rsync exits 0 and `d/gone` is gone.
 */
export async function probeDeleteMissingArgs(program: string): Promise<ProbeResult> {
  const base = mkdtempSync(PROBE_DIR_PREFIX()); // mode 0700: private to us
  try {
    const src = join(base, 'src');
    const dst = join(base, 'dst');
    mkdirSync(join(src, 'd'), { recursive: true });
    mkdirSync(join(dst, 'd'), { recursive: true });
    writeFileSync(join(dst, 'd', 'gone'), '');
    const list = join(base, 'list');
    writeFileSync(list, 'd/gone\0');
    const result = await runCommand(
      probeArgv(program, base),
      // every line of the probe is routine: a failing rsync is an answer, not a warning
      { tag: 'rsync (probe)', timeoutMs: PROBE_TIMEOUT_MS, routine: /^/, env: { CLSYNC_STATUS: PROBE_STATUS, CLSYNC_ITERATION: '0' } },
    );
    if (result.code !== 0) return { works: false, why: `${describeEnd(result)} on a nested missing path` };
    if (existsSync(join(dst, 'd', 'gone'))) return { works: false, why: 'it left a nested missing path in place' };
    return { works: true, why: 'it deletes a nested missing path' };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
