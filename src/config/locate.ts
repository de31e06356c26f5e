/**
 * Finding and reading the config file: `-H FILE`, `-H /NULL/`, or the first
 * readable file of clsync's search path.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../errors.js';
import { parseKeyFile, type KeyFile } from './keyfile.js';

/** clsync's search path (configuration.h CONFIG_PATHS); `~` is the home directory. */
export const DEFAULT_CONFIG_SEARCH_PATH: readonly string[] = [
  '~/.clsync.conf',
  '/etc/clsync/clsync.conf',
  '/etc/clsync.conf',
  '/usr/local/etc/clsync/clsync.conf',
  '/usr/local/etc/clsync.conf',
];

/** `-H /NULL/` means "read no config file at all". */
export const NO_CONFIG_FILE = '/NULL/';

/** Where to look for the config file. Byte strings (latin1), like every path. */
export interface ConfigLocation {
  /** the `-H` value; undefined = search */
  readonly explicit?: string;
  /** home directory for `~` (default: $HOME, then os.homedir()) */
  readonly home?: string;
  /** replaces DEFAULT_CONFIG_SEARCH_PATH (tests use it to stay away from /etc) */
  readonly searchPath?: readonly string[];
}

/**
 * Read and parse the config file to use, or return null when there is none
 * (`-H /NULL/`, or no file of the search path is readable). An explicit
 * `-H FILE` that cannot be read is a ConfigError; a broken line in whichever
 * file is read is a ConfigError naming file and line.
 */
export function loadConfigFile(where: ConfigLocation): KeyFile | null {
  if (where.explicit !== undefined) {
    if (where.explicit === NO_CONFIG_FILE) return null;
    const text = readBytes(where.explicit);
    if (text instanceof Error) {
      throw new ConfigError(`--config-file (-H): cannot read "${where.explicit}": ${text.message} (use -H /NULL/ to read no config file)`);
    }
    return parseKeyFile(text, where.explicit);
  }
  const home = where.home ?? process.env['HOME'] ?? os.homedir();
  for (const entry of where.searchPath ?? DEFAULT_CONFIG_SEARCH_PATH) {
    const file = entry.startsWith('~/') ? path.join(home, entry.slice(2)) : entry;
    const text = readBytes(file);
    if (!(text instanceof Error)) return parseKeyFile(text, file); // the first readable one only
  }
  return null;
}

/** The file's bytes as a latin1 byte string, or the error. */
function readBytes(file: string): string | Error {
  try {
    return fs.readFileSync(Buffer.from(file, 'latin1')).toString('latin1');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return new Error(err.code ?? err.message);
  }
}
