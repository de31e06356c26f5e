/**
 * The Linux capabilities the security options name (`-C`), as the kernel
 * numbers them (linux/capability.h).
 */

const NUMBERS: Readonly<Record<string, number>> = {
  CAP_DAC_READ_SEARCH: 2,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
};

/** What the C clsync's daemon keeps after dropping to --uid (its DEFAULT_PRESERVE_CAPABILITIES). */
export const DEFAULT_KEPT_CAPABILITIES: readonly string[] = ['CAP_DAC_READ_SEARCH', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL'];

/** The bit mask of these capabilities (names the option table allows). */
export function capabilityMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt(NUMBERS[name]!);
  return mask;
}
