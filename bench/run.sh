#!/usr/bin/env bash
# The benchmark command: builds papo-bench and runs every scenario, papo against a
# raw Paho baseline on a private mosquitto; prints the table and writes
# bench/results.json. Extra arguments go to papo-bench (--pairs N, --quick).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" --target papo-bench papo-server
"$root/build/bench/papo-bench" --json "$root/bench/results.json" "$@"
