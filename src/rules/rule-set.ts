/**
 * A rules file (`-R`), parsed, and the question asked per object: which
 * actions (walk into, monitor, sync) do the rules permit for this path?
 */
import * as fs from 'node:fs';
import { RulesError } from '../errors.js';
import type { RelPath } from '../types.js';
import { ALL_ACTIONS, parseRuleLine, Rule, RuleAction, RuleSyntaxError, RuleTarget } from './rule-line.js';

export { RuleAction };

/** An ordered list of rules; the first rule that matches decides each action. */
export class RuleSet {
  readonly isEmpty: boolean;
  /** does any rule concern non-directories (so walks must report files)? */
  readonly concernsFiles: boolean;
  private readonly rules: readonly Rule[];

  private constructor(rules: readonly Rule[]) {
    this.rules = rules;
    this.isEmpty = rules.length === 0;
    this.concernsFiles = rules.some((r) => r.target !== RuleTarget.DIRECTORY);
  }

  /**
   * Parses rules text. `text` is a byte string (latin1), so patterns match
   * names byte for byte. Lines are separated by "\n"; empty lines and lines
   * starting with "#" are skipped. Throws RulesError naming file and line.
   */
  static parse(text: string, fileName: string): RuleSet {
    const rules: Rule[] = [];
    const lines = text.split('\n');
    // A final "\n" ends the last line rather than starting an empty one.
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n];
      if (line === '' || line[0] === '#') continue;
      try {
        rules.push(parseRuleLine(line));
      } catch (err) {
        if (err instanceof RuleSyntaxError) {
          throw new RulesError(`${fileName}:${n + 1}: bad rule ${JSON.stringify(line)}: ${err.message}`);
        }
        throw err;
      }
    }
    return new RuleSet(rules);
  }

  /** Reads and parses a rules file (as latin1 bytes). Throws RulesError, also when it cannot be read. */
  static load(filePath: string): RuleSet {
    let text: string;
    try {
      text = fs.readFileSync(filePath, 'latin1');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new RulesError(`cannot read rules file ${filePath}: ${reason} (check the -R/--rules-file path and its permissions)`);
    }
    return RuleSet.parse(text, filePath);
  }

  /** A rule set that permits everything. */
  /** The rules of `filePath` (see load), or none when no rules file is given. */
  static loadOrEmpty(filePath: string | undefined): RuleSet {
    return filePath ? RuleSet.load(filePath) : RuleSet.empty();
  }

  static empty(): RuleSet {
    return new RuleSet([]);
  }

  /**
   * Bitmask of RuleAction permitted for this path. For each action the first
   * rule that covers it, applies to this type of object and matches decides;
   * actions no rule decides are permitted (as in the C clsync).
   */
  permitted(path: RelPath, isDir: boolean): number {
    const rules = this.rules;
    let undecided = ALL_ACTIONS;
    let result = 0;
    const skipTarget = isDir ? RuleTarget.NON_DIRECTORY : RuleTarget.DIRECTORY;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const covers = rule.actions & undecided;
      if (covers === 0 || rule.target === skipTarget) continue;
      if (!rule.regex.test(path)) continue;
      result |= rule.permits & covers;
      undecided &= ~covers;
      if (undecided === 0) return result;
    }
    return result | undecided;
  }
}
