/**
 * A reader for glib key files as clsync reads them (g_key_file_load_from_file
 * + g_key_file_get_value): `[block]` headers, `key = value` lines, `#`
 * comment lines, blank lines. Values are taken raw — no escape processing,
 * no `;` comments (which is why the `ini` package does not fit: it treats `;`
 * as a comment and has other quoting rules).
 *
 * The text is a byte string (decoded latin1) so any bytes in paths survive.
 */
import { ConfigError } from '../errors.js';

/** One `key = value` line. */
export interface KeyFileEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line number, for messages */
  readonly line: number;
}

/** A parsed key file: its blocks, each with its entries in file order. */
export interface KeyFile {
  readonly path: string;
  /** block name → entries; a block given twice is merged, as glib does */
  readonly blocks: ReadonlyMap<string, readonly KeyFileEntry[]>;
}

/**
 * Parse key-file text. Throws ConfigError naming the file and line for a
 * line that is neither a comment, a block header nor `key = value`, and for
 * a key before the first block. Spaces around `=` are trimmed, and so are
 * spaces at the end of the value (a trailing blank in a path is never meant).
 */
export function parseKeyFile(text: string, path: string): KeyFile {
  const blocks = new Map<string, KeyFileEntry[]>();
  let current: KeyFileEntry[] | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n]!.replace(/\r$/, '').replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const m = /^\[([^\[\]]+)\][ \t]*$/.exec(line);
      if (m === null) throw new ConfigError(`${path}:${lineNo}: malformed block header "${line}"; write [block-name]`);
      const name = m[1]!;
      current = blocks.get(name) ?? [];
      blocks.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) throw new ConfigError(`${path}:${lineNo}: "${line}" is not "key = value", a [block] header or a # comment`);
    const key = line.slice(0, eq).replace(/[ \t]+$/, '');
    if (key === '') throw new ConfigError(`${path}:${lineNo}: missing key before "="`);
    if (current === null) {
      throw new ConfigError(`${path}:${lineNo}: key "${key}" comes before any [block] header; put it in a block such as [default]`);
    }
    const value = line.slice(eq + 1).replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
    current.push({ key, value, line: lineNo });
  }
  return { path, blocks };
}

/** The last entry for `key` in a block (a repeated key replaces, as in glib), or undefined. */
export function lastEntry(entries: readonly KeyFileEntry[], key: string): KeyFileEntry | undefined {
  for (let k = entries.length - 1; k >= 0; k--) if (entries[k]!.key === key) return entries[k];
  return undefined;
}
