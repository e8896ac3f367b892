#!/usr/bin/env bash
# Builds papo's libFuzzer targets (fuzz/Makefile) and runs each for a bounded time,
# seeded from fuzz/corpus/<target>/, which it only reads (unless --merge).
#   fuzz/run.sh [--merge] [BUILD_DIR]      BUILD_DIR defaults to /tmp/papo-fuzz-build
#   PAPO_FUZZ_SECONDS  seconds per target (default 10)
#   PAPO_FUZZ_TARGETS  which targets (default: all six)
#   PAPO_FUZZ_JOBS     targets run at once (default: the number of cores)
#   --merge            then add the inputs that reached new code to fuzz/corpus/
# Exits 77 (ctest's SKIP) without clang++ or libFuzzer, 1 when a target crashes,
# leaks, hangs or breaks an invariant.
set -euo pipefail

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$fuzz_dir")
merge=false
if [[ ${1:-} == --merge ]]; then merge=true; shift; fi
build=${1:-/tmp/papo-fuzz-build}
seconds=${PAPO_FUZZ_SECONDS:-10}
read -r -a targets <<< "${PAPO_FUZZ_TARGETS:-names topics messages access_rules server_core render}"
jobs=${PAPO_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
# Longest input: names a little past their 64-byte limit, payloads and request sequences longer.
declare -A max_len=([names]=256 [topics]=512 [access_rules]=512 [messages]=4096 [server_core]=4096 [render]=1024)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

skip() { echo "fuzz: SKIPPED: $*" >&2; exit 77; }
cxx=${PAPO_FUZZ_CXX:-}
for candidate in clang++ clang++-14; do
  if [[ -z $cxx ]] && command -v "$candidate" > /dev/null; then cxx=$candidate; fi
done
[[ -n $cxx ]] || skip "clang++ not found (apt-get install clang libclang-rt-14-dev)"
command -v make > /dev/null || skip "make not found"
mkdir -p "$build"
# Debian ships libFuzzer's runtime apart from clang; without it nothing links.
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$build/probe.cpp"
"$cxx" -fsanitize=fuzzer,address,undefined "$build/probe.cpp" -o "$build/probe" 2> "$build/probe.log" ||
  skip "$cxx cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev): $(head -c 300 "$build/probe.log")"

echo "fuzz: building ${targets[*]} with $cxx in $build"
make -s -f "$fuzz_dir/Makefile" -j"$jobs" BUILD="$build" CXX="$cxx" TARGETS="${targets[*]}"

# Fuzzes one target in a fresh working corpus, so the repository is never written.
run_target() {
  local target=$1 work=$build/work/$1 artifacts=$build/artifacts/$1
  rm -rf "$work" "$artifacts"
  mkdir -p "$work" "$artifacts"
  if [[ -d $fuzz_dir/corpus/$target ]]; then cp -R "$fuzz_dir/corpus/$target/." "$work/"; fi
  # The outer timeout only guards against a hang outside libFuzzer's own clock.
  timeout -k 5 $((seconds + 60)) "$build/${target}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len="${max_len[$target]}" -timeout=10 -dict="$fuzz_dir/papo.dict" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 "$work" > "$build/$target.log" 2>&1
}

failed=()
report() {  # target, exit status
  local target=$1 status=$2 log=$build/$1.log
  if [[ $status == 0 ]]; then
    echo "fuzz: $target ok: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" || echo done)," \
      "$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)"
    return
  fi
  failed+=("$target")
  echo "fuzz: $target FAILED (exit $status); full log: $log"
  # The reason, then the stack frames in papo's own sources (template frames are long).
  grep -E 'invariant broken|what\(\):|ERROR:|SUMMARY:|runtime error|^MS:|^[^ ].*\\' "$log" | head -n 12 | cut -c 1-300
  grep -E "^ +#[0-9]+ .* $root/" "$log" |
    sed -E 's/^ +(#[0-9]+) 0x[0-9a-f]+ in (.{0,120}).* ([^ ]+:[0-9]+:[0-9]+)$/  \1 \3 \2/' | head -n 12
  for input in "$build/artifacts/$target"/*; do
    [[ -e $input ]] && echo "fuzz: $target crash input: $input (rerun: $build/${target}_fuzzer $input)"
  done
}

pids=() running=()
wait_all() {
  for i in "${!pids[@]}"; do
    local status=0
    wait "${pids[$i]}" || status=$?
    report "${running[$i]}" "$status"
  done
  pids=() running=()
}
for target in "${targets[@]}"; do
  run_target "$target" &
  pids+=($!) running+=("$target")
  (( ${#pids[@]} < jobs )) || wait_all
done
wait_all

if (( ${#failed[@]} )); then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
if $merge; then
  for target in "${targets[@]}"; do
    before=$(ls "$fuzz_dir/corpus/$target" | wc -l)
    # New code reached (edges, not hit counts), in as few inputs as cover it: the corpus stays small.
    "$build/${target}_fuzzer" -set_cover_merge=1 -use_counters=0 -max_len="${max_len[$target]}" \
      "$fuzz_dir/corpus/$target" "$build/work/$target" > "$build/$target.merge.log" 2>&1
    echo "fuzz: $target corpus $before -> $(ls "$fuzz_dir/corpus/$target" | wc -l) files"
  done
fi
echo "fuzz: all ${#targets[@]} targets passed ${seconds}s each"
