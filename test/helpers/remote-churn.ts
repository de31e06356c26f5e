/**
 * The churn every remote destination must mirror exactly (issue 12):
 * creates, modifies, deletions below the top level (rsync 3.2.7's
 * `--delete-missing-args` bug), directory renames, names with newlines,
 * invalid UTF-8, a leading `-`, spaces, symlinks and hard links. Each step waits until
 * the destination equals the source (hard-link groups included).
 */
import { appendFileSync, chmodSync, linkSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Mirror } from './mirror.js';

/** Names of every class rsync or a shell could trip over. */
export const ODD_NAMES: readonly Buffer[] = [
  Buffer.from('new\nline'),
  Buffer.from([0x62, 0xff, 0xfe, 0xc0]), // invalid UTF-8
  Buffer.from('-rf'),
  Buffer.from('--delete'),
  Buffer.from(' spaced name '),
  Buffer.from('[*?]\\'),
];

/** One converge per step; remote runs each cost a connection, so the wait is longer than a local mirror's. */
const STEP_MS = 30_000;

/** Run the churn against a running mirror (its destination may be anywhere `m.dst` can be read). */
export async function churn(m: Mirror): Promise<void> {
  // creates: a nested tree, odd names as files and directories, hard links in one burst
  mkdirSync(m.in('top', 'a', 'b', 'c'), { recursive: true });
  for (let i = 0; i < 4; i++) writeFileSync(m.in('top', 'a', 'b', 'c', `f${i}`), `content ${i}\n`);
  writeFileSync(m.in('top', 'a', 'b', 'keep'), 'kept\n');
  for (const name of ODD_NAMES) {
    writeFileSync(m.in(name), name);
    mkdirSync(m.in('top', name));
    writeFileSync(m.in('top', name, name), Buffer.concat([name, name]));
  }
  writeFileSync(m.in('top', 'a', 'linked'), 'one inode\n');
  linkSync(m.in('top', 'a', 'linked'), m.in('top', 'a', 'b', 'linked too'));
  linkSync(m.in('top', 'a', 'linked'), m.in('-linked'));
  symlinkSync('b/keep', m.in('top', 'a', 'relative link'));
  symlinkSync('/an/absolute/target', m.in('absolute link'));
  await m.converge('created', STEP_MS);

  // modifies: content, mode, a same-size rewrite
  appendFileSync(m.in('top', 'a', 'b', 'c', 'f0'), 'more\n');
  chmodSync(m.in('top', 'a', 'b', 'keep'), 0o600);
  writeFileSync(m.in('top', 'a', 'b', 'c', 'f1'), 'CONTENT 1\n');
  appendFileSync(m.in('top', 'a', 'linked'), 'written through one name\n');
  writeFileSync(m.in(ODD_NAMES[1]), 'rewritten');
  await m.converge('modified', STEP_MS);

  // deletions below the top level: files, then a whole directory two levels down, odd names nested
  unlinkSync(m.in('top', 'a', 'b', 'c', 'f2'));
  unlinkSync(m.in('top', ODD_NAMES[0], ODD_NAMES[0]));
  await m.converge('nested files deleted', STEP_MS);
  rmSync(m.in('top', 'a', 'b', 'c'), { recursive: true });
  rmSync(m.in('top', ODD_NAMES[2]), { recursive: true });
  unlinkSync(m.in(ODD_NAMES[3]));
  await m.converge('nested directory deleted', STEP_MS);

  // directory renames: in place, to an odd name, into another directory
  mkdirSync(m.in('top', 'a', 'b', 'deep'));
  writeFileSync(m.in('top', 'a', 'b', 'deep', 'file'), 'deep\n');
  await m.converge('before the renames', STEP_MS);
  renameSync(m.in('top', 'a'), m.in('top', 'a renamed'));
  renameSync(m.in('top', ODD_NAMES[1]), m.in('top', Buffer.concat([ODD_NAMES[4], ODD_NAMES[0]])));
  renameSync(m.in('top', ODD_NAMES[5]), m.in('top', 'a renamed', 'b', ODD_NAMES[5]));
  await m.converge('directories renamed', STEP_MS);
  writeFileSync(m.in('top', 'a renamed', 'b', 'deep', 'after'), 'written after the rename\n');
  await m.converge('written in a renamed directory', STEP_MS);

  // hard links: a name joins a synced group, another leaves it
  linkSync(m.in('top', 'a renamed', 'linked'), m.in('joined later'));
  unlinkSync(m.in('top', 'a renamed', 'b', 'linked too'));
  await m.converge('hard-link group changed', STEP_MS);

  // a whole top-level directory goes
  rmSync(m.in('top'), { recursive: true });
  await m.converge('top level deleted', STEP_MS);
}
