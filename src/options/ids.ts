/**
 * Users and groups named by the security options (`--uid`, `--gid`,
 * `--privileged-*`, `--sync-handler-*`): a number, or a name looked up in
 * /etc/passwd and /etc/group (as getpwnam would with files only; names
 * from other NSS sources must be given as numbers).
 */
import { readFileSync } from 'node:fs';
import { OptionError } from '../errors.js';
import { parseCInteger } from './values.js';
import { optionByLong } from './table.js';
import type { CollectedOptions } from './state.js';

type IdFile = '/etc/passwd' | '/etc/group';

function lines(file: IdFile): string[][] {
  try {
    return readFileSync(file, 'latin1').split('\n').map((line) => line.split(':'));
  } catch {
    return [];
  }
}

/** A user or group as a number: digits, or a name looked up in the passwd/group file. */
export function resolveId(text: string, file: IdFile): number | undefined {
  if (/^\s*[0-9]/.test(text)) return parseCInteger(text) ?? undefined;
  const entry = lines(file).find((fields) => fields[0] === text && fields.length > 2);
  return entry ? Number(entry[2]) : undefined;
}

/** The supplementary groups of a user: its own group and every group in /etc/group that lists it by name. */
export function groupsOfUser(uid: number, gid: number): number[] {
  const name = lines('/etc/passwd').find((fields) => Number(fields[2]) === uid && fields.length > 2)?.[0];
  const groups = new Set([gid]);
  if (name !== undefined) {
    for (const fields of lines('/etc/group')) {
      if (fields.length > 3 && fields[3]!.split(',').includes(name)) groups.add(Number(fields[2]));
    }
  }
  return [...groups];
}

const ID_OPTIONS = [
  ['uid', '/etc/passwd'], ['gid', '/etc/group'],
  ['privileged-uid', '/etc/passwd'], ['privileged-gid', '/etc/group'],
  ['sync-handler-uid', '/etc/passwd'], ['sync-handler-gid', '/etc/group'],
] as const;

/** Every user or group option names one that exists, else the error names the option. */
export function checkIds(c: CollectedOptions): void {
  for (const [long, file] of ID_OPTIONS) {
    const text = c.value(long);
    if (typeof text !== 'string' || text === '') continue;
    if (resolveId(text, file) === undefined) {
      throw new OptionError(`${c.nameOf(optionByLong(long)!)}: no ${file === '/etc/passwd' ? 'user' : 'group'} "${text}" (not in ${file}; give a number)`);
    }
  }
}
