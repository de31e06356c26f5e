import { ClsyncError } from './errors.js';
import { DEFAULT_VERBOSITY, log } from './log.js';
import { helpText, loadSettings, VERSION, type Settings } from './options/index.js';
import { Daemon } from './daemon.js';
import { writePidFile } from './control/status.js';
import { installSignals } from './control/signals.js';
import { prepareDumpDir } from './control/dump.js';
import { checkCustomSignals } from './control/custom-signals.js';
import { detach, reportFailure, reportStarted, takeBackgroundMarker } from './control/background.js';
import { execHelperPath } from './exec/helper.js';
import { allExitedWithin, runningCount, signalAll } from './exec/children.js';
import { nativeString } from './bytes.js';
import { Operations, withOptions } from './control/operate.js';
import { isJournalStream } from './control/systemd.js';

/**
 * How long children sent TERM at the end (INT, TERM, a fatal error) may take
 * to exit before we do: our exit makes their exec helpers KILL them, which
 * would cut short rsync's removal of its partial files.
 */
const CHILDREN_EXIT_GRACE_MS = 2000;

/**
 * The `clsync` command: parse and validate options (nothing starts on a bad
 * one), run the daemon, exit with its code. Every non-zero exit prints one
 * line saying why.
 */
export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'ctl') {
    const { ctlMain } = await import('./control/ctl.js');
    process.exitCode = await ctlMain(argv.slice(1));
    return;
  }
  const backgroundChild = takeBackgroundMarker();
  let settings: Settings;
  const loadBlock = (block: string): Settings => loadSettings(argv, { configBlock: block });
  let customSignals: Map<NodeJS.Signals, string>;
  try {
    settings = loadSettings(argv);
    customSignals = settings.help || settings.version ? new Map() : checkCustomSignals(settings, loadBlock);
  } catch (err) {
    exitWith(err);
  }
  if (settings.help) {
    process.stdout.write(helpText());
    process.exit(0);
  }
  if (settings.version) {
    process.stdout.write(`clsync ${VERSION} (Node.js ${process.version})\n`);
    process.exit(0);
  }
  if (settings.background && !backgroundChild) {
    if (settings.output !== 'syslog') {
      process.stderr.write(`clsync: -b/--background: the daemon's messages go to /dev/null; add -Y syslog to keep them\n`);
    }
    await detach(argv);
  }
  try {
    await configureLog(settings);
    for (const warning of settings.warnings) log.warn(warning);
    if (settings.cancelSyscalls.includes('mon_stat')) {
      log.warn('--cancel-syscalls=mon_stat: no lstat() per event; big-file detection (-B, -T) and --modification-signature are unavailable');
    }
    execHelperPath(); // a missing helper ends the daemon now, not at its first sync
    const removePidFile = writePidFile(settings.pidFile && nativeString(settings.pidFile));
    const dumpDir = settings.dumpDir ? prepareDumpDir(settings.dumpDir) : undefined;
    const operations = new Operations(settings, (extra) => loadSettings(withOptions(argv, extra)));
    const daemon = new Daemon(settings, operations.events({ marking: reportStarted }));
    installSignals(daemon, { dumpDir, customSignals, loadBlock });
    let end;
    try {
      await operations.start(daemon, () => daemon.terminate('control socket DIE'));
      end = await daemon.run();
    } finally {
      await operations.close(); // the socket file goes whatever ended the daemon
    }
    if (!(await allExitedWithin(CHILDREN_EXIT_GRACE_MS))) {
      log.warn(`${runningCount()} handler processes still running ${CHILDREN_EXIT_GRACE_MS / 1000} s after TERM: killing them`);
      signalAll('SIGKILL');
    }
    removePidFile();
    if (end.code !== 0) {
      reportFailure(end.reason);
      log.error(end.reason);
      if (settings.output !== 'stderr') process.stderr.write(`clsync: ${end.reason}\n`);
    }
    process.exit(end.code);
  } catch (err) {
    exitWith(err);
  }
}

async function configureLog(settings: Settings): Promise<void> {
  const output = settings.output;
  let syslog: ((priority: number, message: string) => void) | undefined;
  if (output === 'syslog') {
    const { native } = await import('./native.js');
    native.syslogOpen(`clsync/${nativeString(settings.label)}`);
    syslog = (priority, message) => native.syslog(priority, message);
  }
  const journal = output !== 'syslog' && isJournalStream(output === 'stdout' ? 1 : 2);
  log.configure(
    { output, quiet: settings.quiet > 0, verbose: settings.verbose > DEFAULT_VERBOSITY, debug: settings.debug, label: settings.label, journal },
    syslog,
  );
}

function exitWith(err: unknown): never {
  const code = err instanceof ClsyncError ? err.exitCode : 1;
  const message = err instanceof Error ? err.message : String(err);
  reportFailure(message);
  process.stderr.write(`clsync: ${message}\n`);
  if (!(err instanceof ClsyncError) && err instanceof Error && err.stack) {
    process.stderr.write(err.stack + '\n');
  }
  process.exit(code);
}
