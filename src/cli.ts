import { ClsyncError } from './errors.js';
import { DEFAULT_VERBOSITY, log } from './log.js';
import { helpText, loadSettings, VERSION, type Settings } from './options/index.js';
import { Daemon } from './daemon.js';
import { pidFileRemover, writePidFile } from './control/status.js';
import { installSignals } from './control/signals.js';
import { prepareDumpDir } from './control/dump.js';
import { checkCustomSignals } from './control/custom-signals.js';
import { backgroundChildCarry, detach, reportFailure, reportStarted, takeBackgroundMarker } from './control/background.js';
import { configureChildren, execHelperPath } from './exec/helper.js';
import { privilegePlan, setDaemonPlan, type PrivilegePlan } from './security/plan.js';
import { pidFileWrittenEnv, relaunch, takeLaunchStage } from './security/launch.js';
import { allExitedWithin, runningCount, signalAll } from './exec/children.js';
import { runCommand } from './exec/run.js';
import { describeEnd } from './exec/retry.js';
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
  const stage = takeLaunchStage();
  let settings: Settings;
  let plan: PrivilegePlan;
  const loadBlock = (block: string): Settings => loadSettings(argv, { configBlock: block, hooksCheckedBefore: stage.relaunched });
  let customSignals: Map<NodeJS.Signals, string>;
  try {
    settings = loadSettings(argv, { hooksCheckedBefore: stage.relaunched });
    customSignals = settings.help || settings.version ? new Map() : checkCustomSignals(settings, loadBlock);
    plan = privilegePlan(settings, stage.startUid, stage.startGid);
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
    const pidFile = settings.pidFile && nativeString(settings.pidFile);
    if (!stage.relaunched && plan.launcherArgs !== null) {
      // the daemon stage may not be allowed to write where the pid file goes: this stage writes it (same pid)
      writePidFile(pidFile);
      const carry = backgroundChildCarry();
      relaunch(plan, argv, settings.configFile, { ...carry.env, ...(pidFile ? pidFileWrittenEnv : {}) }, carry.fds);
    }
    if (plan.splitting === 'process' && stage.channelFd === null) {
      throw new ClsyncError('--splitting=process: the privileged helper\'s channel is missing (was the daemon started by clsync-priv?)');
    }
    configureChildren(plan.childPolicyArgs, stage.channelFd);
    setDaemonPlan(plan);
    askForTestExec();
    if (plan.launcherArgs !== null || plan.childPolicyArgs.length > 0) log.notice(`privileges: ${plan.summary}`);
    const removePidFile = stage.pidFileWritten ? pidFileRemover(pidFile) : writePidFile(pidFile);
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

/**
 * Test hook (test/e2e/privileges.test.ts): CLSYNC_TEST_EXEC='["prog","arg"]'
 * makes the daemon ask for one run of that argv at start, as a compromised
 * daemon would, so the test can see the privileged helper refuse it.
 */
function askForTestExec(): void {
  const text = process.env['CLSYNC_TEST_EXEC'];
  delete process.env['CLSYNC_TEST_EXEC'];
  if (!text) return;
  const argv = JSON.parse(text) as string[];
  void runCommand(argv, { timeoutMs: 10_000, tag: 'CLSYNC_TEST_EXEC' }).then((r) => log.notice(`CLSYNC_TEST_EXEC ${argv.join(' ')}: ${describeEnd(r)}`));
}
