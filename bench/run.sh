#!/usr/bin/env bash
# The benchmark command: builds papo-bench and runs every scenario, papo against a
# raw Paho baseline, on an open broker and on the project's real configuration
# (accounts, papo_guard); prints the tables side by side and writes
# bench/results.json. Extra arguments go to papo-bench (--pairs N, --quick,
# --only TEXT, --config open|real|all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" --target papo-bench papo-server papo papo_guard
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
"$root/build/bench/papo-bench" --json "$root/bench/results.json" --commit "$commit" "$@"
