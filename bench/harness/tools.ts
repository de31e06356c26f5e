/**
 * The three daemons compared, how each is started on a source/destination
 * pair with all delays 0 and rsync replaced by the benchmark's wrapper, and
 * installing the peers from Debian when they are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Names accepted by `--tools`. */
export const TOOL_NAMES = ['ours', 'ours-split', 'clsync', 'lsyncd'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Human labels for the table. */
export const TOOL_LABELS: Record<ToolName, string> = { ours: 'ours', 'ours-split': 'ours split', clsync: 'C clsync', lsyncd: 'lsyncd' };

/** Ours with least privilege: nobody keeping CAP_DAC_READ_SEARCH, handlers run by the privileged helper (what splitting costs). */
const SPLIT_ARGS = ['--secure-splitting', '-C', 'CAP_DAC_READ_SEARCH'];

/** Our own daemon, in either setup (nothing to install). */
const isOurs = (t: ToolName): boolean => t === 'ours' || t === 'ours-split';

/** Paths one daemon run works with. */
export interface RunPaths {
  src: string;
  dst: string;
  /** The rsync wrapper script. */
  wrapper: string;
  /** A scratch directory for config files. */
  work: string;
}

/** A command line to spawn. */
export interface Command {
  file: string;
  args: string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** bin/clsync.js of this checkout (dist/bench/harness → repo root). */
export const OUR_BIN = path.resolve(here, '../../../bin/clsync.js');

/** The command line that starts `tool` on `p` (writes lsyncd's config first). */
export function commandFor(tool: ToolName, p: RunPaths): Command {
  const common = ['-H', '/NULL/', '-Mrsyncdirect', '-S', p.wrapper, '-W', p.src, '-D', p.dst, '-w0', '-t0', '-T0'];
  switch (tool) {
    case 'ours':
    case 'ours-split': {
      // As users start it (the launcher's #! line carries node's flags), unless BENCH_OURS_NODE_ARGS
      // gives node flags for our daemon, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (they replace the launcher's).
      const nodeArgs = (process.env.BENCH_OURS_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const args = tool === 'ours-split' ? [...SPLIT_ARGS, ...common] : common;
      return nodeArgs.length ? { file: process.execPath, args: [...nodeArgs, OUR_BIN, ...args] } : { file: OUR_BIN, args };
    }
    case 'clsync':
      return { file: findBinary('clsync') ?? 'clsync', args: common };
    case 'lsyncd': {
      const config = path.join(p.work, 'lsyncd.lua');
      fs.writeFileSync(config, lsyncdConfig(p));
      return { file: findBinary('lsyncd') ?? 'lsyncd', args: ['-nodaemon', config] };
    }
  }
}

/** lsyncd 2.2.3 config: default.rsync, no delay, archive + hard links, rsync = the wrapper. */
function lsyncdConfig(p: RunPaths): string {
  const s = (v: string): string => JSON.stringify(v); // a valid Lua string literal for plain paths
  return `settings { nodaemon = true, logfile = "/dev/null", statusFile = "/dev/null", insist = true }
sync { default.rsync, source = ${s(p.src)}, target = ${s(p.dst)}, delay = 0,
  rsync = { archive = true, hard_links = true, binary = ${s(p.wrapper)} } }
`;
}

/** Absolute path of an executable found on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = path.join(dir || '.', name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const PACKAGE_OF: Record<string, string> = { clsync: 'clsync', lsyncd: 'lsyncd', rsync: 'rsync' };

/**
 * Makes sure rsync and the peers in `tools` are installed: as root, missing
 * ones come from Debian (`apt-get update`, `apt-get install -y ...`), and the
 * benchmark says so. Returns the tools that can run.
 */
export function ensureTools(tools: ToolName[]): ToolName[] {
  const needed = ['rsync', ...tools.filter((t) => !isOurs(t))];
  const missing = needed.filter((b) => !findBinary(b));
  if (missing.length) {
    const isRoot = process.getuid?.() === 0;
    if (isRoot && findBinary('apt-get')) {
      const pkgs = missing.map((b) => PACKAGE_OF[b]);
      console.log(`missing ${missing.join(', ')}: installing from Debian (apt-get update; apt-get install -y ${pkgs.join(' ')})`);
      run('apt-get', ['update']);
      run('apt-get', ['install', '-y', ...pkgs]);
    } else {
      console.log(`missing ${missing.join(', ')} and not root (or no apt-get): install them to compare (apt-get install -y clsync lsyncd rsync)`);
    }
  }
  if (!findBinary('rsync')) throw new Error('rsync is required (apt-get install -y rsync)');
  return tools.filter((t) => {
    if (isOurs(t) || findBinary(t)) return true;
    console.log(`skipping ${TOOL_LABELS[t]}: ${t} is not installed`);
    return false;
  });
}

function run(file: string, args: string[]): void {
  const r = spawnSync(file, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed with exit code ${r.status}`);
}

/** One-line version of each tool (and rsync), for the results file. */
export function toolVersions(tools: ToolName[]): Record<string, string> {
  const first = (file: string, args: string[]): string => {
    const r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
    const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    return text.split('\n').map((l) => l.trim()).find((l) => /\d+\.\d+/.test(l)) ?? 'unknown';
  };
  const out: Record<string, string> = { rsync: first(findBinary('rsync') ?? 'rsync', ['--version']) };
  for (const t of tools) {
    if (isOurs(t)) out[t] = first(process.execPath, [OUR_BIN, '-V']);
    if (t === 'clsync') out.clsync = first(findBinary('clsync') ?? 'clsync', ['-V']);
    if (t === 'lsyncd') out.lsyncd = first(findBinary('lsyncd') ?? 'lsyncd', ['-version']);
  }
  out.node = process.version;
  out.kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  return out;
}
