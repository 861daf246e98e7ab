#!/bin/sh
# Fuzzes every parser a user's file or argument reaches (tests/fuzz/fuzz_<parser>.c) with libFuzzer
# for a bounded time each, starting from the committed seed corpus (tests/fuzz/corpus/<parser>/,
# never modified: the run works on a copy). A crash, a sanitizer report (ASan, UBSan, leaks), an
# input slower than 10 s or above 2 GB of memory fails the run; the input that did it is kept as
# BUILD/fuzz-artifacts/<parser>-crash-*, to replay with BUILD/fuzz/fuzz_<parser> FILE.
#
#   HALO_FUZZ_SECONDS   seconds per target (default 60)
#   HALO_FUZZ_TARGETS   space-separated subset (default: all: cluster profile plan safetensors image args trace,
#                       and onnx when the build has ONNX import)
#   HALO_FUZZ_JOBS      targets fuzzed at once (default: the number of cores)
#   HALO_FUZZ_BUILD_DIR build directory (default build-fuzz; clang, -DHALO_FUZZ=ON)
#
# Prints one line per target: executions, executions per second, coverage and corpus size (from
# libFuzzer's "#N DONE" line); also written to BUILD/fuzz-summary.txt.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALO_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${HALO_FUZZ_SECONDS:-60}
targets=${HALO_FUZZ_TARGETS:-cluster profile plan safetensors image args trace}
jobs=${HALO_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
cc=${HALO_FUZZ_CC:-clang}

"$root/tools/setup.sh"
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "halo fuzz: $cc not found: libFuzzer needs clang (Debian: clang, libclang-rt-14-dev; tools/setup.sh installs them)" >&2
    exit 1
fi
log=$(mktemp)
# Only the parsers are fuzzed: oneDNN, MPI and CUDA are left out of this build (faster, and their
# own code is not what the fuzzers exercise).
if ! CC=$cc cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHALO_WERROR=ON -DHALO_FUZZ=ON \
        -DHALO_WITH_CUDA=OFF -DHALO_WITH_DNNL=OFF -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON >"$log" 2>&1 ||
   ! cmake --build "$build" -j "$jobs" --target halo_fuzz >>"$log" 2>&1; then
    grep -E "error|Error" -A3 "$log" | head -n 60 >&2
    rm -f "$log"
    echo "halo fuzz: building the fuzz targets failed" >&2
    exit 1
fi
rm -f "$log"
if [ -z "${HALO_FUZZ_TARGETS:-}" ] && [ -x "$build/fuzz/fuzz_onnx" ]; then targets="$targets onnx"; fi

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
art=$build/fuzz-artifacts
work=$build/fuzz-work
mkdir -p "$art"
rm -rf "$work"

run_one() {
    t=$1
    rc=0
    mkdir -p "$work/$t"
    cp "$root/tests/fuzz/corpus/$t/"* "$work/$t/"
    dict=""
    case $t in
    cluster|profile|plan) dict="-dict=$root/tests/fuzz/json.dict" ;;
    safetensors) dict="-dict=$root/tests/fuzz/safetensors.dict" ;;
    esac
    # -timeout: one input slower than 10 s is a hang; -rss_limit_mb: more than 2 GB is a failure
    # (allocations beyond it fail like malloc, halo must report them); fixed seed: reproducible.
    "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -seed=1 -print_final_stats=1 -artifact_prefix="$art/$t-" $dict "$work/$t" >"$work/$t.log" 2>&1 || rc=$?
    echo "${rc:-0}" >"$work/$t.rc"
}

start=$(date +%s)
running=0
for t in $targets; do
    if [ ! -d "$root/tests/fuzz/corpus/$t" ]; then
        echo "halo fuzz: unknown target '$t'" >&2
        exit 1
    fi
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

failed=0
summary=$build/fuzz-summary.txt
printf '%-12s %8s %12s %10s %8s %14s  %s\n' target seconds executions exec/s cov corpus result >"$summary"
for t in $targets; do
    rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$t.log" | tail -n 1 || true)
    execs=$(grep -E '^stat::number_of_executed_units:' "$work/$t.log" | awk '{print $2}' | tail -n 1)
    rate=$(echo "$done_line" | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
    cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
    result=ok
    if [ "$rc" -ne 0 ]; then
        result="FAILED (exit $rc)"
        failed=$((failed + 1))
    fi
    printf '%-12s %8s %12s %10s %8s %14s  %s\n' "$t" "$seconds" "${execs:--}" "${rate:--}" "${cov:--}" "${corp:--}" \
        "$result" >>"$summary"
done
cat "$summary"
echo "halo fuzz: $(($(date +%s) - start)) s wall for $(echo $targets | wc -w) targets, $jobs at a time"
if [ "$failed" -ne 0 ]; then
    for t in $targets; do
        if [ "$(cat "$work/$t.rc" 2>/dev/null || echo 1)" -ne 0 ]; then
            echo "==== fuzz_$t: the end of libFuzzer's report ($work/$t.log)" >&2
            grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)' "$work/$t.log" | tail -n 50 >&2
        fi
    done
    echo "halo fuzz: $failed target(s) FAILED; inputs kept in $art" >&2
    exit 1
fi
echo "halo fuzz: no crash in any target"
