/**
 * `%option-name%` substitution (SPEC §7), with clsync's rules
 * (main.c parameter_expand): `%name%` is replaced by the value of the option
 * `name` when it is set, `%PID%` by the process id, `%%` by `%`; anything
 * else — unknown names, the handler's own `%INCLUDE-LIST-PATH%`-style words,
 * an unterminated `%` — stays exactly as written.
 */

/** Value of an option by its long name, or undefined when it is not set. */
export type OptionLookup = (name: string) => string | undefined;

/**
 * Replace `%name%` references in `text`. With `keepPercentEscapes`, `%%` is
 * left as `%%` — for handler arguments, whose `%UPPER-CASE%` words are
 * expanded later by the handler, which then also takes care of `%%`.
 */
export function substituteOptions(text: string, lookup: OptionLookup, keepPercentEscapes = false): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('%', i);
    if (start === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    if (text[start + 1] === '%') {
      out += keepPercentEscapes ? '%%' : '%';
      i = start + 2;
      continue;
    }
    const end = text.indexOf('%', start + 1);
    if (end === -1) {
      out += text.slice(start); // unterminated: keep as written
      break;
    }
    const name = text.slice(start + 1, end);
    const value = name === 'PID' ? String(process.pid) : lookup(name);
    out += value ?? text.slice(start, end + 1);
    i = end + 1;
  }
  return out;
}

/** Whether `text` refers to option `name` as `%name%` (outside `%%` escapes). */
export function refersTo(text: string, name: string): boolean {
  const marker = '\u0000';
  return substituteOptions(text, (n) => (n === name ? marker : undefined), true).includes(marker);
}
