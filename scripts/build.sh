#!/usr/bin/env bash
# Configures and builds papo into build/ (extra arguments go to cmake --build,
# e.g. --target papo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" "$@"
