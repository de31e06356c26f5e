/**
 * Splitting a handler argument line (config key `--`) into words the way
 * clsync's str_splitargs does: words are separated by spaces or tabs;
 * '…' and "…" group (the quote characters are dropped, so `""` is an empty
 * word and `a"b c"d` is `ab cd`); inside "…" a quote preceded by an odd
 * number of backslashes does not close (the backslashes are kept).
 */

/**
 * Split `line` into handler arguments. Throws a plain Error for an
 * unterminated quote; the caller wraps it with the file and line.
 */
export function splitArgumentLine(line: string): string[] {
  const args: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) args.push(word);
      word = '';
      inWord = false;
    } else if (c === '"') {
      const close = closingDoubleQuote(line, i + 1);
      if (close === -1) throw new Error(`unterminated quote <"> in "${line}"`);
      word += line.slice(i + 1, close);
      inWord = true;
      i = close;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close === -1) throw new Error(`unterminated quote <'> in "${line}"`);
      word += line.slice(i + 1, close);
      inWord = true;
      i = close;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) args.push(word);
  return args;
}

function closingDoubleQuote(line: string, from: number): number {
  for (let j = line.indexOf('"', from); j !== -1; j = line.indexOf('"', j + 1)) {
    let backslashes = 0;
    for (let p = j - 1; p >= from && line[p] === '\\'; p--) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
  return -1;
}
