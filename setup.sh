#!/usr/bin/env bash
# Set up clsync on this machine: install what a fresh Debian/Ubuntu lacks
# (rsync to sync with; make/g++/python3 for the native addon, cc for the tests'
# shared-object handler, an OpenSSH server and client for the remote-destination
# tests, which start their own sshd), then install
# the npm dependencies, build the addon and compile the TypeScript.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v cc >/dev/null 2>&1 || missing+=(gcc)   # the tests build a tiny shared-object handler
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)   # test/helpers/sshd.ts runs Debian's sshd on loopback
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi

npm ci --no-audit --no-fund
echo "setup: done — run ./bin/clsync.js -h, or: npm run example"
