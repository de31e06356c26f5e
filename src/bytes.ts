/**
 * Settings and paths are byte strings (one char per byte, see RelPath).
 * These turn them into what Node's APIs take.
 */

/** The bytes of a byte string, for fs calls. */
export function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * A byte string as the string Node would encode to the same bytes: for
 * arguments of spawned programs, paths of fs calls that only take strings,
 * and display. Exact for valid UTF-8 (all that argv can carry).
 */
export function nativeString(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}

/** A string Node gave us (a path it made, argv) as a byte string. */
export function byteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
