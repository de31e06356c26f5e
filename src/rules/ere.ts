/**
 * Translation of a POSIX extended regular expression (as glibc's `regcomp`
 * with `REG_EXTENDED | REG_NOSUB` reads it in the "C" locale — what the C
 * clsync uses) into an equivalent JavaScript RegExp.
 *
 * Why translate rather than hand the text to `new RegExp`: the two dialects
 * disagree in ways that silently change what matches — a backslash inside a
 * bracket is literal in POSIX but an escape in JS; `a+?` is "(a+) optional"
 * in POSIX but a lazy `a+` in JS; `{,n}` is an interval in glibc but literal
 * text in JS; `.` and `[^x]` match a newline in POSIX but `.` does not in JS.
 *
 * Subjects are byte strings (one char per byte, latin1), and the "C" locale
 * classifies only ASCII, so every class below is an ASCII byte set and every
 * literal is emitted as a `\xHH` escape or a plain ASCII char.
 *
 * What we reject (glibc would accept, but with meanings users rarely intend
 * and that we cannot reproduce exactly): a backslash before a letter or digit
 * other than the GNU escapes listed in `GNU_ESCAPES` and back-references
 * `\1`–`\9`, and multi-character collating elements `[.xy.]`.
 */

/** Thrown for a pattern glibc would refuse or that we cannot translate faithfully. */
export class EreSyntaxError extends Error {}

/** Byte sets of the POSIX classes in the "C" locale, as JS class contents. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  blank: '\\t ',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
};

/** GNU regex escapes glibc accepts in an ERE, and their JS equivalents. */
const GNU_ESCAPES: Readonly<Record<string, string>> = {
  w: '[0-9A-Za-z_]',
  W: '[^0-9A-Za-z_]',
  s: '[\\t\\n\\v\\f\\r ]',
  S: '[^\\t\\n\\v\\f\\r ]',
  b: '\\b',
  B: '\\B',
  '<': '\\b(?=[0-9A-Za-z_])',
  '>': '\\b(?<=[0-9A-Za-z_])',
  '`': '^',
  "'": '$',
};

/** glibc's RE_DUP_MAX: the largest bound an interval may name. */
const DUP_MAX = 0x7fff;

/** One char as a JS regex literal that cannot be mistaken for syntax. */
function literal(ch: string): string {
  const code = ch.charCodeAt(0);
  if ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || ch === '_') {
    return ch;
  }
  return '\\x' + code.toString(16).padStart(2, '0');
}

/**
 * Parses a bracket expression starting just after `[` at `start`.
 * Returns the JS class text and the index just past the closing `]`.
 */
function translateBracket(src: string, start: number): { text: string; end: number } {
  let i = start;
  let negate = false;
  if (src[i] === '^') {
    negate = true;
    i++;
  }
  const parts: string[] = [];
  let first = true;
  // The previous single char (its code), when it may start a range.
  let rangeStart = -1;
  let afterClass = false;
  while (true) {
    if (i >= src.length) throw new EreSyntaxError('unmatched "[" (a bracket expression is not closed with "]")');
    const ch = src[i];
    if (ch === ']' && !first) {
      i++;
      break;
    }
    first = false;
    if (ch === '-' && afterClass && src[i + 1] !== ']') {
      throw new EreSyntaxError('a character class such as [:alpha:] cannot start a range');
    }
    afterClass = false;
    let single: number;
    if (ch === '[' && (src[i + 1] === ':' || src[i + 1] === '=' || src[i + 1] === '.')) {
      const kind = src[i + 1];
      const close = src.indexOf(kind + ']', i + 2);
      if (close < 0) throw new EreSyntaxError(`unmatched "[${kind}" inside a bracket expression`);
      const name = src.slice(i + 2, close);
      i = close + 2;
      if (kind === ':') {
        const cls = POSIX_CLASSES[name];
        if (cls === undefined) throw new EreSyntaxError(`unknown character class "[:${name}:]"`);
        parts.push(cls);
        rangeStart = -1;
        afterClass = true;
        continue;
      }
      // [=x=] and [.x.]: in the C locale only single chars are collating elements.
      if (name.length !== 1) throw new EreSyntaxError(`unsupported collating element "[${kind}${name}${kind}]" (only single characters are supported)`);
      single = name.charCodeAt(0);
    } else if (ch === '-' && rangeStart >= 0 && src[i + 1] !== ']' && i + 1 < src.length) {
      // A range: "a-z". The end may itself be a [.x.] element.
      i++;
      let endCode: number;
      if (src[i] === '[' && (src[i + 1] === '.' || src[i + 1] === '=')) {
        const kind = src[i + 1];
        const close = src.indexOf(kind + ']', i + 2);
        if (close < 0 || close !== i + 3) throw new EreSyntaxError('invalid range end in a bracket expression');
        endCode = src.charCodeAt(i + 2);
        i = close + 2;
      } else {
        endCode = src.charCodeAt(i);
        i++;
      }
      if (endCode < rangeStart) {
        throw new EreSyntaxError(`invalid range "${String.fromCharCode(rangeStart)}-${String.fromCharCode(endCode)}" (the end sorts before the start)`);
      }
      // Replace the lone start char pushed earlier by the whole range.
      parts[parts.length - 1] = literal(String.fromCharCode(rangeStart)) + '-' + literal(String.fromCharCode(endCode));
      rangeStart = -1;
      continue;
    } else {
      // Backslash, "[", "^" and "-" here are all plain characters in POSIX.
      single = src.charCodeAt(i);
      i++;
    }
    parts.push(literal(String.fromCharCode(single)));
    rangeStart = single;
  }
  // An empty JS class "[]" never matches and "[^]" matches all; POSIX cannot produce
  // either since "]" first is a literal, so `parts` is never empty here.
  return { text: (negate ? '[^' : '[') + parts.join('') + ']', end: i };
}

