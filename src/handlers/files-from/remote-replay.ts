/**
 * Directory renames replayed at a remote destination over its remote shell
 * (src/destination/remote-moves.ts), one command per batch, before rsync
 * runs: the recursive runs then find the content in place. Whatever is not
 * renamed (refused, failed, the connection down) is copied by those runs,
 * which are always right, only slower.
 */
import { log, showPath } from '../../log.js';
import { HandlerRunner, type RunContext } from '../../exec/handler-runner.js';
import { describeEnd } from '../../exec/retry.js';
import { prepareCommand } from '../../exec/run.js';
import { byteString, nativeString } from '../../bytes.js';
import { destinationKind } from '../../rsync/remote.js';
import type { Change } from '../../queue/index.js';
import { MOVES_ALL_DONE, MOVES_NO_DESTINATION, MOVES_SOME_LEFT, parseShellDestination, remoteMoveArgv, remoteMoveInput } from '../../destination/remote-moves.js';
import type { HandlerOptions } from '../options.js';
import { NO_EXCHANGES, plainDirectoryRenames, renamedRoots, type ReplayedMoves } from './replay.js';

/**
 * At most this many renames per batch go over the remote shell: the script
 * forks a few times per rename (≈ 3 ms each); past this a batch is a mass
 * move better left to rsync's copies than to a minute of forks.
 */
const MAX_RENAMES_PER_BATCH = 2000;

/**
 * The command that renames at the destination, when the daemon does that
 * itself: a `host:dir` destination with the default arguments (the user's
 * own arguments may reach it some other way). The remote shell is
 * `--rsync-rsh`, else RSYNC_RSH, else ssh: what rsync itself uses.
 */
export function remoteMoveCommand(options: HandlerOptions, env: NodeJS.ProcessEnv = process.env): string[] | null {
  if (options.mode !== 'rsyncdirect' || options.userArgs || destinationKind(options.destinationDir) !== 'shell') return null;
  const dest = parseShellDestination(options.destinationDir);
  if (!dest) return null;
  // byte strings (as the settings hold them) until spawning
  const rsh = options.transport.rsh || (env.RSYNC_RSH ? byteString(env.RSYNC_RSH) : '') || 'ssh';
  return remoteMoveArgv(dest, rsh).map(nativeString);
}

export class RemoteMoves {
  /** a failure that was not a refusal was said once; later ones go to the debug log */
  private failureSaid = false;

  constructor(
    private readonly argv: readonly string[],
    private readonly timeoutMs: number,
    /** the watch dir: where handlers run */
    private readonly cwd: string,
  ) {}

  /** Rename the batch's renamed directories at the destination; what it did not rename is copied. */
  async replay(changes: readonly Change[], context: RunContext): Promise<ReplayedMoves> {
    const renames = plainDirectoryRenames(changes);
    if (renames.length === 0 || renames.length > MAX_RENAMES_PER_BATCH) return { copied: renamedRoots(changes), exchanged: NO_EXCHANGES };
    const env = HandlerRunner.env(context);
    const tag = `${this.argv[0]} (rename, ${renames.length})`;
    log.debug(2, `${tag}: ${renames.map((r) => `${showPath(r.from)} -> ${showPath(r.to)}`).join(', ')}`);
    const result = await prepareCommand(this.argv, env, nativeString(this.cwd)).start(remoteMoveInput(renames), {
      tag,
      env,
      cwd: nativeString(this.cwd),
      timeoutMs: this.timeoutMs,
    });
    if (result.code === MOVES_ALL_DONE) return { copied: [], exchanged: NO_EXCHANGES };
    const why =
      result.code === MOVES_SOME_LEFT ? 'some were refused (a name taken, an old copy missing, or a symlink on the way)'
      : result.code === MOVES_NO_DESTINATION ? 'the destination directory is not there'
      : `${describeEnd(result)}`;
    const message = `${tag}: renames at the destination not all done: ${why}; rsync copies them`;
    if (result.code === MOVES_SOME_LEFT || this.failureSaid) log.debug(1, message);
    else {
      this.failureSaid = true;
      log.notice(message);
    }
    return { copied: renames.map((r) => r.to), exchanged: NO_EXCHANGES };
  }
}
