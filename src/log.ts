/**
 * The daemon's logger: one line per message, to stderr, stdout or syslog
 * (`-Y`), filtered by `-q` (errors only), `-v` (info) and `-d N` (debug
 * levels 1–5). Every message that can carry a file name goes through
 * `showPath` first so newlines or invalid UTF-8 in names cannot forge lines.
 */
export type LogOutput = 'stderr' | 'stdout' | 'syslog';

export interface LogSettings {
  output: LogOutput;
  quiet: boolean;
  verbose: boolean;
  debug: number;
  label: string;
  /** the output is the systemd journal ($JOURNAL_STREAM): `<N>` priority prefixes, no time stamp (the journal keeps its own) */
  journal?: boolean;
}

/** clsync's default `-v` level; each `-v` above it shows per-sync details. */
export const DEFAULT_VERBOSITY = 3;

/** syslog(3) priorities */
const LOG_ERR = 3;
const LOG_WARNING = 4;
const LOG_NOTICE = 5;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

type SyslogWriter = (priority: number, message: string) => void;

export class Logger {
  private settings: LogSettings = { output: 'stderr', quiet: false, verbose: false, debug: 0, label: 'nolabel' };
  private syslog: SyslogWriter | null = null;
  /** called before each line to stdout/stderr (the progress line clears itself) */
  private beforeLine: (() => void) | null = null;

  /** Apply the log options; `syslog` is the native writer, needed only for `-Y syslog`. */
  configure(settings: LogSettings, syslog?: SyslogWriter): void {
    this.settings = settings;
    this.syslog = syslog ?? null;
  }

  /** Run `clear` before every line written to stdout or stderr (null: nothing). */
  setBeforeLine(clear: (() => void) | null): void {
    this.beforeLine = clear;
  }

  /** Change the levels while running (the control socket's SET of -v, -d, -q). */
  adjust(levels: Pick<LogSettings, 'quiet' | 'verbose' | 'debug'>): void {
    this.settings = { ...this.settings, ...levels };
  }

  /** Where messages go (`-Y`): handler output is passed through unless it is syslog. */
  get output(): LogOutput {
    return this.settings.output;
  }

  /** Current debug level (0 = off), so hot paths can skip building debug text. */
  get debugLevel(): number {
    return this.settings.debug;
  }

  error(message: string): void {
    this.write(LOG_ERR, 'Error', message);
  }

  warn(message: string): void {
    if (!this.settings.quiet) this.write(LOG_WARNING, 'Warning', message);
  }

  /** Life-cycle milestones: always shown unless -q (the C clsync shows them too). */
  notice(message: string): void {
    if (!this.settings.quiet) this.write(LOG_NOTICE, 'Info', message);
  }

  /** Per-sync details: shown with -v or -d. */
  info(message: string): void {
    if (!this.settings.quiet && (this.settings.verbose || this.settings.debug > 0)) {
      this.write(LOG_INFO, 'Info', message);
    }
  }

  debug(level: number, message: string): void {
    if (level <= this.settings.debug) this.write(LOG_DEBUG, `Debug${level}`, message);
  }

  private write(priority: number, tag: string, message: string): void {
    const { output } = this.settings;
    if (output === 'syslog' && this.syslog) {
      this.syslog(priority, message);
      return;
    }
    const line = this.settings.journal
      ? `<${priority}>${tag}: ${message}\n`
      : `${new Date().toISOString()} clsync[${process.pid}] ${tag}: ${message}\n`;
    this.beforeLine?.();
    (output === 'stdout' ? process.stdout : process.stderr).write(line);
  }
}

/** The process-wide logger. */
export const log = new Logger();

/**
 * A byte-string path (see RelPath) as a printable, unambiguous JSON-ish
 * string: valid UTF-8 is shown as text, control characters and invalid bytes
 * as escapes.
 */
export function showPath(path: string): string {
  const bytes = Buffer.from(path, 'latin1');
  const text = bytes.toString('utf8');
  const clean = Buffer.from(text, 'utf8').equals(bytes);
  if (clean && !/[\x00-\x1f\x7f"\\]/.test(text)) return `"${text}"`;
  if (clean) return JSON.stringify(text);
  let out = '"';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out + '"';
}
