/**
 * rsync filter patterns for exact paths.
 *
 * rsync ("INCLUDE/EXCLUDE PATTERN RULES" in rsync(1)) matches a pattern as
 * plain text unless it contains one of `*`, `?`, `[`; only then is it a
 * wildcard pattern, in which a backslash escapes the next character.
 * Without wildcards a backslash is an ordinary character. So a name is
 * written raw when the pattern has no wildcard, and with `\ * ? [ ]`
 * escaped when it has one (because the name contains one, or because we
 * append `/***`).
 *
 * Every pattern starts with `/`: anchored at the transfer root, so it
 * cannot match at another depth, and no line can begin with `#` or `;`
 * (comments) or `+ ` / `- ` (rule prefixes) or be `!` (clear the list).
 */
import type { RelPath } from '../types.js';

const WILDCARD = /[*?[]/;
const TO_ESCAPE = /[\\*?[\]]/g;

/**
 * The anchored rsync pattern for `path` (a byte string, '' = root): `/path`,
 * or `/path/***` when `recursive` (the object and everything under it).
 */
export function rsyncPattern(path: RelPath, recursive: boolean): string {
  if (recursive) return path === '' ? '/***' : '/' + path.replace(TO_ESCAPE, '\\$&') + '/***';
  if (WILDCARD.test(path)) return '/' + path.replace(TO_ESCAPE, '\\$&');
  return '/' + path;
}

/** The anchored rsync pattern for the entries directly in directory `dir` ('' = root): `/dir/*`, escaped. */
export function rsyncChildrenPattern(dir: RelPath): string {
  return dir === '' ? '/*' : '/' + dir.replace(TO_ESCAPE, '\\$&') + '/*';
}
