#!/usr/bin/env bash
# The README's test command (and CI's): installs what is missing, builds with
# warnings as errors, and runs every test. Tests start their own mosquitto on
# free loopback ports with temporary data folders; nothing else needs to run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAPO_WERROR=ON >/dev/null
cmake --build build-ci -j"$(nproc)"
cd build-ci
ctest --output-on-failure -j2 --timeout 300 "$@"
