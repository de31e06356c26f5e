/**
 * The relaunch: a daemon whose plan drops rights or splits (plan.ts)
 * replaces itself, before it starts anything, with clsync-priv (same pid),
 * which sets up the privileged helper and the daemon's rights and execs
 * Node.js again on the same command line. That second start is "the
 * daemon stage": it finds the markers set here, and does not relaunch.
 */
import { fileURLToPath } from 'node:url';
import { accessSync, constants } from 'node:fs';
import { ClsyncError, errnoName } from '../errors.js';
import { native } from '../native.js';
import { NO_CONFIG_FILE } from '../config/index.js';
import type { PrivilegePlan } from './plan.js';

const PRIV_PATH = fileURLToPath(new URL('../../../build/Release/clsync-priv', import.meta.url));

/** Set for the daemon stage; removed as soon as it is read, so no child inherits it. */
const STAGE_MARKER = 'CLSYNC_PRIVILEGE_STAGE';
/** The daemon stage's end of the privileged helper's channel (set by clsync-priv). */
const CHANNEL_VARIABLE = 'CLSYNC_PRIVILEGED_FD';
/** The pid file was written by the first stage (the daemon stage may not be able to). */
const PID_FILE_MARKER = 'CLSYNC_PID_FILE_WRITTEN';

export interface LaunchStage {
  /** this is the relaunched daemon */
  relaunched: boolean;
  /** the user and group that started the first stage (the plan is made for them in both stages) */
  startUid: number;
  startGid: number;
  /** the privileged helper's channel, when there is one */
  channelFd: number | null;
  /** the first stage wrote the pid file */
  pidFileWritten: boolean;
}

/** Read (and clear) the markers of the daemon stage; call once, before anything starts. */
export function takeLaunchStage(): LaunchStage {
  const start = /^(\d+):(\d+)$/.exec(process.env[STAGE_MARKER] ?? '');
  const relaunched = start !== null;
  const channel = relaunched ? Number(process.env[CHANNEL_VARIABLE]) : NaN;
  const pidFileWritten = relaunched && process.env[PID_FILE_MARKER] === '1';
  for (const name of [STAGE_MARKER, CHANNEL_VARIABLE, PID_FILE_MARKER]) delete process.env[name];
  return {
    relaunched,
    startUid: start ? Number(start[1]) : process.geteuid?.() ?? 0,
    startGid: start ? Number(start[2]) : process.getegid?.() ?? 0,
    channelFd: Number.isInteger(channel) && channel > 2 ? channel : null,
    pidFileWritten,
  };
}

/**
 * Replace this process with clsync-priv per the plan; returns only when
 * there is nothing to do. `argv`: the command line, run again as it is,
 * with the config file this stage chose named explicitly (the daemon stage
 * may not be able to search where this one did). `keepFds`: descriptors
 * besides 0-2 the daemon stage needs (the -b readiness pipe).
 */
export function relaunch(plan: PrivilegePlan, argv: readonly string[], configFile: string | undefined, extraEnv: Record<string, string>, keepFds: readonly number[]): void {
  if (plan.launcherArgs === null) return;
  try {
    accessSync(PRIV_PATH, constants.X_OK);
  } catch {
    throw new ClsyncError(`the privilege helper ${PRIV_PATH} is missing or not executable; build it with "npm install" (node-gyp rebuild)`);
  }
  const config = `--config-file=${configFile === undefined ? NO_CONFIG_FILE : Buffer.from(configFile, 'latin1').toString('utf8')}`;
  const command = [PRIV_PATH, ...plan.launcherArgs, '--', process.execPath, ...process.execArgv, process.argv[1]!, config, ...argv];
  const env = { ...process.env, ...extraEnv, [STAGE_MARKER]: `${process.geteuid?.() ?? 0}:${process.getegid?.() ?? 0}` };
  const rc = native.execve(PRIV_PATH, command, Object.entries(env).map(([k, v]) => `${k}=${v ?? ''}`), [0, 1, 2, ...keepFds]);
  throw new ClsyncError(`cannot start the privilege helper ${PRIV_PATH}: ${errnoName(rc)}`);
}

/** The environment that tells the daemon stage the pid file is written. */
export const pidFileWrittenEnv = { [PID_FILE_MARKER]: '1' };
