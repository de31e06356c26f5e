/**
 * `--help` text, generated from the option table: grouped by topic, one
 * line per option with its short and long spelling, argument, description
 * and default; options this release refuses are marked.
 */
import { OPTIONS, type HelpGroup, type OptionSpec } from './table.js';

const GROUP_ORDER: readonly HelpGroup[] = [
  'Source, destination and mode', 'Sync handler', 'Delays and limits', 'Initial sync and exit',
  'Monitoring', 'Config files', 'Logging, status and control', 'Security', 'Cluster', 'Information',
];

/** Column where descriptions start. */
const HELP_COLUMN = 34;

/** The option list printed by `clsync -h`. */
export function helpText(): string {
  const lines: string[] = [
    'Usage: clsync [options] [-- sync-handler arguments]',
    '       clsync ctl SOCKET status|pause|resume|resync [PATH]|reload|queue|set OPTION VALUE|watch [--json]',
    '',
    'Numeric options are disabled with =0, string options with an empty value.',
    '%option-name% in a value is replaced by that option\'s value.',
  ];
  for (const group of GROUP_ORDER) {
    const specs = (OPTIONS as readonly OptionSpec[]).filter((s) => s.group === group);
    if (specs.length === 0) continue;
    lines.push('', `${group}:`);
    for (const spec of specs) lines.push(helpLine(spec));
  }
  lines.push('', '* recognised for compatibility with clsync 0.4, but not supported yet: refused unless left at the default.');
  return lines.join('\n') + '\n';
}

function helpLine(spec: OptionSpec): string {
  const left = `  ${spec.supported ? ' ' : '*'}${spelling(spec)}`;
  const pad = left.length < HELP_COLUMN ? ' '.repeat(HELP_COLUMN - left.length) : '  ';
  return `${left}${pad}${spec.help}${defaultNote(spec)}`;
}

function spelling(spec: OptionSpec): string {
  const arg = spec.argName ?? 'N';
  if (spec.place === 'config') return `${spec.long} = ${arg} (config file)`;
  const short = spec.short !== undefined ? `-${spec.short}, ` : '    ';
  switch (spec.arg) {
    case 'none':
      return `${short}--${spec.long}`;
    case 'required':
      return `${short}--${spec.long}=${arg}`;
    case 'optional':
      return spec.type === 'flag' ? `${short}--${spec.long}` : `${short}--${spec.long}[=${arg}]`;
  }
}

function defaultNote(spec: OptionSpec): string {
  const d = spec.default;
  if (d === undefined || d === false || (Array.isArray(d) && d.length === 0)) return '';
  return ` [default: ${Array.isArray(d) ? d.join(',') : String(d)}]`;
}
