/**
 * A getopt_long-compatible command-line parser driven by the option table.
 *
 * Why not `util.parseArgs`: clsync is used with GNU getopt_long semantics that
 * parseArgs does not have — optional arguments that are taken only when
 * attached (`-d5`, `--debug=5`, while `-d 5` leaves `5` a handler argument),
 * unambiguous long-option prefixes (`--watch` for `--watch-dir`), a short
 * option with an argument consuming the rest of its bundle (`-Mrsyncdirect`,
 * and `-qU` giving `-q` the argument `U`), and the permutation of non-option
 * words into the handler argument list. Existing command lines must keep
 * their meaning, so we implement exactly those rules.
 */
import { OptionError } from '../errors.js';
import { OPTIONS, type OptionSpec } from './table.js';

/** One option as it appeared on the command line. */
export interface CliOccurrence {
  readonly spec: OptionSpec;
  /** the argument, or null when none was given (flags, optional arguments) */
  readonly value: string | null;
  /** the option exactly as typed, for messages: `-M`, `--mode`, `--wat` */
  readonly spelled: string;
}

/** The parsed command line: options in the order given, and the handler arguments. */
export interface CommandLine {
  readonly options: readonly CliOccurrence[];
  /**
   * Words that are not options (getopt moves them to the end) followed by
   * everything after `--`. null when there were none and no `--`; an empty
   * list when `--` was given with nothing (or only one empty word) after it.
   */
  readonly handlerArgs: string[] | null;
}

/**
 * Parse argv (without the program name) the way clsync's getopt_long call
 * does. Throws OptionError naming the option as typed for an unknown option,
 * an ambiguous abbreviation, a missing argument or an argument given to an
 * option that takes none.
 */
export function parseCommandLine(argv: readonly string[], table: readonly OptionSpec[] = OPTIONS): CommandLine {
  const onCli = table.filter((s) => s.place !== 'config');
  const options: CliOccurrence[] = [];
  const positional: string[] = [];
  let sawDoubleDash = false;

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      sawDoubleDash = true;
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      i = parseLong(word, argv, i, onCli, options);
    } else if (word.startsWith('-') && word.length > 1) {
      i = parseShortBundle(word, argv, i, onCli, options);
    } else {
      positional.push(word); // getopt permutes non-options to the end
    }
  }

  let handlerArgs: string[] | null = null;
  if (sawDoubleDash || positional.length > 0) {
    // clsync: a single empty word after the options means "no arguments".
    handlerArgs = positional.length === 1 && positional[0] === '' ? [] : positional;
  }
  return { options, handlerArgs };
}

/** Handle `--name`, `--name=value`, `--name value`; returns the index of the last word used. */
function parseLong(
  word: string, argv: readonly string[], i: number, table: readonly OptionSpec[], out: CliOccurrence[],
): number {
  const eq = word.indexOf('=');
  const typedName = eq === -1 ? word.slice(2) : word.slice(2, eq);
  const spelled = `--${typedName}`;
  const attached = eq === -1 ? null : word.slice(eq + 1);
  const spec = matchLong(typedName, table, spelled);

  switch (spec.arg) {
    case 'none':
      if (attached !== null) throw new OptionError(`${describe(spelled, spec)}: takes no argument (got "${attached}")`);
      out.push({ spec, value: null, spelled });
      return i;
    case 'optional':
      out.push({ spec, value: attached, spelled });
      return i;
    case 'required':
      if (attached !== null) {
        out.push({ spec, value: attached, spelled });
        return i;
      }
      if (i + 1 >= argv.length) {
        throw new OptionError(`${describe(spelled, spec)}: requires an argument${argHint(spec)}`);
      }
      // Like getopt, the next word is the argument whatever it looks like.
      out.push({ spec, value: argv[i + 1]!, spelled });
      return i + 1;
  }
}

/** Exact long name first, then a unique prefix (getopt_long abbreviations). */
function matchLong(typedName: string, table: readonly OptionSpec[], spelled: string): OptionSpec {
  const exact = table.find((s) => s.long === typedName);
  if (exact !== undefined) return exact;
  const candidates = typedName === '' ? [] : table.filter((s) => s.long.startsWith(typedName));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    const list = candidates.map((s) => `--${s.long}`).join(', ');
    throw new OptionError(`${spelled}: ambiguous option, could be ${list}; type more of the name`);
  }
  throw new OptionError(`${spelled}: unknown option (see --help)`);
}

/** Handle `-abc`: flags in a row; an option with an argument takes the rest of the word. */
function parseShortBundle(
  word: string, argv: readonly string[], i: number, table: readonly OptionSpec[], out: CliOccurrence[],
): number {
  for (let k = 1; k < word.length; k++) {
    const letter = word[k]!;
    const spelled = `-${letter}`;
    const spec = table.find((s) => s.short === letter);
    if (spec === undefined) throw new OptionError(`${spelled}: unknown option${k > 1 ? ` (in "${word}")` : ''} (see --help)`);
    const rest = word.slice(k + 1);
    if (spec.arg === 'none') {
      out.push({ spec, value: null, spelled });
      continue;
    }
    if (rest !== '') {
      out.push({ spec, value: rest, spelled });
      return i;
    }
    if (spec.arg === 'optional') {
      out.push({ spec, value: null, spelled });
      return i;
    }
    if (i + 1 >= argv.length) {
      throw new OptionError(`${describe(spelled, spec)}: requires an argument${argHint(spec)}`);
    }
    out.push({ spec, value: argv[i + 1]!, spelled });
    return i + 1;
  }
  return i;
}

/** `-M (--mode)` or `--wat (--watch-dir)`; just the long name when typed in full. */
function describe(spelled: string, spec: OptionSpec): string {
  return spelled === `--${spec.long}` ? spelled : `${spelled} (--${spec.long})`;
}

function argHint(spec: OptionSpec): string {
  return spec.argName !== undefined ? ` (${spec.argName})` : '';
}
