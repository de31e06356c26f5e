/**
 * The privilege plan: from the security options, who runs as whom with
 * which rights, and the arguments that make it so — for clsync-priv (the
 * relaunch, native/priv_helper.c) and for clsync-exec (each child,
 * native/exec_helper.c). Decisions only; launch.ts and exec/helper.ts carry
 * them out. docs/security.md has the table of what holds in each setup.
 */
import { OptionError } from '../errors.js';
import { groupsOfUser, resolveId } from '../options/ids.js';
import type { Settings } from '../options/index.js';
import { capabilityMask, DEFAULT_KEPT_CAPABILITIES } from './capabilities.js';
import { permittedExecs } from './permitted.js';

export type Splitting = 'off' | 'process';

/** A user with its group and supplementary groups. */
export interface Credentials {
  uid: number;
  gid: number;
  groups: number[];
}

export interface PrivilegePlan {
  /** `process`: a privileged helper runs every child; the daemon keeps no rights it does not need */
  splitting: Splitting;
  /** the daemon's credentials after the relaunch */
  daemon: Credentials;
  /** capabilities the daemon keeps (names) */
  keptCapabilities: readonly string[];
  /** the handler's and hooks' credentials */
  handler: Credentials;
  /** clsync-priv's options (before `--`), or null when the daemon runs as started */
  launcherArgs: string[] | null;
  /** clsync-exec's policy options for every child (splitting off; in process mode the helper holds them) */
  childPolicyArgs: string[];
  /** --check-execvp-arguments is on (the registered vectors come from permitted.ts) */
  checkArguments: boolean;
  /** one line for the log: what was set up */
  summary: string;
}

const user = (text: string): number => resolveId(text, '/etc/passwd')!;
const group = (text: string): number => resolveId(text, '/etc/group')!;
const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The plan for these settings, started by `startUid:startGid`. Throws an
 * OptionError naming the option for a combination that cannot hold.
 */
