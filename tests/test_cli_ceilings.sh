#!/bin/sh
# halo ceilings: its output (table, JSON with units in the keys, -o), bad input (exit 2, one line),
# the CPU FP32 peak against an independent FMA measurement of this host (tests/fma_independent.c,
# compiled here with -O3 -march=native, no code shared with halo's kernel: within 5 % at 1 thread,
# and within 15 % at all the process's cores, where another process on a shared machine can take a
# core from either; best of several runs of each, interleaved; up to three rounds), and tools/gpu_check.sh's exit 2 on a machine without a
# GPU. usage: test_cli_ceilings.sh PATH/TO/halo C-COMPILER BUILD_DIR
set -u
HALO=$1
CC=${2:-cc}
BUILD=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/cli_lib.sh"

expect 0 "usage: halo ceilings" ceilings --help
expect 2 "--threads: 0: must be in [1, " ceilings --threads 0
expect 2 "--threads: 'x'" ceilings --threads x
expect 2 "unknown backend 'nope'" ceilings --backend nope
expect 2 "the ref backend measures no ceilings" ceilings --backend ref
expect 2 "--format: 'csv': expected table or json" ceilings --format csv
expect 2 "unexpected argument 'extra'" ceilings extra
if ! "$HALO" ceilings --backend cpu --quick --threads 1 --format json >/dev/null 2>"$tmp/err" &&
    grep -q "unknown backend 'cpu'" "$tmp/err"; then
    echo "SKIP: no cpu backend in this build"
    exit 77
fi
expect_json "schema backend device threads isa peak_gflops sgemm_gflops flop_basis fma[0].isa fma[0].per_threads[0].gflops \
fma[0].flop_per_cycle_per_core fma[0].implied_mhz sgemm.per_threads[0].gflops memory.levels[0].level \
memory.levels[0].capacity_bytes memory.levels[0].working_set_bytes memory.levels[0].copy_gbps memory.levels[0].triad_gbps \
memory.sweep[0].working_set_bytes memory.sweep[0].level clock.implied_mhz clock.flop_per_cycle_per_core \
provenance.cpu_model provenance.threads provenance.isa_cap provenance.library provenance.commit provenance.date" \
    ceilings --quick --threads 1 --format json
expect 0 "FP32 peak:" ceilings --quick --threads 1 -o "$tmp/c.json"
checks=$((checks + 1))
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['schema']=='halo-ceilings/1' and d['threads']==1" \
    "$tmp/c.json" 2>/dev/null || fail "halo ceilings -o did not write the JSON document"
# the triad bandwidth comes with its working set and level, and the level is one the sweep found
checks=$((checks + 1))
python3 - "$tmp/c.json" <<'PY' || fail "halo ceilings: levels and sweep disagree"
import json, sys
d = json.load(open(sys.argv[1]))
levels, sweep = d["memory"]["levels"], d["memory"]["sweep"]
names = [l["level"] for l in levels]
assert names[-1] == "DRAM" and levels[-1]["capacity_bytes"] is None, names
for l in levels:
    pts = [p for p in sweep if p["working_set_bytes"] == l["working_set_bytes"]]
    assert pts and pts[0]["level"] == l["level"] and pts[0]["triad_gbps"] == l["triad_gbps"], (l, pts)
PY

# ---- the peak against an independent FMA measurement ---------------------------------------------
checks=$((checks + 1))
if ! $CC -O3 -march=native -std=gnu11 -pthread "$root/tests/fma_independent.c" -o "$tmp/fma" 2>"$tmp/cc.err"; then
    fail "cannot compile tests/fma_independent.c with $CC -O3 -march=native:"
    sed 's/^/    /' "$tmp/cc.err" >&2
else
    cores=$(python3 -c "import os; print(len(os.sched_getaffinity(0)))")
    ok=0
    for round in 1 2 3; do
        hbest1=0 hbestn=0 ibest1=0 ibestn=0
        for k in 1 2 3; do
            "$HALO" ceilings --quick --format json >"$tmp/h.json" 2>/dev/null || { fail "halo ceilings --quick failed"; break; }
            set -- $(python3 - "$tmp/h.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = [f for f in d["fma"] if f["isa"] == d["isa"]][0]["per_threads"]
print(e[0]["gflops"], e[-1]["gflops"])
PY
)
            hbest1=$(python3 -c "print(max($hbest1, $1))")
            hbestn=$(python3 -c "print(max($hbestn, $2))")
            i1=$("$tmp/fma" 1 8) && iN=$("$tmp/fma" "$cores" 8) || { fail "fma_independent failed"; break; }
            ibest1=$(python3 -c "print(max($ibest1, $i1))")
            ibestn=$(python3 -c "print(max($ibestn, $iN))")
        done
        verdict=$(python3 -c "
h1, hn, i1, i_n = $hbest1, $hbestn, $ibest1, $ibestn
r1, rn = h1 / i1, hn / i_n
print('ok' if abs(r1 - 1) <= 0.05 and abs(rn - 1) <= 0.15 else 'off',
      f'1 thread: halo {h1:.1f} / independent {i1:.1f} GFLOP/s = {r1:.3f}; $cores threads: halo {hn:.1f} / independent {i_n:.1f} = {rn:.3f}')")
        echo "FMA peak, round $round: ${verdict#* }"
        if [ "${verdict%% *}" = ok ]; then ok=1; break; fi
    done
    [ "$ok" = 1 ] || fail "halo's FP32 peak is not within 5 % (1 thread) / 15 % (all cores) of the independent FMA measurement in 3 rounds"
fi

# ---- tools/gpu_check.sh on a machine without a GPU: exit 2 and say what is missing ---------------
if [ -n "$BUILD" ] && ! "$HALO" ceilings --backend cuda --quick --format json >/dev/null 2>"$tmp/cuda.err"; then
    checks=$((checks + 1))
    "$root/tools/gpu_check.sh" --no-build --build-dir "$BUILD" --out "$tmp/gpu" >"$tmp/gpu.out" 2>&1
    rc=$?
    if [ "$rc" -ne 2 ] || ! grep -q "needs a GPU\|cuda backend was not built" "$tmp/gpu.out" ||
        [ ! -s "$tmp/gpu/summary.txt" ]; then
        fail "tools/gpu_check.sh without a GPU: exit $rc (want 2), a message naming what is missing, and a summary:"
        tail -n 15 "$tmp/gpu.out" | sed 's/^/    /' >&2
    fi
fi

finish test_cli_ceilings
