/**
 * Files the daemon (often root) writes in directories other users may
 * write to: created only if new, never through a symlink, and replaced
 * atomically, so a name planted ahead (a symlink to /etc/shadow, a file of
 * the attacker's) can neither redirect nor spoil a write.
 */
import { closeSync, constants, lstatSync, openSync, realpathSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { OptionError } from './errors.js';

/** The sticky bit (S_ISVTX): only a name's owner may remove or rename it, as in /tmp. */
const STICKY = 0o1000;

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW; // Node adds O_CLOEXEC itself

/** A random part for file names nobody can guess ahead (48 bits). */
export function randomPart(): string {
  return randomBytes(6).toString('hex');
}

/**
 * Create `path` with `content`; fails (EEXIST) if anything is there,
 * a symlink included, so nothing planted is followed or overwritten.
 */
export function createExclusive(path: string, content: Buffer | string, mode: number): void {
  const fd = openSync(path, CREATE_NEW, mode);
  try {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replace `path` with a file holding `content`: written to a new file of a
 * random name in the same directory, then renamed over `path`. rename(2)
 * replaces a symlink at `path` instead of following it, and readers see the
 * old content or the new, never a part.
 */
export function replaceAtomically(path: string, content: string, mode: number): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomPart()}.tmp`);
  try {
    createExclusive(temp, content, mode);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * A directory for the daemon's private files (`-L`): it must be a real
 * directory owned by the daemon's user and closed to others, and no other
 * user may be able to replace it (every ancestor is owned by root or us and
 * not writable by others, unless sticky like /tmp). Returns its real path;
 * throws an OptionError naming `option`, the problem and the fix.
 */
export function checkPrivateDir(dir: string, option: string): string {
  const euid = process.geteuid?.() ?? 0;
  const real = realpathSync(dir);
  const st = lstatSync(real);
  if (!st.isDirectory()) throw new OptionError(`${option} ${dir}: is not a directory; give a directory of the daemon's own`);
  if (st.uid !== euid) {
    throw new OptionError(`${option} ${dir}: is owned by uid ${st.uid}, not by the daemon's user (uid ${euid}); use a directory of its own (chown ${euid} it or pick another)`);
  }
  if (st.mode & 0o077) {
    throw new OptionError(`${option} ${dir}: is accessible to others (mode ${modeText(st)}); chmod 700 it`);
  }
  for (let parent = dirname(real), child = real; parent !== child; child = parent, parent = dirname(parent)) {
    const p = lstatSync(parent);
    const othersWrite = (p.mode & 0o022) !== 0 && (p.mode & STICKY) === 0;
    if ((p.uid !== 0 && p.uid !== euid) || othersWrite) {
      throw new OptionError(
        `${option} ${dir}: its parent ${parent} (uid ${p.uid}, mode ${modeText(p)}) lets another user replace it; ` +
          `use a directory whose parents only root or the daemon's user can change`,
      );
    }
  }
  return real;
}

function modeText(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(3, '0');
}
