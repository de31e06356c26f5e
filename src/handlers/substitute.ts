/**
 * Expand a handler argument template (SPEC §7): `%NAME%` inside an argument
 * is replaced by its value; an argument that is exactly a list-valued name
 * (`%RSYNC-ARGS%`) is replaced by several arguments. Names without a value
 * stay as written.
 */
export function expandArgs(
  template: readonly string[],
  values: Readonly<Record<string, string>>,
  lists: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  const out: string[] = [];
  for (const arg of template) {
    const list = lists[arg.slice(1, -1)];
    if (list && arg.startsWith('%') && arg.endsWith('%')) {
      out.push(...expandArgs(list, values));
      continue;
    }
    out.push(arg.replace(/%([A-Za-z0-9-]+)%/g, (whole, name: string) => values[name] ?? whole));
  }
  return out;
}
