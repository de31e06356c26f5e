/**
 * The narrow options every sync mode is given, built once by the daemon
 * from Settings (handlers never see the whole Settings). Defaults come from
 * the option table (`defaultByMode` of `-S`, `--` and `---`), so they are
 * declared in one place.
 */
import { resolve } from 'node:path';
import { byteString, nativeString } from '../bytes.js';
import { splitArgumentLine } from '../config/index.js';
import type { Settings } from '../options/index.js';
import { optionByLong } from '../options/table.js';
import type { ExecPolicy } from '../exec/handler-runner.js';
import type { RemoteTransport } from '../rsync/remote.js';

/** `-M/--mode` */
export type Mode = NonNullable<Settings['mode']>;

/** What one sync mode needs to know, and nothing else. */
export interface HandlerOptions {
  readonly mode: Mode;
  readonly label: string;
  /** byte string, no trailing slash */
  readonly watchDir: string;
  /** byte string, no trailing slash; '' when `-D` is not given */
  readonly destinationDir: string;
  /** `-S`, or the mode's default program (rsync, cp); '' when the mode has none */
  readonly program: string;
  /** the handler arguments (`--`): the user's, or the mode's defaults when none were given */
  readonly args: readonly string[];
  /** the user gave `--` arguments (rsyncdirect: the default arguments make a files-from handler) */
  readonly userArgs: boolean;
  /** the initial sync's arguments (config key `---`), or null: use `args` */
  readonly initialArgs: readonly string[] | null;
  /** the lowercase substitutions, filled once: %label%, %watch-dir%, %destination-dir%, every %option-name% given */
  readonly values: Readonly<Record<string, string>>;
  /** `-L/--lists-dir` (byte string) or undefined: a private temporary directory */
  readonly listsDir: string | undefined;
  /** `-U/--dont-unlink-lists` */
  readonly dontUnlinkLists: boolean;
  /** `--rsync-inclimit` (0 = no limit) */
  readonly rsyncInclimit: number;
  /** `--rsync-prefer-include` */
  readonly rsyncPreferInclude: boolean;
  /** `--synclist-simplify` */
  readonly synclistSimplify: boolean;
  /** `--have-recursive-sync` */
  readonly haveRecursiveSync: boolean;
  /** retries, waits, ignored codes, timeout (see HandlerRunner) */
  readonly exec: ExecPolicy;
  /** `--rsync-rsh`, `--rsync-password-file` (src/rsync/remote.ts): added to %RSYNC-ARGS% for a remote destination */
  readonly transport: RemoteTransport;
}

/** The mode's default initial-sync arguments (`---` in the table), or null: the normal ones. */
function initialDefault(mode: Mode): string[] | null {
  const line = optionByLong('---')?.defaultByMode?.[mode];
  return line ? splitArgumentLine(line) : null;
}

/**
 * `-S` as the handler is run: a relative path with a slash (`./handler.sh`,
 * as the C tool's examples give it) is taken from the directory clsync was
 * started in, since handlers run in the watch dir; a bare name is looked up
 * in PATH.
 */
function programPath(program: string): string {
  return program.includes('/') && !program.startsWith('/') ? byteString(resolve(nativeString(program))) : program;
}

/** Build a mode's options from the validated Settings, once. */
export function handlerOptions(settings: Settings): HandlerOptions {
  const mode: Mode = settings.mode ?? 'rsyncdirect'; // validation requires --mode
  const userArgs = settings.handlerArgs !== null && settings.handlerArgs.length > 0;
  const trimmed = (path: string | undefined): string => (path ?? '').replace(/\/+$/, '');
  const values: Record<string, string> = { ...settings.rawValues };
  values['label'] = settings.label;
  values['watch-dir'] = trimmed(settings.watchDir);
  values['destination-dir'] = trimmed(settings.destinationDir);
  return {
    mode,
    label: settings.label,
    watchDir: values['watch-dir'],
    destinationDir: values['destination-dir'],
    program: programPath(settings.syncHandler ?? optionByLong('sync-handler')?.defaultByMode?.[mode] ?? ''),
    args: userArgs ? [...settings.handlerArgs!] : splitArgumentLine(optionByLong('--')?.defaultByMode?.[mode] ?? ''),
    userArgs,
    initialArgs: settings.initialHandlerArgs ?? initialDefault(mode),
    values,
    listsDir: settings.listsDir,
    dontUnlinkLists: settings.dontUnlinkLists,
    rsyncInclimit: settings.rsyncInclimit,
    rsyncPreferInclude: settings.rsyncPreferInclude,
    synclistSimplify: settings.synclistSimplify,
    haveRecursiveSync: settings.haveRecursiveSync,
    exec: {
      retries: settings.retries,
      delaySyncMs: settings.delaySync * 1000,
      okCodes: settings.ignoreExitcode,
      timeoutMs: settings.timeoutSync * 1000,
      stallMs: settings.timeoutStall * 1000,
    },
    transport: { rsh: settings.rsyncRsh, passwordFile: settings.rsyncPasswordFile },
  };
}
