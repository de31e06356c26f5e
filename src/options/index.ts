/**
 * Options: the table of every clsync option, the command-line parser, and
 * loading validated Settings from the command line and the config file.
 */
export { loadSettings, type SettingsEnvironment } from './load.js';
export { helpText } from './help.js';
export { VERSION } from './version.js';
export { parseCommandLine, type CliOccurrence, type CommandLine } from './cli.js';
export { OPTIONS, optionByLong, optionByShort, optionTitle, type OptionSpec, type ArgKind, type ValueType, type HelpGroup } from './table.js';
export { camelCaseOf, type Settings, type OptionFields, type SettingsExtras } from './settings.js';

import { substituteOptions as substitute } from '../config/substitute.js';
import type { Settings } from './settings.js';

/**
 * Replace `%option-name%` references in `text` with the values of `settings`
 * (for handlers expanding the mode's default arguments). `%UPPER-CASE%`
 * words and `%%` are left untouched.
 */
export function substituteSettings(text: string, settings: Settings): string {
  return substitute(text, (name) => settings.rawValues[name], true);
}