export function privilegePlan(settings: Settings, startUid = process.geteuid?.() ?? 0, startGid = process.getegid?.() ?? 0): PrivilegePlan {
  const secure = settings.secureSplitting;
  const splitting: Splitting = secure || settings.splitting !== 'off' ? 'process' : 'off';
  const process_ = splitting === 'process';
  const check = secure || settings.checkExecvpArguments;
  const seccomp = secure || settings.seccompFilter;
  const forbidDevices = secure || settings.forbidDevices;

  // C clsync: the daemon drops to nobody:nogroup; here only when asked (--uid/--gid) or split (docs/decisions.md).
  const daemonUid = given(settings.uid) ? user(settings.uid) : process_ ? user('nobody') ?? 65534 : startUid;
  const daemonGid = given(settings.gid) ? group(settings.gid) : process_ ? group('nogroup') ?? 65534 : startGid;
  const privilegedUid = given(settings.privilegedUid) ? user(settings.privilegedUid) : startUid;
  const privilegedGid = given(settings.privilegedGid) ? group(settings.privilegedGid) : startGid;
  const handlerUid = given(settings.syncHandlerUid) ? user(settings.syncHandlerUid) : privilegedUid;
  const handlerGid = given(settings.syncHandlerGid) ? group(settings.syncHandlerGid) : privilegedGid;
  const capsGiven = settings.rawValues['preserve-capabilities'] !== undefined;
  const kept = capsGiven ? settings.preserveCapabilities : process_ ? [] : DEFAULT_KEPT_CAPABILITIES;
  const drops = daemonUid !== startUid || daemonGid !== startGid;
  const daemonGroups = groupsOfUser(daemonUid, daemonGid);

  const refuse = (what: string, why: string): never => {
    throw new OptionError(`${what}: ${why}`);
  };
  const needsSplitting = (what: string): void => {
    if (!process_) refuse(what, 'needs --splitting=process (or --secure-splitting): only the privileged helper can hold it for the handlers');
  };
  if (check) needsSplitting('--check-execvp-arguments');
  if (seccomp) needsSplitting('--seccomp-filter');
  if (settings.detachNetwork === 'non-privileged') needsSplitting('--detach-network=non-privileged');
  if (settings.addPermittedHookFiles.length > 0 && !check) refuse('--add-permitted-hook-files', 'has a meaning only with --check-execvp-arguments');
  if (settings.pivotRoot !== 'off' && !given(settings.chroot)) refuse('--pivot-root', 'needs --chroot DIR');
  if (settings.mountpoints.length > 0 && settings.pivotRoot === 'off') refuse('--mountpoints', 'needs --pivot-root (the mounts of the new root)');
  const confines = given(settings.chroot) || forbidDevices;
  if (confines && !process_ && drops) {
    refuse(given(settings.chroot) ? '--chroot' : '--forbid-devices', 'with --uid/--gid needs --splitting=process: the daemon no longer has the rights to confine its handlers');
  }

  // What each child runs as, in clsync-exec's or clsync-priv's words (native/program_policy.h).
  const handler: Credentials = { uid: handlerUid, gid: handlerGid, groups: groupsOfUser(handlerUid, handlerGid) };
  const policy: string[] = [];
  const switchesUser = process_ ? handlerUid !== privilegedUid || handlerGid !== privilegedGid : handlerUid !== daemonUid || handlerGid !== daemonGid;
  if (switchesUser) {
    policy.push('--as-gid', String(handlerGid), '--as-groups', handler.groups.join(','), '--as-uid', String(handlerUid));
  }
  const ambient = ambientFor(settings.inheritCapabilities, capabilityMask(kept));
  if (ambient !== undefined && (switchesUser || drops)) policy.push('--ambient', ambient);
  if (given(settings.chroot)) policy.push('--root', settings.chroot, '--pivot', settings.pivotRoot);
  for (const dir of settings.mountpoints) policy.push('--keep-mount', dir);
  if (forbidDevices) policy.push('--private-dev');

  const unshareAll = [
    ...(settings.detachNetwork === 'everywhere' ? ['net'] : []),
    ...(settings.detachIpc || settings.detachMiscellanea ? ['ipc'] : []),
    ...(settings.detachMiscellanea ? ['uts'] : []),
  ];
  const relaunch = drops || process_ || unshareAll.length > 0;
  let launcherArgs: string[] | null = null;
  if (relaunch) {
    if (startUid !== 0) {
      refuse(given(settings.uid) ? '--uid' : process_ ? '--splitting' : '--detach-network/--detach-ipc', `needs root (the daemon was started as uid ${startUid})`);
    }
    launcherArgs = [];
    if (unshareAll.length) launcherArgs.push('--unshare-all', unshareAll.join(','));
    if (settings.detachNetwork === 'non-privileged') launcherArgs.push('--daemon-unshare', 'net');
    if (drops) {
      launcherArgs.push('--daemon-gid', String(daemonGid), '--daemon-groups', daemonGroups.join(','), '--daemon-uid', String(daemonUid));
      launcherArgs.push('--daemon-caps', capabilityMask(kept).toString(16));
    }
    if (process_) {
      launcherArgs.push('--server', '--no-new-privs');
      if (privilegedGid !== startGid) launcherArgs.push('--privileged-gid', String(privilegedGid));
      if (privilegedUid !== startUid) launcherArgs.push('--privileged-uid', String(privilegedUid));
      if (check) {
        const permitted = permittedExecs(settings);
        launcherArgs.push('--check', ...permitted.vectors.flatMap((v) => ['--allow', v]), ...permitted.cwds.flatMap((d) => ['--allow-cwd', d]));
      }
      launcherArgs.push(...policy);
    }
    if (seccomp) launcherArgs.push('--seccomp');
  }
  const parts = [
    drops ? `daemon as ${daemonUid}:${daemonGid} keeping ${kept.length ? kept.join(',') : 'no capabilities'}` : `daemon as ${startUid}:${startGid}`,
    `handlers as ${handlerUid}:${handlerGid}`,
    `splitting ${splitting}${settings.splitting === 'thread' ? ' (asked: thread)' : ''}`,
    ...(check ? ['argument check'] : []),
    ...(seccomp ? ['seccomp'] : []),
    ...(unshareAll.length ? [`own ${unshareAll.join('/')} namespaces`] : []),
    ...(settings.detachNetwork === 'non-privileged' ? ['daemon without network'] : []),
    ...(given(settings.chroot) ? [`handlers in ${settings.chroot} (pivot ${settings.pivotRoot})`] : []),
    ...(forbidDevices ? ['handlers without devices'] : []),
  ];
  return {
    splitting,
    daemon: { uid: daemonUid, gid: daemonGid, groups: daemonGroups },
    keptCapabilities: drops ? kept : [],
    handler,
    launcherArgs,
    childPolicyArgs: process_ ? [] : policy,
    checkArguments: check,
    summary: parts.join('; '),
  };
}

/** clsync-exec's `--ambient` for --inherit-capabilities (what a handler that is not root keeps). */
function ambientFor(inherit: Settings['inheritCapabilities'], keptMask: bigint): string | undefined {
  switch (inherit) {
    case 'empty':
      return '0';
    case 'clsync':
      return keptMask.toString(16);
    case 'permittied':
      return 'all';
    default:
      return 'keep';
  }
}

/** The plan this daemon runs under (set once at start-up by the command). */
let current: PrivilegePlan | undefined;

export function setDaemonPlan(plan: PrivilegePlan): void {
  current = plan;
}

/**
 * Whether what the daemon itself does at a local destination (the door:
 * replayed renames, unlinked deletions) is done with the rights rsync has
 * there: the daemon runs as the handler's user, without splitting. When
 * not, the door stays shut and rsync does all of it (deletions per parent).
 */
export function daemonWritesAsHandler(): boolean {
  return current === undefined || (current.splitting === 'off' && current.daemon.uid === current.handler.uid && current.daemon.gid === current.handler.gid);
}
