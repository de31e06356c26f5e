#!/usr/bin/env bash
# A real live mirror to try clsync on: creates a small tree under
# ${EXAMPLE_DIR:-/tmp/clsync-example}/src and mirrors it to .../dst with rsync,
# syncing one second after a change. Edit files under src/ in another
# terminal and watch dst/ follow; Ctrl-C stops it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
base="${EXAMPLE_DIR:-/tmp/clsync-example}"
mkdir -p "$base/src/docs" "$base/dst"
[ -e "$base/src/README.txt" ] || echo "edit me" > "$base/src/README.txt"
[ -e "$base/src/docs/notes.md" ] || printf '# notes\n' > "$base/src/docs/notes.md"
printf '%s\n' '# never mirror editor swap files or the cache directory' '-f\.swp$' '-d^cache$' > "$base/rules"
echo "mirroring $base/src -> $base/dst (Ctrl-C to stop)"
exec "$here/bin/clsync.js" -H /NULL/ -l example -Mrsyncdirect \
  -W "$base/src" -D "$base/dst" -R "$base/rules" -t1 -w1 -v "$@"
