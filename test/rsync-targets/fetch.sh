#!/usr/bin/env bash
# Extra test targets: the other rsync versions users run, unpacked (not installed) under
# test/rsync-targets/<version>/. Today: the rsync of Debian 12's main archive (3.2.7, which has
# rsync bug #910: --delete-missing-args fails below the top level) besides the security update
# that `apt-get install rsync` gives (3.5.0). test/e2e/rsync-targets.test.ts runs the daemon with
# each one found here. Best effort: without apt (or offline) it says so and leaves nothing.
set -uo pipefail
cd "$(dirname "$0")"
command -v apt-get >/dev/null 2>&1 || { echo "rsync-targets: no apt-get; skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The version in bookworm's main archive, whatever its point release is now.
version=$(apt-cache madison rsync 2>/dev/null | awk -F'|' '$3 ~ /bookworm\/main/ && $3 !~ /security/ {gsub(/ /,"",$2); print $2; exit}')
if [ -z "$version" ]; then echo "rsync-targets: no rsync in bookworm/main known to apt (apt-get update first?); skipped"; exit 0; fi
if ! (cd "$tmp" && apt-get download -qq "rsync=$version" >/dev/null 2>&1); then
  echo "rsync-targets: cannot download rsync $version; skipped"; exit 0
fi
dir="$version"
rm -rf "$dir" && mkdir -p "$dir"
dpkg -x "$tmp"/rsync_*.deb "$tmp/root"
cp "$tmp/root/usr/bin/rsync" "$dir/rsync"
# rsync 3.2.7 links libpopt, libxxhash, liblz4, libzstd as 3.5.0 does: both need the same libraries.
if ! "$dir/rsync" --version >/dev/null 2>&1; then echo "rsync-targets: rsync $version does not run here; removed"; rm -rf "$dir"; exit 0; fi
echo "rsync-targets: $("$dir/rsync" --version | head -1) in test/rsync-targets/$dir/"
