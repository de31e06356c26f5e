/**
 * renameat2(RENAME_EXCHANGE) for tests: swap two paths atomically, as
 * `mv --exchange` (coreutils 9.5+, not on Debian 12) and atomic deploys do.
 * Node has no binding, so one python3 process per test process makes the
 * call through ctypes (python3 is there wherever node-gyp built the addon).
 * Paths travel as hex, so every byte of an odd name survives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** The python side: one line "hexA hexB" in, one line "0" or the errno out. */
const SERVER = [
  'import ctypes, sys',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'for line in sys.stdin:',
  '    a, b = (bytes.fromhex(x) for x in line.split())',
  '    r = libc.renameat2(-100, a, -100, b, 2)',
  '    print(0 if r == 0 else ctypes.get_errno(), flush=True)',
].join('\n');

/** The same call as a shell command (for printed reproductions): `python3 -c … A B`. */
export const EXCHANGE_SHELL =
  `python3 -c 'import ctypes,os,sys; l=ctypes.CDLL(None,use_errno=True); ` +
  `sys.exit(0 if l.renameat2(-100,os.fsencode(sys.argv[1]),-100,os.fsencode(sys.argv[2]),2)==0 else os.strerror(ctypes.get_errno()))'`;

let server: ChildProcess | null = null;
let pending: Array<(line: string) => void> = [];
let chain: Promise<unknown> = Promise.resolve();

function start(): ChildProcess {
  const child = spawn('python3', ['-c', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => {
    text += d.toString();
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      pending.shift()?.(line);
    }
  });
  child.on('error', (err) => {
    server = null;
    for (const p of pending) p(`no python3 (${err.message}): install python3, which node-gyp needs too`);
    pending = [];
  });
  child.on('exit', () => {
    server = null;
    for (const p of pending) p('exited');
    pending = [];
  });
  hold(child, false);
  return child;
}

/** Keep the process alive for the helper only while an answer is awaited (an idle helper must not keep a test running). */
function hold(child: ChildProcess, keep: boolean): void {
  const handles = [child, child.stdin, child.stdout] as unknown as Array<{ ref?: () => void; unref?: () => void } | null>;
  for (const h of handles) (keep ? h?.ref : h?.unref)?.call(h);
}

/** Swap the objects at `a` and `b` (both must exist); rejects with an Error whose `code` is the errno name. */
export function exchange(a: Buffer | string, b: Buffer | string): Promise<void> {
  const run = async (): Promise<void> => {
    server ??= start();
    const child = server;
    hold(child, true);
    const line = await new Promise<string>((resolve) => {
      pending.push(resolve);
      child.stdin!.write(`${Buffer.from(a).toString('hex')} ${Buffer.from(b).toString('hex')}\n`);
    });
    hold(child, false);
    if (line === '0') return;
    const errno = Number(line);
    const code = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `renameat2 helper: ${line}`;
    throw Object.assign(new Error(`renameat2(RENAME_EXCHANGE) ${String(a)} ${String(b)}: ${code}`), { code });
  };
  const result = chain.then(run, run);
  chain = result.catch(() => {});
  return result;
}