/**
 * Translates an ERE into JS RegExp source (use with flag `s`, no `u`, no `m`).
 * Throws EreSyntaxError naming the problem.
 */
export function translateEre(src: string): string {
  const out: string[] = [];
  // Index in `out` where the last atom begins (-1: no atom to repeat).
  let atomStart = -1;
  // Whether the last atom already carries a quantifier (POSIX allows "a**", JS does not).
  let quantified = false;
  // Indices in `out` of the open groups.
  const groups: number[] = [];
  let groupCount = 0;
  let i = 0;

  const quantify = (q: string): void => {
    if (atomStart < 0) throw new EreSyntaxError(`"${q}" has nothing before it to repeat`);
    if (quantified) {
      // POSIX stacks repetitions: "a+?" is "(a+)?". Wrap so JS reads it the same way.
      const inner = out.splice(atomStart).join('');
      out.push('(?:' + inner + ')');
    }
    out.push(q);
    quantified = true;
  };

  while (i < src.length) {
    const ch = src[i];
    switch (ch) {
      case '\\': {
        if (i + 1 >= src.length) throw new EreSyntaxError('trailing backslash');
        const next = src[i + 1];
        i += 2;
        atomStart = out.length;
        quantified = false;
        if (next >= '1' && next <= '9') {
          if (Number(next) > groupCount) throw new EreSyntaxError(`back-reference "\\${next}" names a group that does not exist`);
          out.push('\\' + next);
        } else if (GNU_ESCAPES[next] !== undefined) {
          out.push(GNU_ESCAPES[next]);
          if ('bB<>`\''.includes(next)) atomStart = -1;
        } else if (/[0-9A-Za-z]/.test(next)) {
          throw new EreSyntaxError(`unsupported escape "\\${next}" (POSIX regex has no such escape; glibc would match a plain "${next}" — write "${next}" or use a class such as [[:digit:]])`);
        } else {
          out.push(literal(next));
        }
        break;
      }
      case '[': {
        const { text, end } = translateBracket(src, i + 1);
        atomStart = out.length;
        quantified = false;
        out.push(text);
        i = end;
        break;
      }
      case '(':
        groups.push(out.length);
        groupCount++;
        out.push('(');
        atomStart = -1;
        i++;
        break;
      case ')': {
        const open = groups.pop();
        i++;
        if (open === undefined) {
          // glibc treats an unmatched ")" in an ERE as a literal character.
          atomStart = out.length;
          quantified = false;
          out.push('\\x29');
          break;
        }
        out.push(')');
        atomStart = open;
        quantified = false;
        break;
      }
      case '|':
        out.push('|');
        atomStart = -1;
        i++;
        break;
      case '^':
      case '$':
        out.push(ch);
        // An anchor is not an atom: "^*" is an error in glibc.
        atomStart = -1;
        i++;
        break;
      case '.':
        atomStart = out.length;
        quantified = false;
        out.push('.');
        i++;
        break;
      case '*':
      case '+':
      case '?':
        quantify(ch);
        i++;
        break;
      case '{': {
        const m = /^\{([0-9]*)(,([0-9]*))?\}/.exec(src.slice(i));
        if (m === null) throw new EreSyntaxError('unmatched or malformed "{" interval (write "\\{" for a literal brace)');
        if (m[1] === '' && m[2] === undefined) throw new EreSyntaxError('empty interval "{}"');
        const min = m[1] === '' ? 0 : Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (min > DUP_MAX || (max !== Infinity && max > DUP_MAX) || max < min) {
          throw new EreSyntaxError(`invalid interval "${m[0]}"`);
        }
        quantify(max === Infinity ? `{${min},}` : min === max ? `{${min}}` : `{${min},${max}}`);
        i += m[0].length;
        break;
      }
      default:
        atomStart = out.length;
        quantified = false;
        out.push(literal(ch));
        i++;
    }
  }
  if (groups.length > 0) throw new EreSyntaxError('unmatched "(" (a group is not closed with ")")');
  return out.join('');
}

/** Compiles an ERE to a RegExp with POSIX semantics for byte strings. Throws EreSyntaxError. */
export function compileEre(src: string): RegExp {
  return new RegExp(translateEre(src), 's');
}
