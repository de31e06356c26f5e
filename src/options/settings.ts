/**
 * `Settings`: the typed result of option loading, one field per supported
 * option named as the camelCase of its long name. The type is derived from
 * the table, so an option is declared in exactly one place.
 *
 * All strings are byte strings (latin1, one char per byte), like every path
 * in this project: `Buffer.from(settings.watchDir, 'latin1')` gives the bytes.
 */
import { OPTIONS, type OptionSpec, type OptionTable } from './table.js';
import type { CollectedOptions } from './state.js';

/** 'delay-collect-bigfile' → 'delayCollectBigfile' (type level). */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The value type an option has in Settings. */
type ValueFor<O> =
  O extends { type: 'flag' } ? boolean :
  O extends { type: 'level' | 'int' } ? number :
  O extends { type: 'exitcodes' } ? number[] :
  O extends { type: 'list' } ? string[] :
  O extends { type: 'enum'; values: readonly (infer V)[]; default: string } ? V :
  O extends { type: 'enum'; values: readonly (infer V)[] } ? V | undefined :
  O extends { type: 'string'; default: string } ? string :
  O extends { type: 'octal' } ? number | undefined :
  string | undefined;

type SettingsOption = Exclude<Extract<OptionTable[number], { supported: true }>, { type: 'handlerArgs' }>;

/** One field per supported option. */
export type OptionFields = { -readonly [O in SettingsOption as CamelCase<O['long']>]: ValueFor<O> };

/** Fields that are not one option each. */
export interface SettingsExtras {
  /**
   * The sync handler's arguments as given (after `--` on the command line,
   * or the config key `--`), with `%option-name%` references already
   * replaced; `%UPPER-CASE%` words and `%%` are left for the handler.
   * null = not given; null or [] means the mode's default arguments
   * (the table's `defaultByMode` of the `--` entry).
   */
  handlerArgs: string[] | null;
  /** the initial sync's handler arguments (config key `---`), substituted like handlerArgs; null = not given */
  initialHandlerArgs: string[] | null;
  /** Every destination (`-D` repeated, or the config key's list), resolved; the first is `destinationDir`. */
  destinations: readonly string[];
  /** Text of every option that was set (long name → value), as `%option-name%` expands. */
  rawValues: Readonly<Record<string, string>>;
  /** Warnings found while loading (unknown config keys, -K without a config file); the caller logs them. */
  warnings: readonly string[];
}

/** The validated options of one clsync instance. */
export type Settings = OptionFields & SettingsExtras;

/** 'delay-collect-bigfile' → 'delayCollectBigfile'. */
export function camelCaseOf(long: string): string {
  return long.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Whether an option has a Settings field. */
export function hasSettingsField(spec: OptionSpec): boolean {
  return spec.supported && spec.type !== 'handlerArgs';
}

/** Build Settings from collected (and validated) options. */
export function toSettings(c: CollectedOptions): Settings {
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    if (!hasSettingsField(spec)) continue;
    const v = c.value(spec.long);
    out[camelCaseOf(spec.long)] = spec.type === 'flag' ? (typeof v === 'number' && v > 0) : Array.isArray(v) ? [...v] : v;
  }
  out['handlerArgs'] = c.handlerArgs === null ? null : [...c.handlerArgs];
  out['initialHandlerArgs'] = c.initialHandlerArgs === null ? null : [...c.initialHandlerArgs];
  out['destinations'] = [...c.destinations];
  out['rawValues'] = Object.fromEntries(c.raw);
  out['warnings'] = [...c.warnings];
  // The one place the table-derived type meets the runtime object built from the same table.
  return out as unknown as Settings;
}
