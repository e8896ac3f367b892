#!/usr/bin/env bash
# The benchmark command: builds papo-bench and runs every scenario, papo against a
# raw Paho baseline, on an open broker and on the project's real configuration
# (accounts, papo_guard); prints the tables side by side and writes
# bench/results.json. Extra arguments go to papo-bench (--pairs N, --quick,
# --only TEXT, --config open|real|all|cluster).
#
#   bash bench/run.sh --config cluster
# runs the core scenarios (DM throughput, fan-out, offline drain, DM latency, creating
# users) on a 2-node ejabberd cluster instead, senders on node 1 and receivers on node 2,
# and writes bench/results-cluster.json (about 5 minutes). It needs root and ejabberd
# (scripts/test-cluster.sh installs it); without them papo-bench says so and exits 77.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" --target papo-bench papo-server papo papo_guard
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
results=$root/bench/results.json
for arg in "$@"; do
    [ "$arg" != cluster ] && [ "$arg" != --config=cluster ] || results=$root/bench/results-cluster.json
done
"$root/build/bench/papo-bench" --json "$results" --commit "$commit" "$@"
