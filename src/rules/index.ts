/** Filter rules (`-R rules-file`): parsing and matching. */
export { RuleSet, RuleAction } from './rule-set.js';
export { RuleTarget } from './rule-line.js';
export type { Rule } from './rule-line.js';
