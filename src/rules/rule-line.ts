/**
 * Parsing of one line of a rules file (`[+-][fdWwms*]REGEX`) into a Rule.
 *
 * Semantics follow the C clsync 0.4 (`rules.c`, `parse_rules_fromfile`):
 * - `+` permits, `-` rejects the actions the rule covers;
 * - `f` (file) and `d` (directory) and `*` (any type) cover every action;
 * - `w` walk, `m` monitor, `s` sync, `W` walk + monitor cover only those
 *   actions and apply only to directories.
 *
 * Where we deviate from the C code, on purpose:
 * - `f` matches every non-directory (regular files, symlinks, devices, FIFOs,
 *   sockets). The C code matched only regular files (S_IFREG), so a `-f`
 *   rule never excluded a symlink; its manual says "file", and users write
 *   `-f\.swp$` expecting any such object to be left out.
 * - `W` is walk + monitor, as the manual says. The C code lower-cases the
 *   letter before looking at it, so there `W` silently acted as `w`.
 *   Other upper-case letters (`F`, `D`, `M`, `S`) are accepted as their
 *   lower-case forms, as the C code did.
 * - An unknown type letter or a missing one is an error; the C code logged a
 *   warning and dropped the rule, which silently widened what gets synced.
 * - There is no limit of 256 rules.
 */
import { compileEre, EreSyntaxError } from './ere.js';

/** Action bits a rule can permit or reject (same values as the C RA_* bits). */
export const RuleAction = { MONITOR: 1, SYNC: 2, WALK: 4 } as const;

/** All action bits. */
export const ALL_ACTIONS = RuleAction.MONITOR | RuleAction.SYNC | RuleAction.WALK;

/** Which objects a rule applies to. */
export const RuleTarget = { ANY: 0, DIRECTORY: 1, NON_DIRECTORY: 2 } as const;
export type RuleTarget = (typeof RuleTarget)[keyof typeof RuleTarget];

/** One parsed rule. */
export interface Rule {
  /** the actions this rule decides */
  readonly actions: number;
  /** `actions` when the rule permits, 0 when it rejects */
  readonly permits: number;
  readonly target: RuleTarget;
  readonly regex: RegExp;
  /** the line as written, for messages */
  readonly source: string;
}

/** Thrown by parseRuleLine; the caller adds file and line. */
export class RuleSyntaxError extends Error {}

/** Actions and target for each accepted type letter. */
const TYPE_LETTERS: Readonly<Record<string, { actions: number; target: RuleTarget }>> = {
  '*': { actions: ALL_ACTIONS, target: RuleTarget.ANY },
  f: { actions: ALL_ACTIONS, target: RuleTarget.NON_DIRECTORY },
  F: { actions: ALL_ACTIONS, target: RuleTarget.NON_DIRECTORY },
  d: { actions: ALL_ACTIONS, target: RuleTarget.DIRECTORY },
  D: { actions: ALL_ACTIONS, target: RuleTarget.DIRECTORY },
  W: { actions: RuleAction.WALK | RuleAction.MONITOR, target: RuleTarget.DIRECTORY },
  w: { actions: RuleAction.WALK, target: RuleTarget.DIRECTORY },
  m: { actions: RuleAction.MONITOR, target: RuleTarget.DIRECTORY },
  M: { actions: RuleAction.MONITOR, target: RuleTarget.DIRECTORY },
  s: { actions: RuleAction.SYNC, target: RuleTarget.DIRECTORY },
  S: { actions: RuleAction.SYNC, target: RuleTarget.DIRECTORY },
};

/**
 * Parses one non-empty, non-comment line. Throws RuleSyntaxError saying what
 * is wrong with it.
 */
export function parseRuleLine(line: string): Rule {
  const sign = line[0];
  if (sign !== '+' && sign !== '-') {
    throw new RuleSyntaxError(`a rule must start with "+" (include) or "-" (exclude), not ${JSON.stringify(sign)}`);
  }
  const letter = line[1];
  if (letter === undefined) {
    throw new RuleSyntaxError('the type letter is missing (one of f d W w m s *)');
  }
  const type = TYPE_LETTERS[letter];
  if (type === undefined) {
    throw new RuleSyntaxError(`unknown type letter ${JSON.stringify(letter)} (expected one of f d W w m s *)`);
  }
  let regex: RegExp;
  try {
    regex = compileEre(line.slice(2));
  } catch (err) {
    if (err instanceof EreSyntaxError) throw new RuleSyntaxError(`invalid regular expression: ${err.message}`);
    throw err;
  }
  return {
    actions: type.actions,
    permits: sign === '+' ? type.actions : 0,
    target: type.target,
    regex,
    source: line,
  };
}
