#!/usr/bin/env bash
# The long chaos run (the test suite runs a short one as chaos.Short): builds papo and
# papo-chaos, then 20 users and 5 plain-MQTT devices for 60 s with random reader kills,
# two broker SIGKILLs and one papo-server SIGKILL. Extra arguments go to papo-chaos
# (--users N, --devices N, --seconds S, --seed N, --json FILE; --cluster for a 2-node
# ejabberd cluster, which needs root and ejabberd, with --kill-node 1|2). Exit status 0 only
# when nothing was lost, duplicated, shown out of order or unexpected.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
case " $* " in *" --cluster "*) bash "$root/scripts/install-cluster-deps.sh" ;; esac
bash "$root/scripts/build.sh" --target papo-chaos papo papo-admin papo-server papo_guard
exec "$root/build/chaos/papo-chaos" --users 20 --devices 5 --seconds 60 "$@"
