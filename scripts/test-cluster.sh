#!/usr/bin/env bash
# The cluster tests (issue 16; CTest label `cluster`): papo on a real 2-node ejabberd
# cluster on loopback. Installs what the test command installs plus ejabberd and curl,
# builds, and runs only those tests (they start and stop their own cluster; ~30 s).
# The full suite (scripts/test.sh) skips them where ejabberd is not installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
bash scripts/install-cluster-deps.sh
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAPO_WERROR=ON >/dev/null
cmake --build build-ci -j"$(nproc)" --target papo_cluster_tests papo papo-admin papo-server
cd build-ci
ctest --output-on-failure -L cluster "$@"
