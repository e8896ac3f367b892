#!/usr/bin/env bash
# The benchmark command: builds papo-bench and runs every scenario, papo against a
# raw Paho baseline, on an open broker and on the project's real configuration
# (accounts, papo_guard); prints the tables side by side and writes
# bench/results.json. Extra arguments go to papo-bench (--pairs N, --quick,
# --only TEXT, --config open|real|all|cluster|scale|growth).
#
#   bash bench/run.sh --config cluster
# runs the core scenarios (DM throughput, fan-out, offline drain, DM latency, creating
# users) on a 2-node ejabberd cluster instead, senders on node 1 and receivers on node 2,
# and writes bench/results-cluster.json (about 5 minutes). It needs root and ejabberd
# (scripts/test-cluster.sh installs it); without them papo-bench says so and exits 77.
#
#   bash bench/run.sh --config scale [--scale-users N]
# the scale step (not in `all`, not in CI): papo-server with N users (default 100,000)
# on the open broker (with accounts on, dynsec rewrites its whole file at every account
# change, so 100,000 accounts cannot be made in bounded time): ms per user to make them
# (users.add, 4 in flight: --scale-clients), queues ls and users.info latency at 1,000 and
# at N, papo-server's and the broker's memory per user, the message store's bytes per
# waiting message (--scale-messages, default 20,000), papo-server's restart time. At most
# 40 minutes (--scale-minutes); a bound hit stops it and it says how far it got. Writes
# bench/results-scale.json. A smoke run: build/bench/papo-bench --config scale --quick
#
#   bash bench/run.sh --config growth
# the growth table (not in `all`, not in CI), papo against raw on the real configuration,
# one pair after a warm-up (--pairs N): topic fan-out to 10, 100 and 1,000 members (5,000,
# 500 and 50 posts), offline drains of 1,000, 10,000 and 100,000 waiting (no warm-up for
# the 1,000 members and the 100,000 waiting), papo-server's request latency at 1,000
# users; at most 30 minutes. Writes bench/results-growth.json. A smoke run:
# build/bench/papo-bench --config growth --quick
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" --target papo-bench papo-server papo papo_guard
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
results=$root/bench/results.json
for arg in "$@"; do
    case $arg in
        cluster | --config=cluster) results=$root/bench/results-cluster.json ;;
        scale | --config=scale) results=$root/bench/results-scale.json ;;
        growth | --config=growth) results=$root/bench/results-growth.json ;;
    esac
done
"$root/build/bench/papo-bench" --json "$results" --commit "$commit" "$@"
