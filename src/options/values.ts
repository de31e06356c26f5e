/**
 * Turning an option's text into its value, per value type of the table,
 * with clsync's rules (C `strtol(…, 0)` numbers, `=0` and empty disabling,
 * accumulating counts and exit-code lists).
 */
import type { OptionSpec } from './table.js';

/** The value of one option while options are being collected. Flags are counts here. */
export type OptionValue = string | number | readonly string[] | readonly number[] | undefined;

/** Reports a bad value; the caller knows whether it came from the command line or a file. */
export type ValueFailure = (problem: string) => never;

/**
 * Parse an integer the way C `strtol(text, &end, 0)` with clsync's trimming
 * does: surrounding blanks ignored, optional sign, `0x` hex, leading-zero
 * octal, decimal otherwise; the whole text must be used. The empty text is
 * 0 (strtol reads nothing and reports no error). Returns null if invalid.
 */
export function parseCInteger(text: string): number | null {
  const t = text.trim();
  if (t === '') return 0;
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (m === null) return null;
  const digits = m[2]!;
  let n: number;
  if (/^0[xX]/.test(digits)) n = parseInt(digits.slice(2), 16);
  else if (digits.startsWith('0')) n = digits.length === 1 ? 0 : parseInt(digits.slice(1), 8);
  else n = parseInt(digits, 10);
  return m[1] === '-' ? -n : n;
}

/** The value an option has when nobody set it; flags count from 0. */
export function initialValue(spec: OptionSpec): OptionValue {
  if (spec.type === 'flag') return 0;
  const d = spec.default;
  if (typeof d === 'boolean') return d ? 1 : 0;
  return d;
}

/**
 * Apply one occurrence of an option to its current value. `text` is null when
 * the option was given without argument. Accumulating options (counts,
 * exit-code lists) build on `previous`; the others replace it.
 */
export function foldValue(spec: OptionSpec, previous: OptionValue, text: string | null, fail: ValueFailure): OptionValue {
  switch (spec.type) {
    case 'flag':
    case 'level':
      if (text === null) return (typeof previous === 'number' ? previous : 0) + 1;
      return integerIn(spec, text, fail);
    case 'int':
      return integerIn(spec, text ?? '', fail);
    case 'string':
    case 'handlerArgs':
      return text ?? '';
    case 'path':
      return text === null || text === '' ? undefined : text;
    case 'enum':
      return enumValue(spec, text ?? '', fail);
    case 'exitcodes':
      return exitCodes(previous, text ?? '', fail);
    case 'list':
      return listValue(spec, text ?? '', fail);
    case 'octal': {
      const t = (text ?? '').trim();
      if (t === '') return undefined;
      if (!/^[0-7]+$/.test(t)) fail(`"${text}" is not an octal number (e.g. 0750)`);
      return parseInt(t, 8);
    }
  }
}

function integerIn(spec: OptionSpec, text: string, fail: ValueFailure): number {
  const n = parseCInteger(text);
  if (n === null) fail(`"${text}" is not a number${spec.argName !== undefined ? ` (expected ${spec.argName})` : ''}`);
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  if (n < min || n > max) fail(`${n} is out of range (${min}..${max})`);
  return n;
}

function enumValue(spec: OptionSpec, text: string, fail: ValueFailure): OptionValue {
  // clsync: an empty value puts the option back to its default.
  if (text === '') return typeof spec.default === 'string' ? spec.default : undefined;
  const values = spec.values ?? [];
  if (!values.includes(text)) fail(`"${text}" is not valid; use one of: ${values.join(', ')}`);
  return text;
}

/** clsync's list: digits and commas; each code is added, 0 (or an empty item) clears the list. */
function exitCodes(previous: OptionValue, text: string, fail: ValueFailure): readonly number[] {
  if (!/^[0-9,]*$/.test(text)) fail(`"${text}" is not a comma-separated list of exit codes (e.g. 23,24)`);
  let codes: number[] = Array.isArray(previous) ? (previous as readonly number[]).slice() : [];
  for (const item of text.split(',')) {
    const code = item === '' ? 0 : parseInt(item, 10);
    if (code > 255) fail(`exit code ${code} is out of range (1..255; 0 clears the list)`);
    if (code === 0) codes = [];
    else if (!codes.includes(code)) codes.push(code);
  }
  return codes;
}

function listValue(spec: OptionSpec, text: string, fail: ValueFailure): readonly string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (spec.values !== undefined) {
    for (const item of items) {
      if (!spec.values.includes(item)) fail(`"${item}" is not valid; use a list of: ${spec.values.join(', ')}`);
    }
  }
  return items;
}

/** Whether a collected value equals the table default (used to refuse unsupported options). */
export function isDefaultValue(spec: OptionSpec, value: OptionValue): boolean {
  const d = initialValue(spec);
  if (Array.isArray(value) || Array.isArray(d)) {
    const a = (value ?? []) as readonly unknown[];
    const b = (d ?? []) as readonly unknown[];
    return a.length === b.length && a.every((x, k) => x === b[k]);
  }
  return value === d;
}
