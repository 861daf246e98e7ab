#!/bin/sh
# halo run under real mpirun: every planner's plan for resnet18 and vgg11 at small inputs
# executes and verifies on both clocks (ref bit-identical, cpu within tolerance, ADCNN reported
# LOSSY); a rank-count mismatch, a plan mismatch, a weights mismatch, a killed ES, a stalled ES and
# a wrong value each end in the documented error, the faulty rank named, within the timeout.
# usage: test_runtime.sh PATH/TO/halo      (SKIP, exit 77, without mpirun or without `halo run`)
set -u
HALO=$1
command -v mpirun >/dev/null 2>&1 || { echo "SKIP: mpirun not found (Debian: openmpi-bin)"; exit 77; }
"$HALO" run --help >/dev/null 2>&1 || { echo "SKIP: this halo was built without MPI (no 'halo run')"; exit 77; }
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
MPIRUN="mpirun --oversubscribe --bind-to none"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
t_start=$(date +%s)

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# run WANT_RC MAX_SECONDS TEXT CMD...: exit status, a text in stdout/stderr, and the time it took
run() {
    want=$1 max=$2 text=$3
    shift 3
    checks=$((checks + 1))
    t0=$(date +%s)
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    dt=$(($(date +%s) - t0))
    if [ "$got" -ne "$want" ] || ! grep -qF -- "$text" "$tmp/out" "$tmp/err"; then
        fail "$* -> exit $got (want $want), output lacks '$text':"
        tail -n 15 "$tmp/err" "$tmp/out" | sed 's/^/    /' >&2
    elif [ "$dt" -gt "$max" ]; then
        fail "$* took $dt s (limit $max s)"
    fi
}

