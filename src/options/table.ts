/**
 * The one table of every option clsync 0.4 knows (main.c `long_options[]`,
 * ctx.h, configuration.h). The command-line parser, the config-file reader,
 * `--help`, the `Settings` type and validation all read this table; nothing
 * about an option is written anywhere else.
 *
 * The order is clsync's `long_options[]` order. It matters: a config block is
 * applied key by key in this order (as clsync's gkf_parse does), so
 * `%option-name%` in a config value sees the options listed before it.
 *
 * `arg` is the getopt argument kind exactly as clsync declares it. Note that
 * clsync declares its on/off switches (`-F`, `-U`, `-q`, `-d`, …) with an
 * *optional* argument, so getopt gives them the rest of a bundle as their
 * value: `-qU` means "quiet = U" (an error), as with the C tool.
 */

/** getopt_long argument kind. Optional arguments are only ever attached (`-d5`, `--debug=5`). */
export type ArgKind = 'none' | 'required' | 'optional';

/**
 * How an option's text becomes a value:
 * - `flag`: on/off switch; without argument it is counted up, `=N` sets it (0 = off)
 * - `level`: like flag, but the count is the value (`-d -d` = 2, `-d5` = 5)
 * - `int`: a C `strtol(…, 0)` integer (decimal, 0x hex, 0 octal), `min`..`max`
 * - `string`: text kept as is (the empty string too)
 * - `path`: text; the empty string unsets it
 * - `enum`: one of `values`; the empty string restores the default
 * - `exitcodes`: comma-separated exit codes, accumulating; `0` clears the list
 * - `list`: comma-separated words (from `values` when given); replaces
 * - `octal`: an octal number (file modes)
 * - `handlerArgs`: a space-separated argument line (config key `--`)
 */
export type ValueType =
  | 'flag' | 'level' | 'int' | 'string' | 'path' | 'enum'
  | 'exitcodes' | 'list' | 'octal' | 'handlerArgs';

/** Section of `--help` an option is listed under. */
export type HelpGroup =
  | 'Source, destination and mode'
  | 'Sync handler'
  | 'Delays and limits'
  | 'Initial sync and exit'
  | 'Monitoring'
  | 'Config files'
  | 'Logging, status and control'
  | 'Security'
  | 'Cluster'
  | 'Information';

/** Where an option may be given. */
export type OptionPlace = 'both' | 'cli' | 'config';

/** One option: everything the parser, the config reader, help and validation need. */
export interface OptionSpec {
  /** long name without dashes; also the config-file key and the `%name%` substitution name */
  readonly long: string;
  /** the short letter, when clsync has one */
  readonly short?: string;
  readonly arg: ArgKind;
  readonly type: ValueType;
  /** allowed words for `enum` and `list` */
  readonly values?: readonly string[];
  /** value when not given (absent = unset) */
  readonly default?: string | number | boolean | readonly string[] | readonly number[];
  readonly min?: number;
  readonly max?: number;
  /** `accumulate`: a repeated option adds to the value (counts, exit-code lists) */
  readonly repeat: 'replace' | 'accumulate';
  /** false: recognised, but refused when given a non-default value */
  readonly supported: boolean;
  /** for a supported enum: values recognised but refused, with the reason */
  readonly refusedValues?: Readonly<Record<string, string>>;
  /** default that depends on `--mode` */
  readonly defaultByMode?: Readonly<Record<string, string>>;
  /** `both` unless the option only makes sense on the command line or only in a file */
  readonly place: OptionPlace;
  /** name of the argument in `--help` */
  readonly argName?: string;
  readonly group: HelpGroup;
  readonly help: string;
}

/** The largest value of a C `unsigned int`, which clsync stores its delays and limits in. */
const UINT_MAX = 4294967295;

