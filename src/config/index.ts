/** Config files: key-file syntax, search path, blocks and inheritance, `%option%` substitution. */
export { parseKeyFile, lastEntry, type KeyFile, type KeyFileEntry } from './keyfile.js';
export { loadConfigFile, DEFAULT_CONFIG_SEARCH_PATH, NO_CONFIG_FILE, type ConfigLocation } from './locate.js';
export { walkBlocks, DEFAULT_CONFIG_BLOCK } from './blocks.js';
export { substituteOptions, refersTo, type OptionLookup } from './substitute.js';
export { splitArgumentLine } from './handler-args.js';