# the source, two fast ESs and a slow one (speed 0.5: its compute counts double)
cat >"$tmp/c.json" <<'JSON'
{"schema": "halo-cluster/1", "name": "rt3", "source": "src",
 "devices": [
  {"name": "src", "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.5},
  {"name": "es1", "capacity": {"gflops": 40}, "uplink_mbps": 300, "downlink_mbps": 300, "latency_ms": 0.2},
  {"name": "es2", "capacity": {"gflops": 30}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.2},
  {"name": "es3", "capacity": {"gflops": 40}, "speed": 0.5, "uplink_mbps": 100, "downlink_mbps": 100, "latency_ms": 0.2}]}
JSON

# every planner's plan, all ESs offered (methods that choose fewer leave ranks idle)
for ms in "resnet18 64" "vgg11 32"; do
    set -- $ms
    model=$1 size=$2
    methods=$("$HALO" methods --format csv | awk -F, 'NR > 1 {print $1}' | tr '\n' ' ')
    [ -n "$methods" ] || fail "no methods listed by halo methods"
    plans=""
    for m in $methods; do
        if "$HALO" plan "$model" --cluster "$tmp/c.json" --input "${size}x$size" --method "$m" --no-select \
            -o "$tmp/$model-$m.json" >/dev/null 2>"$tmp/err"; then
            plans="$plans $tmp/$model-$m.json"
        else
            fail "halo plan $model --method $m: $(cat "$tmp/err")"
        fi
    done
    n_plans=$(echo $plans | wc -w)
    n_lossy=$(grep -l '"lossless":	false' $plans | wc -l)
    for clock in virtual wall; do
        run 0 150 "summary" "$HALO" run $plans --backend cpu --verify --warmup 0 --clock $clock --timeout-ms 60000
        ok=$(grep -c "^summary.*; verify OK$" "$tmp/out")
        lossy=$(grep -c "^summary.*; verify LOSSY" "$tmp/out")
        checks=$((checks + 1))
        if [ "$ok" -ne $((n_plans - n_lossy)) ] || [ "$lossy" -ne "$n_lossy" ]; then
            fail "$model on the $clock clock: $ok of $((n_plans - n_lossy)) lossless plans verified, $lossy of $n_lossy lossy reported"
            grep -E "^summary|verify|rank" "$tmp/out" "$tmp/err" | sed 's/^/    /' >&2
        fi
    done
    echo "$model: $n_plans plans ($methods) on the virtual and wall clocks"
done

# ref is exact: the distributed logits are bit-identical to single-device inference; CSV rows
P=$tmp/resnet18-modnn.json
Q=$tmp/resnet18-dpfp.json
run 0 60 "max |error| 0 against single-device inference (ref: bit-identical expected) -> OK" \
    "$HALO" run "$P" "$Q" --backend ref --verify --warmup 0 --clock wall --csv "$tmp/r.csv"
checks=$((checks + 1))
rows=$(($(wc -l <"$tmp/r.csv") - 1))
if ! head -1 "$tmp/r.csv" | grep -q "^plan,method,.*,commit,host," || [ "$rows" -ne $((1 + 4 + 1 + 4)) ]; then
    fail "CSV: $rows rows (want 10) or header without provenance: $(head -1 "$tmp/r.csv")"
fi
run 0 60 "max |error| 0 against single-device inference (ref: bit-identical expected) -> OK" \
    "$HALO" run "$P" --backend ref --verify --warmup 1 --repeat 2 --clock virtual

# --rates: ten times slower links than planned; the prediction is replayed under them
cat >"$tmp/rates.json" <<'JSON'
{"schema": "halo-rates/1", "devices": ["src", "es1", "es2", "es3"],
 "bandwidth_mbps": [[0, 20, 20, 10], [20, 0, 20, 10], [20, 20, 0, 10], [10, 10, 10, 0]]}
JSON
run 0 60 "rates from $tmp/rates.json" "$HALO" run "$P" --backend cpu --warmup 0 --rates "$tmp/rates.json"
checks=$((checks + 1))
planned=$(sed -n 's/.*"total_ms":[[:space:]]*\([0-9.e+-]*\).*/\1/p' "$P" | head -1)
replayed=$(sed -n 's/^inference 1 of 1:.*predicted \([0-9.]*\) ms (.*/\1/p' "$tmp/out")
if ! awk -v a="$planned" -v b="$replayed" 'BEGIN { exit !(b > 2 * a) }'; then
    fail "--rates: predicted $replayed ms should exceed twice the plan's $planned ms"
fi

# halo sim --dump -> halo run --rates (the cross-check of sim and run): the runtime replays each dumped
# draw's rates and predicts exactly the latency the simulation sampled for it
sed 's/"name": "rt3",/"name": "rt3f", "channel": {"model": "rayleigh", "bandwidth_mhz": 20, "snr_db": 15},/' \
    "$tmp/c.json" >"$tmp/cf.json"
mkdir -p "$tmp/dump"
run 0 30 "SIMULATED" "$HALO" sim resnet18 --cluster "$tmp/cf.json" --input 64x64 --method dpfp \
    --deadline-ms 5,50 --draws 200 --seed 3 --dump "$tmp/dump" --dump-count 2
for d in 0 1; do
    run 0 60 "rates from $tmp/dump/draw-dpfp-$d.json" "$HALO" run "$tmp/dump/plan-dpfp-64x64.json" --backend cpu \
        --warmup 0 --rates "$tmp/dump/draw-dpfp-$d.json"
    checks=$((checks + 1))
    sim=$(sed -n 's/.*"simulated_latency_ms":[[:space:]]*\([0-9.e+-]*\).*/\1/p' "$tmp/dump/draw-dpfp-$d.json")
    replayed=$(sed -n 's/^inference 1 of 1:.*predicted \([0-9.]*\) ms (.*/\1/p' "$tmp/out")
    if ! awk -v a="$sim" -v b="$replayed" 'BEGIN { exit !(a > 0 && (b - a) ^ 2 < (1e-3 * a) ^ 2) }'; then
        fail "draw $d: halo run --rates predicts '$replayed' ms, halo sim sampled '$sim' ms"
    fi
done

# faults: each one ends with the documented message, the rank named, within the timeout
run 2 30 "the plan has 4 devices (the source and 3 ESs) but 2 MPI ranks were started" \
    $MPIRUN -np 2 "$HALO" run "$P" --backend ref
run 1 30 "rank 1 (es1) loaded a different plan than the source" \
    $MPIRUN -np 1 "$HALO" run "$P" --backend ref : -np 3 "$HALO" run "$Q" --backend ref
run 1 30 "rank 3 (es3) loaded different weights than the source" \
    $MPIRUN -np 3 "$HALO" run "$P" --backend ref : -np 1 "$HALO" run "$P" --backend ref --weights-seed 7
HALO_TEST_KILL_RANK=2 HALO_TEST_KILL_BLOCK=1 \
    run 1 20 "rank 2 (es2) did not respond within the 2000 ms timeout: it died or stalled" \
    "$HALO" run "$P" --backend ref --warmup 0 --timeout-ms 2000
HALO_TEST_STALL_RANK=3 HALO_TEST_STALL_BLOCK=2 \
    run 1 20 "rank 3 (es3) did not respond within the 2000 ms timeout: it died or stalled" \
    "$HALO" run "$P" --backend cpu --warmup 0 --clock wall --timeout-ms 2000

# a wrong value computed on an ES is caught by --verify: exit 1, never printed as right
HALO_TEST_CORRUPT_RANK=1 \
    run 1 30 "verify FAILED: 1 of 1 runs differ from single-device inference" \
    "$HALO" run "$P" --backend ref --verify --warmup 0

# verify's tolerance on a backend that reorders float sums (1e-4 of max |logit|): logits off by a
# relative 3e-4 fail, off by 3e-5 pass
HALO_TEST_SCALE_LOGITS=3e-4 \
    run 1 30 "verify FAILED: 1 of 1 runs differ from single-device inference" \
    "$HALO" run "$P" --backend cpu --verify --warmup 0
HALO_TEST_SCALE_LOGITS=3e-5 \
    run 0 30 "verify OK" "$HALO" run "$P" --backend cpu --verify --warmup 0

# bad input: one line on stderr, exit 2, before any rank starts
run 2 10 "nope.json: cannot open" "$HALO" run "$tmp/nope.json"
checks=$((checks + 1))
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "bad input must give exactly one line on stderr: $(cat "$tmp/err")"
run 2 10 "--clock: 'sundial': expected wall or virtual" "$HALO" run "$P" --clock sundial
run 2 10 "--link real needs --clock wall" "$HALO" run "$P" --link real
run 2 10 "--backend: 'gpu' is not compiled into this halo" "$HALO" run "$P" --backend gpu

echo "test_runtime.sh: $checks checks, $fails failed, $(($(date +%s) - t_start)) s"
[ "$checks" -gt 0 ] || { echo "test_runtime.sh: FAILED: ran no check" >&2; exit 1; }
[ "$fails" -eq 0 ]
