#!/usr/bin/env bash
# Installs the exact dependencies (package-lock.json) of a Node.js folder of papo's:
# scripts/npm-ci.sh topics-schema/samples/node. Fails with npm's reason when it cannot
# (no network and no cache), so that the tests that need the packages do not pass silently.
set -euo pipefail
dir=${1:?usage: npm-ci.sh FOLDER}
if ! command -v npm >/dev/null; then
  echo "npm-ci.sh: npm is not installed (scripts/install-deps.sh installs nodejs and npm)" >&2
  exit 1
fi
# A folder installed since the lock file last changed is left alone (fast, works offline).
if [[ $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
  exit 0
fi
if ! npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error; then
  echo "npm-ci.sh: npm could not install $dir/package-lock.json's packages (offline?): the tests that use them fail" >&2
  exit 1
fi
