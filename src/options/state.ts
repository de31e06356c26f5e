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
    this.values.set(spec.long, foldValue(spec, this.value(spec.long), text, fail));
    this.origins.set(spec.long, origin);
    if (text !== null) this.raw.set(spec.long, text);
  }

  /** Replace a value after the fact (paths made absolute); keeps the origin. */
  correct(long: string, value: string): void {
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
