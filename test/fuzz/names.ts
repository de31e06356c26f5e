/**
 * File names of every class the tools we replace get wrong (issue 3): line
 * breaks, rsync wildcard characters, backslashes, a leading dash, invalid
 * UTF-8, the 255-byte maximum. Names are byte strings (one char per byte).
 */
import type { Prng } from './prng.js';

/** The classes of names the generator draws from. */
export const NAME_CLASSES = [
  'plain',
  'newline',
  'brackets',
  'star',
  'question',
  'backslash',
  'dash',
  'invalid-utf8',
  'long',
  'space',
  'utf8',
] as const;

export type NameClass = (typeof NAME_CLASSES)[number];

/** The longest name Linux file systems accept, in bytes. */
export const NAME_MAX = 255;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function word(rng: Prng, min: number, max: number): string {
  let s = '';
  const n = rng.int(min, max);
  for (let i = 0; i < n; i++) s += LETTERS[rng.int(0, LETTERS.length - 1)];
  return s;
}

/** A name of the given class (a byte string, never '.', '..', empty, or containing '/' or NUL). */
export function nameOfClass(rng: Prng, cls: NameClass, maxBytes = NAME_MAX): string {
  const w = word(rng, 1, 6);
  let name: string;
  switch (cls) {
    case 'plain':
      name = w;
      break;
    case 'newline':
      name = rng.pick([`${w}\n${word(rng, 1, 3)}`, `\n${w}`, `${w}\n`, `${w}\r\n`]);
      break;
    case 'brackets':
      name = rng.pick([`[${w}]`, `${w}[`, `]${w}`, `${w}[a-z]`]);
      break;
    case 'star':
      name = rng.pick(['*', '***', `${w}*`, `*${w}*`, `${w}***`, '**']);
      break;
    case 'question':
      name = rng.pick(['?', `${w}?`, `?${w}`]);
      break;
    case 'backslash':
      name = rng.pick(['\\', `${w}\\`, `\\${w}`, `${w}\\*`, `${w}\\[x]`]);
      break;
    case 'dash':
      name = rng.pick([`-${w}`, '--delete', '-', `- ${w}`, `+ ${w}`]);
      break;
    case 'invalid-utf8':
      // latin1 bytes 0x80–0xff alone are never valid UTF-8 sequences
      name = w + String.fromCharCode(rng.int(0x80, 0xff)) + String.fromCharCode(rng.pick([0xfe, 0xff, 0xc0]));
      break;
    case 'long':
      name = (w + 'x'.repeat(NAME_MAX)).slice(0, NAME_MAX);
      break;
    case 'space':
      name = rng.pick([` ${w}`, `${w} `, `${w} ${w}`, `\t${w}`]);
      break;
    case 'utf8':
      name = Buffer.from(`${w}-é日本`, 'utf8').toString('latin1');
      break;
  }
  if (name.length > maxBytes) name = name.slice(0, Math.max(1, maxBytes));
  if (name === '.' || name === '..') name = w;
  return name;
}
