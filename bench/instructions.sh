#!/usr/bin/env bash
# Instructions per delivered DM, counted (this VM has no hardware counters for perf stat):
# 1 sender -> 1 receiver, QoS 1, 100-byte bodies, papo against the raw Paho baseline on the
# same kind of broker. The sender, the receiver, papo-server and the broker each run as a
# process of their own under valgrind's callgrind (build/bench/papo-instr drive), once for
# --dms N and once for --base-dms M (default N/10); (Ir of the run of N - Ir of the run of M)
# / (N - M) is a process's instructions per DM, with start-up, logins and connections
# cancelled out. Every run checks that all its DMs arrived and that papo-server took every
# receipt, and is bounded (each wait 240 s, each run 600 s). Then the papo runs once more
# natively, papo-server's fsyncs counted with strace, to compare the batch sizes (papo-server
# commits its store per batch, the receiver sends receipts per batch: under callgrind a
# batch's 20 ms or 100 ms hold fewer DMs). About 3 minutes for N = 5000.
#
#   bash bench/instructions.sh [--dms N] [--base-dms M] [--config open|real] [--no-broker] [--out DIR]
#
# --config open (the default): the project's mosquitto.conf without access control,
# papo-server --no-accounts; real: accounts + papo_guard (publish and request rates and
# papo-server's queue limits lifted, as papo-bench --config real). --no-broker: the broker
# runs natively (not counted). Prints the tables (Markdown) and keeps the callgrind files in
# DIR (default: a new folder under /tmp), e.g. for
#   callgrind_annotate --inclusive=yes DIR/papo-5000/papo-server.callgrind
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dms=5000 base= config=open broker=--broker-callgrind out=
while [ $# -gt 0 ]; do
    case $1 in
        --dms) dms=$2; shift 2 ;;
        --base-dms) base=$2; shift 2 ;;
        --config) config=$2; shift 2 ;;
        --no-broker) broker=; shift ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "instructions.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
done
[ -n "$base" ] || base=$((dms / 10))
if ! [ "$dms" -gt "$base" ] 2>/dev/null || ! [ "$base" -ge 0 ]; then
    echo "instructions.sh: --dms must be above --base-dms (>= 0)" >&2
    exit 2
fi
case $config in open|real) ;; *) echo "instructions.sh: --config is open or real" >&2; exit 2 ;; esac
if ! command -v valgrind >/dev/null; then
    echo "instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 77
fi
bash "$root/scripts/build.sh" --target papo-instr papo-server papo_guard >/dev/null
if [ -n "$out" ]; then mkdir -p "$out"; else out=$(mktemp -d /tmp/papo-instructions-XXXXXX); fi
instr=$root/build/bench/papo-instr
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
echo "# papo-instr: $config configuration, $dms and $base DMs, commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
# One run at a time: callgrind serializes a process's threads, and the machine is shared.
for side in papo raw; do
    for n in "$dms" "$base"; do
        rm -rf "${out:?}/$side-$n"
        started=$(date +%s)
        if ! timeout 600 "$instr" drive --side "$side" --dms "$n" --config "$config" $broker --out-dir "$out/$side-$n" >"$out/$side-$n.log" 2>&1; then
            cat "$out/$side-$n.log" >&2
            echo "instructions.sh: FAILED: the $side run of $n DMs (logs in $out/$side-$n/)" >&2
            exit 1
        fi
        echo "- $(tail -n 1 "$out/$side-$n.log" | sed 's/^papo-instr drive: //') ($(($(date +%s) - started)) s in all)"
    done
done
# The same papo runs natively, papo-server's fsyncs counted (strace), to compare batch sizes.
for n in "$dms" "$base"; do
    rm -rf "${out:?}/native-$n"
    if ! timeout 300 "$instr" drive --side papo --dms "$n" --config "$config" --tool none --count-syncs --out-dir "$out/native-$n" >"$out/native-$n.log" 2>&1; then
        cat "$out/native-$n.log" >&2
        echo "instructions.sh: FAILED: the native papo run of $n DMs (logs in $out/native-$n/)" >&2
        exit 1
    fi
    echo "- natively: $(tail -n 1 "$out/native-$n.log" | sed 's/^papo-instr drive: //')"
done
echo
"$instr" report --out-dir "$out" --dms "$dms" --base-dms "$base"
echo "callgrind files: $out; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
