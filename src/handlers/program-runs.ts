/**
 * Runs of a program handler (simple, direct, shell) for a list of entries:
 * `%INCLUDE-LIST%` becomes one argument per path, split into several runs
 * so that no run has more arguments than the C tool allows (256, its
 * MAXARGUMENTS, with the template's own words counted), and
 * `%INCLUDE-LIST-PATH%` names a list file written in the mode's line format.
 */
import { HandlerRunner, INCLUDE_LIST, type RunContext } from '../exec/handler-runner.js';
import type { ListWriter } from './lists.js';
import type { SyncEntry } from './entries.js';

/** The C clsync's MAXARGUMENTS: most words of one handler command line. */
const MAX_ARGUMENTS = 256;

/** One sync's runs: which template, and how entries become arguments and list lines. */
export interface ProgramRuns {
  template: readonly string[];
  /** %TYPE%: "sync", or "initialsync" for the initial sync's own run */
  type: 'sync' | 'initialsync';
  /** the argument %INCLUDE-LIST% gets for an entry */
  argument: (entry: SyncEntry) => string;
  /** the line of an entry in the %INCLUDE-LIST-PATH% file, without its newline */
  line: (entry: SyncEntry) => string;
  /** %EVENT-MASK% (simple mode: the entry's own) */
  mask?: number;
}

/**
 * Run `runs.template` for `entries`: once, or once per part of at most
 * MAX_ARGUMENTS words when it uses `%INCLUDE-LIST%`. Rejects with a
 * HandlerError when a run fails beyond the retry policy.
 */
export async function runProgram(runner: HandlerRunner, lists: ListWriter, entries: readonly SyncEntry[], runs: ProgramRuns, context: RunContext): Promise<void> {
  const usesArgs = runs.template.includes(INCLUDE_LIST);
  const usesFile = runs.template.some((a) => a.includes('%INCLUDE-LIST-PATH%'));
  const values: Record<string, string> = { TYPE: runs.type };
  if (runs.mask !== undefined) values['EVENT-MASK'] = String(runs.mask);
  const per = usesArgs ? Math.max(1, MAX_ARGUMENTS - runs.template.length) : Infinity;
  for (let from = 0; from === 0 || from < entries.length; from += per) {
    const part = entries.slice(from, from + per);
    const paths = part.map(runs.argument);
    const run = (listPath?: string): Promise<number> =>
      runner.run({ template: runs.template, values: listPath === undefined ? values : { ...values, 'INCLUDE-LIST-PATH': listPath }, paths }, context);
    if (!usesFile) await run();
    else await lists.with('include', context.iteration, Buffer.from(part.map((e) => runs.line(e) + '\n').join(''), 'latin1'), run);
  }
}
