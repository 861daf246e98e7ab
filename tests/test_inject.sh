#!/bin/sh
# halo run --inject: each injected fault ends as documented (halo run --help, "Faults"), within the
# timeout: a killed, stalled or too slow ES is named by the source; a corrupted message is caught by
# its checksum on the receiver, which names sender and message, and no result of that run is
# reported; a dropped message leaves its receiver waiting and the source names who it waits for.
# A small delay only makes the run later: it still verifies. SKIP without the MPI runtime.
# usage: test_inject.sh PATH/TO/halo
set -u
HALO=$1
here=$(cd "$(dirname "$0")" && pwd)
if ! "$HALO" run --help >/dev/null 2>&1; then
    echo "test_inject: SKIP: this halo has no MPI runtime (halo run)"
    exit 77
fi
if ! command -v mpirun >/dev/null 2>&1; then
    echo "test_inject: SKIP: mpirun not found (Debian: openmpi-bin)"
    exit 77
fi
# the committed plan: resnet18 at 64x64 on tests/data/small-cluster.json; ranks 0 cam (source),
# 1 es2, 2 es1, 3 es3; block 0 parts on ranks 1 and 2, block 1 on rank 1, the tail on rank 1
P=$here/bad_inputs/plan/good.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
# --timeout-ms of every faulty run, and the time a fault must end the job within (mpirun start-up
# included); under the sanitizers (HALO_SANITIZE=1) a healthy run needs more than 2 s
if [ "${HALO_SANITIZE:-0}" = 1 ]; then T=8000 limit=60; else T=2000 limit=30; fi

fail() {
    echo "FAIL: --inject $inj: $1" >&2
    sed 's/^/    stderr: /' "$tmp/err" | grep -v -e '----' -e '^    stderr: *$' | head -n 12 >&2
    fails=$((fails + 1))
}

# expect STATUS TEXT INJECT [ARGS...]: exit status, stderr text, within the time limit
expect() {
    want=$1 text=$2 inj=$3
    shift 3
    checks=$((checks + 1))
    start=$(date +%s)
    timeout 120 "$HALO" run "$P" --backend ref --warmup 0 --timeout-ms $T --inject "$inj" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    took=$(($(date +%s) - start))
    if [ "$got" -ne "$want" ]; then fail "exit $got, want $want"; return; fi
    if ! grep -qF -- "$text" "$tmp/err" "$tmp/out"; then fail "output lacks '$text'"; return; fi
    if [ "$took" -gt "$limit" ]; then fail "took $took s (limit $limit s)"; return; fi
    echo "  --inject $inj: exit $got in $took s"
}

# no valid result: no report line, no summary, no "verify OK" on stdout
expect_no_result() {
    checks=$((checks + 1))
    if grep -qE '^(inference|summary)|verify OK' "$tmp/out"; then fail "a result was reported: $(head -c 300 "$tmp/out")"; fi
}

echo "halo run --inject (timeout $T ms):"
expect 1 "rank 1 (es2) did not respond within the $T ms timeout: it died or stalled" kill:1@1
expect 1 "rank 2 (es1) did not respond within the $T ms timeout: it died or stalled" kill:2 --clock wall
expect 1 "rank 1 (es2) did not respond within the $T ms timeout: it died or stalled" stall:1@1 --clock wall
expect 1 "rank 2 (es1) did not respond within the $T ms timeout: it died or stalled" delay:2:$((3 * T))
expect 0 "verify OK" delay:2:300 --clock wall --verify
checks=$((checks + 1))
lat=$(sed -n 's/^summary.*latency median \([0-9.]*\) ms.*/\1/p' "$tmp/out")
if ! awk -v l="${lat:-0}" 'BEGIN { exit !(l >= 300) }'; then
    inj=delay:2:300
    fail "latency ${lat:-?} ms: a 300 ms delay of a rank on the critical path must show in it"
fi
expect 1 "rank 1 (es2) received a piece of block 0 part 0's input from rank 0 (cam) with a wrong checksum: corrupted in transit" \
    corrupt:0 --verify
expect_no_result
expect 1 "rank 0 (cam) received the logits from rank 1 (es2) with a wrong checksum: corrupted in transit" corrupt:1@2 --verify
expect_no_result
expect 1 "rank 1 (es2) waits for a piece of block 0 part 0's input from rank 0" drop:0 --verify
expect_no_result
expect 1 "rank 1 (es2) did not respond within the $T ms timeout: it died or stalled (the source waits for the logits from rank 1)" \
    drop:1@2 --verify
expect_no_result
# a bad spec is bad input: one line, exit 2, before any rank starts
expect 2 "--inject: 'kill:9': rank 9: the plan has ranks 0..3 (0 is the source)" kill:9
checks=$((checks + 1))
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "bad input must give exactly one line on stderr"
expect 2 "--inject: 'kill:0': 0: must be in [1," kill:0

if [ "$checks" -eq 0 ]; then
    echo "test_inject: FAILED: ran no check" >&2
    exit 1
fi
if [ "$fails" -ne 0 ]; then
    echo "test_inject: $fails of $checks checks FAILED" >&2
    exit 1
fi
echo "test_inject: all $checks checks passed"
