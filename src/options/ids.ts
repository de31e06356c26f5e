/**
 * `--uid`/`--gid` until privilege dropping lands (the security issue):
 * a value that changes nothing (the daemon's own user or group, by name or
 * number) is accepted, so command lines such as `--uid 0 --gid 0` run as
 * root unchanged; any other value is refused, never ignored.
 */
import { readFileSync } from 'node:fs';
import { OptionError } from '../errors.js';
import { parseCInteger } from './values.js';
import { optionByLong } from './table.js';
import type { CollectedOptions } from './state.js';

/** The id of `name` in /etc/passwd or /etc/group (field 3), or undefined. */
function idFromFile(file: string, name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length > 2) return Number(fields[2]);
  }
  return undefined;
}

/** A user or group as a number: digits, or a name looked up in the passwd/group file. */
export function resolveId(text: string, file: '/etc/passwd' | '/etc/group'): number | undefined {
  if (/^\s*[0-9]/.test(text)) return parseCInteger(text) ?? undefined;
  return idFromFile(file, text);
}

/** Refuse a --uid/--gid that would change the daemon's user or group (not supported yet). */
export function refuseIdChanges(c: CollectedOptions): void {
  const checks = [
    { long: 'uid', file: '/etc/passwd', current: process.getuid?.() ?? 0, what: 'uid', kind: 'user' },
    { long: 'gid', file: '/etc/group', current: process.getgid?.() ?? 0, what: 'gid', kind: 'group' },
  ] as const;
  for (const check of checks) {
    const text = c.value(check.long);
    if (typeof text !== 'string' || text === '') continue;
    const name = c.nameOf(optionByLong(check.long)!);
    const id = resolveId(text, check.file);
    if (id === undefined) throw new OptionError(`${name}: no ${check.kind} "${text}" (not in ${check.file})`);
    if (id !== check.current) {
      throw new OptionError(
        `${name}: not supported yet: would drop to ${check.what} ${id}, the daemon runs as ${check.what} ${check.current}; ` +
          `remove it (dropping privileges comes with the security options)`,
      );
    }
  }
}
