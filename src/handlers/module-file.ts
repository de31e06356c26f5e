/**
 * The checks the C clsync makes on a `-M so|rsyncso` module file before it
 * loads it (sync.c), and which kind of module the file is. A module runs
 * inside the daemon with its rights, so a file someone else could have
 * written is refused.
 */
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { OptionError } from '../errors.js';

/** A JavaScript module (import()) or a shared object (dlopen through the addon). */
export type ModuleKind = 'javascript' | 'shared-object';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** stat bits the file must not have: setuid, setgid, sticky, group- and world-writable. */
const FORBIDDEN_BITS = 0o4000 | 0o2000 | 0o1000 | 0o020 | 0o002;

/**
 * Check `file` (as Node names it) as the C tool does: a regular file (a
 * symlink to one is followed, as stat(2) does), owned by root or by the
 * user running the daemon, without setuid/setgid/sticky bits, not group-
 * or world-writable. Throws an OptionError naming the file and the fix.
 */
export function checkModuleFile(file: string, uid = process.getuid?.() ?? 0): ModuleKind {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    throw new OptionError(`--sync-handler (-S) "${file}": cannot stat the module: ${(err as Error).message}`);
  }
  if (!st.isFile()) {
    throw new OptionError(`--sync-handler (-S) "${file}": the module must be a regular file (or a symlink to one)`);
  }
  if (st.uid !== 0 && st.uid !== uid) {
    throw new OptionError(
      `--sync-handler (-S) "${file}": the module is owned by uid ${st.uid}; only root or the daemon's user (uid ${uid}) may own it ` +
        `(fix: chown ${uid === 0 ? 'root' : uid} "${file}")`,
    );
  }
  const bad = st.mode & FORBIDDEN_BITS;
  if (bad) {
    throw new OptionError(
      `--sync-handler (-S) "${file}": the module's mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')} ` +
        `has setuid/setgid/sticky or group/world-write bits (fix: chmod u-s,g-ws,o-wt "${file}")`,
    );
  }
  return isSharedObject(file) ? 'shared-object' : 'javascript';
}

/** ELF magic, or a `.so` / `.so.N` name (a non-ELF one then fails in dlopen with its reason). */
function isSharedObject(file: string): boolean {
  if (/\.so(\.\d+)*$/.test(file)) return true;
  const head = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(ELF_MAGIC);
  } finally {
    closeSync(fd);
  }
}
