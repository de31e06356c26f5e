/**
 * The options collected so far from the command line and the config file:
 * each option's value, where it was set (for messages), and its text after
 * substitution (what `%option-name%` expands to).
 */
import { OPTIONS, optionTitle, type OptionSpec } from './table.js';
import { foldValue, initialValue, type OptionValue, type ValueFailure } from './values.js';

/** Where an option's value came from. */
export type OptionOrigin =
  | { readonly kind: 'cli'; readonly spelled: string }
  | { readonly kind: 'config'; readonly file: string; readonly line: number; readonly block: string };

const DESTINATION = 'destination-dir';

/** A config file's destination list: commas separate, `\,` is a comma in a path. */
function splitDestinations(text: string): string[] {
  return text
    .split(/(?<!\\),/)
    .map((d) => d.replace(/\\,/g, ',').trim())
    .filter((d) => d !== '');
}

/** Mutable collection of option values while loading settings. */
export class CollectedOptions {
  private readonly values = new Map<string, OptionValue>();
  private readonly origins = new Map<string, OptionOrigin>();
  /** long name → text as set (after substitution); clsync seeds the label */
  readonly raw = new Map<string, string>([['label', 'nolabel']]);
  /** handler arguments (null = not given) */
  handlerArgs: string[] | null = null;
  /** the initial sync's handler arguments (config key `---`; null = not given) */
  initialHandlerArgs: string[] | null = null;
  /** problems that are not errors (unknown config keys, -K without a file), logged once the log is set up */
  readonly warnings: string[] = [];
  /**
   * Every destination (`-D` is repeatable on the command line; the config
   * key takes a comma-separated list, `\,` for a comma in a path); the
   * option's own value is the first, which `%destination-dir%` names.
   */
  destinations: string[] = [];

  /** `%name%` lookup over the options set so far. */
  readonly lookup = (name: string): string | undefined => this.raw.get(name);

  /** Whether the option was given (on the command line or in a block already read). */
  isSet(long: string): boolean {
    return this.values.has(long);
  }

  /** The option's value, or its default when not given. */
  value(long: string): OptionValue {
    if (this.values.has(long)) return this.values.get(long);
    const spec = OPTIONS.find((s) => s.long === long);
    return spec === undefined ? undefined : initialValue(spec);
  }

  origin(long: string): OptionOrigin | undefined {
    return this.origins.get(long);
  }

  /** Apply one occurrence (text already substituted; null = no argument). */
  apply(spec: OptionSpec, text: string | null, origin: OptionOrigin, fail: ValueFailure): void {
    if (spec.long === DESTINATION) {
      const given = text === null || text === '' ? [] : origin.kind === 'cli' ? [text] : splitDestinations(text);
      // on the command line each -D adds one ("-D ''" clears them); a config file gives them all at once
      this.destinations = origin.kind === 'cli' && given.length > 0 ? [...this.destinations, ...given] : given;
      text = this.destinations[0] ?? text;
    }
    this.values.set(spec.long, foldValue(spec, this.value(spec.long), text, fail));
    this.origins.set(spec.long, origin);
    if (text !== null) this.raw.set(spec.long, text);
  }

  /** Replace a value after the fact (paths made absolute); keeps the origin. */
  correct(long: string, value: string): void {
    if (long === DESTINATION) this.destinations[0] = value;
    this.values.set(long, value);
    this.raw.set(long, value);
  }

  /** Forget a value (back to its default). */
  unset(long: string): void {
    this.values.delete(long);
    this.raw.delete(long);
  }

  /** How to name the option in a message: as typed, or with the file and line it came from. */
  nameOf(spec: OptionSpec): string {
    const origin = this.origins.get(spec.long);
    if (origin === undefined) return optionTitle(spec);
    if (origin.kind === 'cli') {
      return origin.spelled === `--${spec.long}` ? origin.spelled : `${origin.spelled} (--${spec.long})`;
    }
    return `${optionTitle(spec)} (${origin.file}:${origin.line}, block [${origin.block}])`;
  }
}
