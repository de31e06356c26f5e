/**
 * `clsync ctl SOCKET COMMAND [ARGS] [--json]`: the operator's client.
 * Human output by default; `--json` prints the daemon's JSON result (one
 * line per result; `watch` one line per sync). Exit codes: 0 done,
 * 1 refused by the daemon, 2 wrong usage, 3 no daemon on the socket.
 */
import { ClsyncControl, ControlError, type StatusReport, type SyncReport } from './client.js';

const USAGE = `usage: clsync ctl SOCKET COMMAND [--json]
commands:
  status              state, queue, watches, last sync, memory, rsync
  pause | resume      hold syncing (events still queue) / go on
  resync [PATH]       sync the whole tree again, or PATH and all below it
  reload              reread the rules file
  queue [LIMIT]       the queued paths (default: the first 1000)
  set OPTION VALUE    change a settable option (e.g. delay-sync 5)
  watch               print every sync as it ends (Ctrl-C to stop)
`;

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function syncLine(s: SyncReport): string {
  const what = s.full ? 'full sync' : `${s.paths} path${s.paths === 1 ? '' : 's'}`;
  return `${s.at} sync #${s.iteration}: ${what}, ${s.ok ? 'ok' : `FAILED: ${s.error ?? ''}`}, ${s.durationMs} ms`;
}

/** The status as a few lines for a person. */
export function statusText(st: StatusReport): string {
  const lines = [
    `clsync "${st.label}" (pid ${st.pid}, ${st.version}, mode ${st.mode}): ${st.state}${st.paused ? ', PAUSED' : ''}${st.standby ? ', standby file present' : ''}`,
    `  iteration ${st.iteration}; queued: ${st.queue.normal} normal, ${st.queue.bigfile} big file${st.running > 0 ? `; ${st.running} sync running` : ''}`,
    `  watching ${st.watchedDirs ?? '?'} directories; up ${st.uptimeSeconds} s; memory ${mib(st.memory.rssBytes)} RSS, ${mib(st.memory.heapUsedBytes)} heap`,
    `  last sync: ${st.lastSync ? syncLine(st.lastSync) : 'none yet'}`,
  ];
  if (st.rsync.version !== null || st.rsync.deletionStrategy !== null) {
    lines.push(`  rsync ${st.rsync.version ?? '?'}; deletions: ${st.rsync.deletionStrategy ?? 'not chosen yet'}`);
  }
  if (st.destinations.length > 1) {
    for (const d of st.destinations) {
      const lag = d.backlog > 0 ? `, ${d.backlog} waiting, lag ${(d.lagMs / 1000).toFixed(1)} s` : '';
      lines.push(`  destination ${d.destination}: ${d.health}${lag}${d.lastError && d.health !== 'ok' ? `; last error: ${d.lastError}` : ''}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Run `clsync ctl …` (argv after "ctl"); resolves with the exit code. */
export async function ctlMain(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const words = argv.filter((a) => a !== '--json');
  const [socketPath, command, ...args] = words;
  if (socketPath === undefined || command === undefined || socketPath === '-h' || socketPath === '--help') {
    process.stderr.write(USAGE);
    return socketPath === '-h' || socketPath === '--help' ? 0 : 2;
  }
  let ctl: ClsyncControl;
  try {
    ctl = await ClsyncControl.connect(socketPath);
  } catch (err) {
    process.stderr.write(`clsync ctl: ${(err as Error).message}\n`);
    return 3;
  }
  const print = (human: string, result: unknown): void => {
    process.stdout.write(json ? JSON.stringify(result ?? null) + '\n' : human);
  };
  try {
    switch (command) {
      case 'status': {
        const st = await ctl.status();
        print(statusText(st), st);
        break;
      }
      case 'pause':
        await ctl.pause();
        print('paused: syncs wait until resume (events still queue)\n', null);
        break;
      case 'resume':
        await ctl.resume();
        print('resumed\n', null);
        break;
      case 'resync':
        await ctl.resync(args[0]);
        print(args[0] === undefined ? 'full resync queued\n' : `resync of ${args[0]} queued\n`, null);
        break;
      case 'reload':
        await ctl.reload();
        print('rules reread\n', null);
        break;
      case 'queue':
      case 'dump': {
        const limit = args[0] === undefined ? undefined : Number(args[0]);
        if (limit !== undefined && !Number.isInteger(limit)) throw new UsageError(`queue: "${args[0]}" is not a number`);
        const q = await ctl.queue(limit);
        const rows = q.entries.map((e) => `${e.queue}\t${e.state}${e.recursive ? '+' : ''}\t${e.path}\n`).join('');
        print(`${q.total} queued${q.entries.length < q.total ? ` (first ${q.entries.length} shown)` : ''}\n${rows}`, q);
        break;
      }
      case 'set': {
        if (args.length !== 2) throw new UsageError('set needs OPTION VALUE');
        await ctl.set(args[0]!, args[1]!);
        print(`${args[0]} set to "${args[1]}"\n`, null);
        break;
      }
      case 'watch': {
        await ctl.subscribe((s) => print(syncLine(s) + '\n', s));
        await ctl.closed();
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`clsync ctl: ${err.message}\n${USAGE}`);
      ctl.close();
      return 2;
    }
    process.stderr.write(`clsync ctl: ${(err as Error).message}\n`);
    ctl.close();
    return err instanceof ControlError ? 1 : 1;
  }
  ctl.close();
  return 0;
}

class UsageError extends Error {}
