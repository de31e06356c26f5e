/**
 * Walking a config block and the blocks it inherits from
 * (`config-block-inherits = parent`, chains allowed, loops refused).
 */
import { ConfigError } from '../errors.js';
import type { KeyFile, KeyFileEntry } from './keyfile.js';

/** The block clsync reads when `-K` is not given. */
export const DEFAULT_CONFIG_BLOCK = 'default';

/**
 * Visit `first` and then each parent block, child first. `visit` applies a
 * block's entries and returns the name of its parent (or undefined to stop).
 * A block named explicitly (by -K, or as a parent) that does not exist is a
 * ConfigError; so is an inheritance loop. A missing *default* block is fine:
 * it just contributes nothing. Returns the names of the blocks visited.
 */
export function walkBlocks(
  file: KeyFile,
  first: string,
  firstExplicit: boolean,
  visit: (name: string, entries: readonly KeyFileEntry[]) => string | undefined,
): string[] {
  const chain: string[] = [];
  let name: string | undefined = first;
  while (name !== undefined) {
    if (chain.includes(name)) {
      throw new ConfigError(`${file.path}: config-block-inherits loop: ${[...chain, name].map((b) => `[${b}]`).join(' -> ')}; break the loop`);
    }
    const entries = file.blocks.get(name);
    if (entries === undefined) {
      if (chain.length === 0 && !firstExplicit) return chain;
      const how = chain.length === 0
        ? 'chosen with --config-block (-K)'
        : `named by config-block-inherits in [${chain[chain.length - 1]}]`;
      const known = [...file.blocks.keys()].map((b) => `[${b}]`).join(', ') || 'none';
      throw new ConfigError(`${file.path}: no block [${name}] (${how}); blocks in the file: ${known}`);
    }
    chain.push(name);
    name = visit(name, entries);
  }
  return chain;
}
