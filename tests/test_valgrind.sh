#!/bin/sh
# valgrind memcheck on three commands that exercise most of halo (a whole network on the ref
# backend, every planner step, the Monte Carlo simulator under the fair link model): 0 errors and 0 bytes definitely lost,
# else exit 1. SKIP (77) without valgrind, and for sanitizer builds (ASan and valgrind exclude each
# other). Only third-party noise is suppressed (tests/valgrind.supp).
# usage: test_valgrind.sh PATH/TO/halo [plain|sanitized]
set -u
HALO=$1
mode=${2:-plain}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$mode" = sanitized ]; then
    echo "test_valgrind: SKIP: this build uses the sanitizers (valgrind cannot run it)"
    exit 77
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "test_valgrind: SKIP: valgrind is not installed (Debian: valgrind)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cluster=$here/data/small-cluster.json
fails=0
n=0

# Runs one command under memcheck (in the background: the three share the machine, as valgrind's
# start-up -- reading the CUDA libraries' symbols when they are linked in -- dominates).
check() {
    name=$1
    shift
    start=$(date +%s)
    # --error-exitcode: any memcheck error, or a definite leak (errors-for-leak-kinds), gives 99
    valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite --suppressions="$here/valgrind.supp" --num-callers=30 \
        --log-file="$tmp/$name.vg" "$HALO" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$tmp/$name.vg" | tail -n 1)
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$tmp/$name.vg" | tail -n 1 | tr -d ,)
    echo "  $name: exit $rc, ${errs:-?} errors, ${lost:-0} bytes definitely lost, $(($(date +%s) - start)) s: halo $*" \
        >"$tmp/$name.line"
    if [ "$rc" -ne 0 ] || [ "${errs:-1}" -ne 0 ] || [ "${lost:-0}" -ne 0 ]; then
        {
            echo "FAIL: valgrind on halo $*:"
            grep -E '^==[0-9]+== ' "$tmp/$name.vg" | grep -v -E 'Memcheck, a memory|Copyright|Using Valgrind|Parent PID' | head -n 80
            tail -n 5 "$tmp/$name.err"
        } >"$tmp/$name.fail"
    fi
}

echo "valgrind memcheck ($(valgrind --version)):"
check infer infer resnet18 --input 64x64 --backend ref --threads 1 &
check plan plan resnet18 --cluster "$cluster" --input 64x64 -o "$tmp/plan.json" &
# (under fair-share links: the plan above is simulated with the default FIFO model)
check sim sim resnet18 --cluster "$cluster" --input 64x64 --deadline-ms 5,10,20 --method dpfp,modnn,local \
    --draws 200 --sizes 64,96x80 --seed 3 --csv "$tmp/sim.csv" --link-model fair &
wait
for name in infer plan sim; do
    n=$((n + 1))
    cat "$tmp/$name.line" 2>/dev/null || echo "  $name: did not finish"
    if [ -f "$tmp/$name.fail" ] || [ ! -f "$tmp/$name.line" ]; then
        cat "$tmp/$name.fail" >&2 2>/dev/null
        fails=$((fails + 1))
    fi
done
if [ "$n" -eq 0 ]; then
    echo "test_valgrind: FAILED: ran no command" >&2
    exit 1
fi
if [ "$fails" -ne 0 ]; then
    echo "test_valgrind: $fails of $n commands FAILED" >&2
    exit 1
fi
echo "test_valgrind: all $n commands clean (0 errors, 0 bytes definitely lost)"
