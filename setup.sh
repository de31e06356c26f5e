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
# for the tests only (test/helpers/sshd.ts runs Debian's sshd on loopback): installed when we can, else those tests skip
for_tests=()
[ -x /usr/sbin/sshd ] || for_tests+=(openssh-server)
command -v ssh >/dev/null 2>&1 || for_tests+=(openssh-client)
if [ ${#for_tests[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing+=("${for_tests[@]}")
elif [ ${#for_tests[@]} -gt 0 ]; then
  echo "setup: without ${for_tests[*]} the remote-destination tests are skipped" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    if [[ " ${missing[*]} " == *" openssh-server "* ]] && [ -d /run/systemd/system ]; then
      # installed for the tests, which start their own sshd: the package's system service was not asked for
      systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
      echo "setup: openssh-server installed for the tests; its system service is left disabled"
    fi
  else
    echo "setup: please install: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi

npm ci --no-audit --no-fund
echo "setup: done — run ./bin/clsync.js -h, or: npm run example"
