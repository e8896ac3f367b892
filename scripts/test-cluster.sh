#!/usr/bin/env bash
# The cluster tests (issue 16; CTest label `cluster`): papo on a real 2-node ejabberd
# cluster on loopback. Installs what the test command installs plus ejabberd and curl,
# builds, and runs only those tests (they start and stop their own cluster; ~30 s).
# The full suite (scripts/test.sh) skips them where ejabberd is not installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
for p in ejabberd curl; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    # Debian's package starts a system ejabberd where systemd runs; the cluster does not
    # need it, and it takes port 1883 (PLATFORM-NOTES).
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends ejabberd curl
    break
  fi
done
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAPO_WERROR=ON >/dev/null
cmake --build build-ci -j"$(nproc)" --target papo_cluster_tests papo papo-admin papo-server
cd build-ci
ctest --output-on-failure -L cluster "$@"