/** Every clsync 0.4 option, in clsync's order. */
export const OPTIONS = [
  { long: 'watch-dir', short: 'W', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'DIR', group: 'Source, destination and mode', help: 'directory tree to watch and sync (required)' },
  { long: 'sync-handler', short: 'S', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    defaultByMode: { rsyncdirect: 'rsync', direct: 'cp' },
    argName: 'PROGRAM', group: 'Sync handler', help: 'program to run for a sync (default: rsync in rsyncdirect mode)' },
  // clsync's default argument lines per mode (configuration.h); with --rsync-prefer-include the rsync
  // modes drop "--exclude-from %EXCLUDE-LIST-PATH%" (and rsyncshell its last word).
  { long: '--', arg: 'required', type: 'handlerArgs', repeat: 'replace', supported: true, place: 'config',
    defaultByMode: {
      simple: 'sync %label% %EVENT-MASK% %INCLUDE-LIST%',
      direct: '%INCLUDE-LIST% %destination-dir%/',
      shell: 'synclist %label% %INCLUDE-LIST-PATH%',
      rsyncdirect: '-aH --delete --exclude-from %EXCLUDE-LIST-PATH% --include-from %INCLUDE-LIST-PATH% --exclude=* %watch-dir%/ %destination-dir%/',
      rsyncshell: 'rsynclist %label% %INCLUDE-LIST-PATH% %EXCLUDE-LIST-PATH%',
    },
    argName: 'ARGS', group: 'Sync handler', help: 'sync handler arguments; on the command line: everything after "--"' },
  { long: '---', arg: 'required', type: 'handlerArgs', repeat: 'replace', supported: true, place: 'config',
    defaultByMode: { shell: 'initialsync %label% %INCLUDE-LIST%' },
    argName: 'ARGS', group: 'Sync handler', help: 'sync handler arguments for the initial sync (shell mode)' },
  { long: 'rules-file', short: 'R', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'FILE', group: 'Source, destination and mode', help: 'file of filter rules ([+-][fdWwms*]REGEX per line)' },
  { long: 'destination-dir', short: 'D', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'DEST', group: 'Source, destination and mode',
    help: 'where to sync to (directory, host:dir, rsync://…); repeat for several, each with its own queue (a config file: a comma-separated list); needed when the handler arguments use %destination-dir%' },
  { long: 'backlog-limit', arg: 'required', type: 'int', default: 100000, min: 0, max: UINT_MAX, repeat: 'replace', supported: true,
    place: 'both', argName: 'N', group: 'Source, destination and mode',
    help: 'with several destinations: a destination more than N changed paths behind has them folded into their directories, then into one full sync (0 = no limit)' },
  { long: 'mode', short: 'M', arg: 'required', type: 'enum',
    values: ['simple', 'direct', 'shell', 'rsyncshell', 'rsyncdirect', 'rsyncso', 'so'],
    repeat: 'replace', supported: true, place: 'both',
    argName: 'MODE', group: 'Source, destination and mode', help: 'sync mode (required)' },
  { long: 'socket', short: 's', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'PATH', group: 'Logging, status and control',
    help: 'control socket: the C tool\'s line protocol and JSON lines (clsync ctl PATH …); removed at exit' },
  // clsync knows only "null" (and its parser ignores the option); peercred is ours (control/auth.ts).
  { long: 'socket-auth', arg: 'required', type: 'string', default: 'null', repeat: 'replace', supported: true,
    place: 'both', argName: 'null|peercred[:WHO,…]', group: 'Logging, status and control',
    help: 'who may use the control socket: null (whoever the file mode lets connect) or peercred (the daemon\'s user, root, and the users and @groups listed)' },
  { long: 'socket-mod', arg: 'required', type: 'octal', repeat: 'replace', supported: true, place: 'both',
    argName: 'MODE', group: 'Logging, status and control', help: 'control socket file mode (octal; default 0600)' },
  { long: 'socket-own', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'USER[:GROUP]', group: 'Logging, status and control', help: 'control socket owner (default: the daemon\'s user)' },
  // Ours, not clsync's.
  { long: 'metrics-listen', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: '[ADDR:]PORT', group: 'Logging, status and control',
    help: 'serve Prometheus metrics over HTTP on PORT (at ADDR; default 127.0.0.1); off by default' },
  { long: 'status-file-format', arg: 'required', type: 'enum', values: ['text', 'json'], default: 'text', repeat: 'replace',
    supported: true, place: 'both', argName: 'text|json', group: 'Logging, status and control',
    help: '--status-file holds the status word (text, as clsync) or a JSON report (state, queue, watches, last sync)' },
  { long: 'status-file', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'FILE', group: 'Logging, status and control', help: 'write the current status (starting, running, …) to FILE' },

  { long: 'background', short: 'b', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Logging, status and control',
    help: 'daemonise: new session, standard streams on /dev/null (use -Y syslog); exits 0 once the daemon started' },
  { long: 'config-file', short: 'H', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'cli',
    argName: 'FILE', group: 'Config files', help: 'read this config file ("/NULL/": none; default: search the usual places)' },
  { long: 'config-block', short: 'K', arg: 'required', type: 'string', default: 'default', repeat: 'replace',
    supported: true, place: 'cli', argName: 'NAME', group: 'Config files', help: 'config block to use' },
  { long: 'config-block-inherits', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'NAME', group: 'Config files', help: 'block whose options the chosen block inherits' },
  // Ours, not clsync's (which ignores unknown config keys silently): unknown keys are warnings by default.
  { long: 'strict-config', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Config files',
    help: 'an unknown config-file key, or -K without a config file, is an error (default: a warning, as clsync ignores them)' },
  { long: 'custom-signals', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'SIG:BLOCK,…', group: 'Config files',
    help: 'on signal SIG (number or name, e.g. 10 or USR1) switch to the options of config block BLOCK' },
  { long: 'pid-file', short: 'z', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'FILE', group: 'Logging, status and control', help: 'write the process id to FILE' },
  // Least privilege (src/security/, docs/security.md): what each option changes, and where it holds.
  { long: 'uid', short: 'u', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'USER', group: 'Security',
    help: 'run the daemon as this user (name or number), keeping only the --preserve-capabilities; default: stay, or nobody with --splitting=process' },
  { long: 'gid', short: 'g', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'GROUP', group: 'Security', help: 'run the daemon as this group; default: stay, or nogroup with --splitting=process' },
  { long: 'privileged-uid', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'USER', group: 'Security', help: 'user of the privileged helper (--splitting=process); default: the starting user' },
  { long: 'privileged-gid', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'GROUP', group: 'Security', help: 'group of the privileged helper; default: the starting group' },
  { long: 'sync-handler-uid', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'USER', group: 'Security', help: 'run the sync handler and hooks as this user; default: --privileged-uid' },
  { long: 'sync-handler-gid', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'GROUP', group: 'Security', help: 'run the sync handler and hooks as this group; default: --privileged-gid' },
  { long: 'chroot', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'DIR', group: 'Security', help: 'the sync handler and hooks see DIR as their root' },
  { long: 'pivot-root', arg: 'required', type: 'enum', values: ['off', 'direct', 'auto', 'auto-ro'], default: 'off',
    repeat: 'replace', supported: true, place: 'both', argName: 'WAY', group: 'Security',
    help: 'enter --chroot with pivot_root: direct (DIR is a mount point), auto (bind-mount it first), auto-ro (read-only)' },
  { long: 'detach-network', arg: 'required', type: 'enum', values: ['off', 'non-privileged', 'everywhere'],
    default: 'off', repeat: 'replace', supported: true, place: 'both', argName: 'WAY', group: 'Security',
    help: 'a network namespace of its own (no network): for the daemon only (non-privileged), or for the handlers too (everywhere)' },
  // clsync's default is 1 (detach); ours is 0, so a plain start needs no relaunch (docs/decisions.md).
  { long: 'detach-ipc', arg: 'required', type: 'int', default: 0, min: 0, max: 1, repeat: 'replace',
    supported: true, place: 'both', argName: '0|1', group: 'Security', help: 'an IPC namespace of its own for the daemon and its handlers' },
  { long: 'detach-miscellanea', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Security', help: 'IPC and UTS namespaces of their own for the daemon and its handlers' },
  { long: 'secure-splitting', arg: 'none', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Security', help: '--splitting=process --check-execvp-arguments --seccomp-filter --forbid-devices' },
  { long: 'splitting', arg: 'required', type: 'enum', values: ['off', 'thread', 'process'], default: 'off',
    repeat: 'replace', supported: true, place: 'both', argName: 'WAY', group: 'Security',
    help: 'process: a privileged helper runs the handlers, the daemon keeps no rights (thread = process here)' },
  { long: 'check-execvp-arguments', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Security', help: 'the privileged helper runs only the registered handler, rsync runs and hooks' },
  { long: 'add-permitted-hook-files', arg: 'required', type: 'list', default: [], repeat: 'replace',
    supported: true, place: 'both', argName: 'FILE,…', group: 'Security', help: 'more programs the privileged helper may run (any arguments)' },
  { long: 'seccomp-filter', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Security', help: 'system-call allow-list for the daemon (needs --splitting=process)' },
  { long: 'forget-privthread-info', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: false, place: 'both', group: 'Security', help: 'hide the privileged thread' },
  { long: 'permit-mprotect', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Security', help: 'allow mprotect() under the seccomp filter (always: V8 needs it)' },
  { long: 'shm-mprotect', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Security', help: 'accepted; nothing here uses shared memory between the two parts' },
  { long: 'mountpoints', arg: 'required', type: 'list', default: [], repeat: 'replace', supported: true,
    place: 'both', argName: 'DIR,…', group: 'Security', help: 'with --pivot-root: unmount everything in the new root but these' },
  { long: 'preserve-capabilities', short: 'C', arg: 'required', type: 'list',
    values: ['CAP_DAC_READ_SEARCH', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL'], default: [], repeat: 'replace',
    supported: true, place: 'both', argName: 'CAP,…', group: 'Security',
    help: 'capabilities the daemon keeps as --uid; default: all four, none with --splitting=process' },
  { long: 'inherit-capabilities', arg: 'optional', type: 'enum', values: ['permittied', 'dont-touch', 'clsync', 'empty'],
    default: 'empty', repeat: 'replace', supported: true, place: 'both', argName: 'WAY', group: 'Security',
    help: 'capabilities a handler that is not root inherits: none (empty), the kept ones (clsync), all permitted (clsync spells it "permittied"), as they are (dont-touch)' },
  { long: 'forbid-devices', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Security', help: 'handlers open no device but console, null, zero, random, urandom (private /dev, nodev mounts)' },
  { long: 'cgroup-group-name', arg: 'required', type: 'string', repeat: 'replace', supported: false, place: 'both',
    argName: 'NAME', group: 'Security', help: 'cgroup to use (devices are forbidden without a cgroup here: --forbid-devices)' },
  { long: 'threading', short: 'p', arg: 'required', type: 'enum', values: ['off', 'safe', 'full'], default: 'off',
    repeat: 'replace', supported: true, place: 'both', argName: 'off|safe|full', group: 'Sync handler',
    help: 'run handlers in parallel: safe never syncs a path and its ancestor at once, full has no guard' },
  { long: 'retries', short: 'r', arg: 'required', type: 'int', default: 1, min: 0, max: UINT_MAX, repeat: 'replace',
    supported: true, place: 'both', argName: 'N', group: 'Sync handler', help: 'tries per sync before giving up (0 = forever)' },
  { long: 'ignore-failures', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Sync handler', help: 'do not exit when a sync fails' },
  { long: 'exit-on-sync-skipping', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Monitoring', help: 'exit when an event may have been lost (queue overflow)' },
  { long: 'output', short: 'Y', arg: 'required', type: 'enum', values: ['stderr', 'stdout', 'syslog'], default: 'stderr',
    repeat: 'replace', supported: true, place: 'both', argName: 'stderr|stdout|syslog', group: 'Logging, status and control',
    help: 'where log messages go' },
  { long: 'one-file-system', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Monitoring', help: 'do not cross mount points' },
  { long: 'exclude-mount-points', short: 'X', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Monitoring',
    help: 'do not cross or sync mount points below the watch dir (implies --one-file-system)' },
  { long: 'cluster-iface', short: 'c', arg: 'required', type: 'string', repeat: 'replace', supported: false,
    place: 'both', argName: 'IFACE', group: 'Cluster', help: 'cluster interface (never implemented in clsync)' },
  { long: 'cluster-ip', short: 'm', arg: 'required', type: 'string', repeat: 'replace', supported: false,
    place: 'both', argName: 'IP', group: 'Cluster', help: 'cluster multicast address' },
  { long: 'cluster-port', short: 'P', arg: 'required', type: 'int', default: 0, min: 0, max: 65535, repeat: 'replace',
    supported: false, place: 'both', argName: 'PORT', group: 'Cluster', help: 'cluster multicast port' },
  { long: 'cluster-timeout', short: 'G', arg: 'required', type: 'int', default: 0, min: 0, max: UINT_MAX,
    repeat: 'replace', supported: false, place: 'both', argName: 'MS', group: 'Cluster', help: 'cluster timeout' },
  { long: 'cluster-node-name', short: 'n', arg: 'required', type: 'string', repeat: 'replace', supported: false,
    place: 'both', argName: 'NAME', group: 'Cluster', help: 'cluster node name' },
  { long: 'cluster-hash-dl-min', short: 'o', arg: 'required', type: 'int', default: 1, min: 0, max: 65535,
    repeat: 'replace', supported: false, place: 'both', argName: 'N', group: 'Cluster', help: 'cluster hash depth minimum' },
  { long: 'cluster-hash-dl-max', short: 'O', arg: 'required', type: 'int', default: 16, min: 0, max: 65535,
    repeat: 'replace', supported: false, place: 'both', argName: 'N', group: 'Cluster', help: 'cluster hash depth maximum' },
  { long: 'cluster-scan-dl-max', arg: 'required', type: 'int', default: 32, min: 0, max: 65535, repeat: 'replace',
    supported: false, place: 'both', argName: 'N', group: 'Cluster', help: 'cluster scan depth maximum' },
  { long: 'max-iterations', arg: 'required', type: 'int', default: 0, min: 0, max: UINT_MAX, repeat: 'replace',
    supported: true, place: 'both', argName: 'N', group: 'Initial sync and exit', help: 'exit after N syncs (0 = unlimited)' },
  { long: 'standby-file', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'FILE', group: 'Sync handler', help: 'suspend syncing while FILE exists' },
  { long: 'modification-signature', arg: 'required', type: 'list',
    values: ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks', 'atime', 'mtime', 'ctime', '*'],
    default: [], repeat: 'replace', supported: true, place: 'both', argName: 'FIELD,…', group: 'Monitoring',
    help: 'skip events when these lstat fields did not change' },
  { long: 'timeout-sync', short: 'k', arg: 'required', type: 'int', default: 86400, min: 0, max: UINT_MAX,
    repeat: 'replace', supported: true, place: 'both', argName: 'SECONDS', group: 'Sync handler',
    help: 'kill a handler running longer than this (0 = never)' },
  // ours: rsync 3.2.7 can deadlock on a changing tree (src/exec/stall.ts); below rsync's own 60 s select wake-up
  { long: 'timeout-stall', arg: 'required', type: 'int', default: 30, min: 0, max: 59,
    repeat: 'replace', supported: true, place: 'both', argName: 'SECONDS', group: 'Sync handler',
    help: 'rsyncdirect, local destination: kill a run none of whose processes ran or woke for this long (a hung rsync) and run it again (0 = never)' },
  { long: 'delay-sync', short: 'w', arg: 'required', type: 'int', default: 30, min: 0, max: UINT_MAX, repeat: 'replace',
    supported: true, place: 'both', argName: 'SECONDS', group: 'Delays and limits', help: 'minimum time between two syncs' },
  { long: 'delay-collect', short: 't', arg: 'required', type: 'int', default: 30, min: 0, max: UINT_MAX,
    repeat: 'replace', supported: true, place: 'both', argName: 'SECONDS', group: 'Delays and limits',
    help: 'how long events are collected before a sync' },
  { long: 'delay-collect-bigfile', short: 'T', arg: 'required', type: 'int', default: 1800, min: 0, max: UINT_MAX,
    repeat: 'replace', supported: true, place: 'both', argName: 'SECONDS', group: 'Delays and limits',
    help: 'collect delay for big files' },
  { long: 'threshold-bigfile', short: 'B', arg: 'required', type: 'int', default: 134217728, min: 0,
    max: Number.MAX_SAFE_INTEGER, repeat: 'replace', supported: true, place: 'both', argName: 'BYTES',
    group: 'Delays and limits', help: 'files at least this large are big files (0 = no big-file queue)' },
  { long: 'cancel-syscalls', arg: 'required', type: 'list', values: ['mon_stat'], default: [], repeat: 'replace',
    supported: true, place: 'both', argName: 'mon_stat', group: 'Monitoring',
    help: 'skip lstat() per event (then no big-file queue and no --modification-signature)' },
  { long: 'lists-dir', short: 'L', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'DIR', group: 'Sync handler', help: 'directory for the include/exclude list files' },
  { long: 'have-recursive-sync', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Sync handler', help: 'the handler syncs directories recursively (shell mode)' },
  { long: 'synclist-simplify', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Sync handler', help: 'write paths only into list files' },
  { long: 'auto-add-rules-w', short: 'A', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: false, place: 'both', group: 'Monitoring', help: 'add walk rules for parents of sync rules' },
  { long: 'rsync-inclimit', arg: 'required', type: 'int', default: 20000, min: 0, max: UINT_MAX, repeat: 'replace',
    supported: true, place: 'both', argName: 'N', group: 'Delays and limits',
    help: 'split an include list longer than this into several rsync runs' },
  { long: 'rsync-prefer-include', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Sync handler', help: 'give rsync include lists only' },
  { long: 'ignore-exitcode', short: 'x', arg: 'required', type: 'exitcodes', default: [], repeat: 'accumulate',
    supported: true, place: 'both', argName: 'CODE[,CODE…]', group: 'Sync handler',
    help: 'handler exit codes that are not failures (repeatable; 0 clears the list)' },
  { long: 'dont-unlink-lists', short: 'U', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Sync handler', help: 'keep list files after the sync' },
  { long: 'fts-experimental-optimization', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: false, place: 'both', group: 'Monitoring', help: 'experimental fts walk optimisation' },
  { long: 'full-initialsync', short: 'F', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Initial sync and exit', help: 'ignore the rules for the initial sync' },
  { long: 'only-initialsync', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Initial sync and exit', help: 'exit after the initial sync' },
  { long: 'skip-initialsync', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Initial sync and exit', help: 'do not run the initial sync' },
  { long: 'exit-on-no-events', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Initial sync and exit', help: 'exit when a collect window ends without events' },
  { long: 'exit-hook', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'PROGRAM', group: 'Initial sync and exit', help: 'run "PROGRAM label" at exit' },
  { long: 'pre-exit-hook', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'PROGRAM', group: 'Initial sync and exit', help: 'run "PROGRAM label" before the last sync' },
  { long: 'sync-on-quit', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'both', group: 'Initial sync and exit', help: 'on SIGQUIT, sync once more before exiting' },
  { long: 'verbose', short: 'v', arg: 'optional', type: 'level', default: 3, min: 0, max: UINT_MAX,
    repeat: 'accumulate', supported: true, place: 'both', argName: 'N', group: 'Logging, status and control',
    help: 'verbosity level (each -v adds one)' },
  { long: 'debug', short: 'd', arg: 'optional', type: 'level', default: 0, min: 0, max: UINT_MAX, repeat: 'accumulate',
    supported: true, place: 'both', argName: 'N', group: 'Logging, status and control',
    help: 'debug level (each -d adds one; -d5 sets 5)' },
  { long: 'dump-dir', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'DIR', group: 'Logging, status and control',
    help: 'signal 29 writes the state (status, queue, watched directories) to a new file here; a directory of the daemon\'s own' },
  { long: 'quiet', short: 'q', arg: 'optional', type: 'level', default: 0, min: 0, max: UINT_MAX, repeat: 'accumulate',
    supported: true, place: 'both', group: 'Logging, status and control', help: 'log errors only' },
  { long: 'monitor', arg: 'required', type: 'enum',
    values: ['inotify', 'kqueue', 'fanotify', 'bsm', 'bsm_prefetch', 'dtracepipe', 'gio'], default: 'inotify',
    refusedValues: {
      fanotify: 'not supported yet',
      kqueue: 'not available on Linux', bsm: 'not available on Linux', bsm_prefetch: 'not available on Linux',
      dtracepipe: 'not available on Linux', gio: 'not available on Linux',
    },
    repeat: 'replace', supported: true, place: 'both', argName: 'NAME', group: 'Monitoring',
    help: 'file-system notification backend' },
  { long: 'label', short: 'l', arg: 'required', type: 'string', default: 'nolabel', repeat: 'replace', supported: true,
    place: 'both', argName: 'LABEL', group: 'Logging, status and control', help: 'name of this instance (%label%)' },
  // Ours, not clsync's: remote destinations (src/rsync/remote.ts, issue 12). Added to %RSYNC-ARGS% of the
  // runs that go to a destination of their kind, so the default arguments stay usable for remote ones.
  { long: 'rsync-rsh', arg: 'required', type: 'string', repeat: 'replace', supported: true, place: 'both',
    argName: 'COMMAND', group: 'Source, destination and mode',
    help: 'remote shell for a host:dir destination (rsync --rsh), e.g. "ssh -p 2222 -i KEY"; else RSYNC_RSH or ssh' },
  { long: 'rsync-password-file', arg: 'required', type: 'path', repeat: 'replace', supported: true, place: 'both',
    argName: 'FILE', group: 'Source, destination and mode',
    help: 'password for an rsync://user@host/module destination (rsync --password-file; mode 0600)' },
  { long: 'help', short: 'h', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'cli', group: 'Information', help: 'print this list and exit' },
  { long: 'version', short: 'V', arg: 'optional', type: 'flag', default: false, repeat: 'accumulate', supported: true,
    place: 'cli', group: 'Information', help: 'print the version and exit' },
] as const satisfies readonly OptionSpec[];

/** The literal type of the table, for deriving `Settings`. */
export type OptionTable = typeof OPTIONS;

const byLong = new Map<string, OptionSpec>();
const byShort = new Map<string, OptionSpec>();
for (const spec of OPTIONS as readonly OptionSpec[]) {
  byLong.set(spec.long, spec);
  if (spec.short !== undefined) byShort.set(spec.short, spec);
}

/** The option with this long name (exact), or undefined. */
export function optionByLong(long: string): OptionSpec | undefined {
  return byLong.get(long);
}

/** The option with this short letter, or undefined. */
export function optionByShort(letter: string): OptionSpec | undefined {
  return byShort.get(letter);
}

/** How an option is named in messages: `--mode (-M)` or `--status-file`. */
export function optionTitle(spec: OptionSpec): string {
  if (spec.place === 'config') return `config key "${spec.long}"`;
  return spec.short !== undefined ? `--${spec.long} (-${spec.short})` : `--${spec.long}`;
}
