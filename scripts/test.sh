#!/usr/bin/env bash
# The README's test command (and CI's): installs what is missing, builds with
# warnings as errors, and runs every test. Tests start their own mosquitto on
# free loopback ports with temporary data folders (the cluster tests their own two
# ejabberd nodes, when run as root); nothing else needs to run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
# The cluster tests (tests/cluster/) need ejabberd and root; elsewhere they report skipped.
[[ $(id -u) -ne 0 ]] || bash scripts/install-cluster-deps.sh
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAPO_WERROR=ON >/dev/null
cmake --build build-ci -j"$(nproc)"
cd build-ci
ctest --output-on-failure -j2 --timeout 300 "$@"
