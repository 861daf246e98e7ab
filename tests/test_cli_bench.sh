#!/bin/sh
# `halo bench`: the CSV it prints with --format csv (per-node MACs add up to the model's,
# provenance on every row, consistent statistics), the table and the JSON document, and the errors
# a user sees for bad flags.
# usage: test_cli_bench.sh PATH/TO/halo
set -u
HALO=$1
fails=0
checks=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_usage "SUBSTRING OF STDERR" ARGS...: exit 2 and exactly one line on stderr
expect_usage() {
    text=$1
    shift
    checks=$((checks + 1))
    "$HALO" bench "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne 2 ] || ! grep -qF -- "$text" "$tmp/err" || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
        echo "FAIL: halo bench $* -> exit $got (want 2 and one stderr line with '$text'):" >&2
        sed 's/^/    /' "$tmp/err" >&2
        fails=$((fails + 1))
    fi
}

expect_usage "--repeat: 0: must be in [1," resnet18 --repeat 0
expect_usage "--warmup: -1: must be in [0," resnet18 --warmup -1
expect_usage "--threads: 0: must be in [1," resnet18 --threads 0
expect_usage "--repeat: 'x'" resnet18 --repeat x
expect_usage "unknown backend 'gpu'" resnet18 --backend gpu --repeat 1 --warmup 0
expect_usage "unknown model 'resnet51'" resnet51
expect_usage "--input: '64y64'" resnet18 --input 64y64
expect_usage "unknown flag '--per-node'" resnet18 --per-node
expect_usage "--format: 'xml': expected table, csv or json" resnet18 --format xml

checks=$((checks + 1))
if ! "$HALO" flops resnet18 --input 64x64 --format csv >"$tmp/flops.csv"; then
    echo "FAIL: halo flops resnet18 --input 64x64 --format csv" >&2
    fails=$((fails + 1))
fi
for backend in cpu ref; do
    checks=$((checks + 1))
    if ! "$HALO" bench resnet18 --backend $backend --input 64x64 --repeat 2 --warmup 1 --per-layer --format csv \
        >"$tmp/$backend.csv" 2>"$tmp/$backend.err"; then
        if grep -q "unknown backend '$backend'" "$tmp/$backend.err"; then
            echo "note: backend $backend is not in this build: not benchmarked"
            continue
        fi
        echo "FAIL: halo bench resnet18 --backend $backend --per-layer failed:" >&2
        sed 's/^/    /' "$tmp/$backend.err" >&2
        fails=$((fails + 1))
        continue
    fi
    checks=$((checks + 1))
    if ! python3 - "$tmp/$backend.csv" "$tmp/flops.csv" "$backend" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
flops = list(csv.DictReader(open(sys.argv[2])))
backend = sys.argv[3]
model_macs = sum(int(r["macs"]) for r in flops)
nodes = [r for r in rows if r["op"] != "network"]
net = [r for r in rows if r["op"] == "network"]
assert len(nodes) == len(flops), (len(nodes), len(flops))
assert len(net) == 1, net
assert sum(int(r["macs"]) for r in nodes) == model_macs, (sum(int(r["macs"]) for r in nodes), model_macs)
assert int(net[0]["macs"]) == model_macs
for r in rows:
    assert int(r["flops"]) == 2 * int(r["macs"]), r
    mn, med, p90 = float(r["min_ms"]), float(r["median_ms"]), float(r["p90_ms"])
    assert 0 <= mn <= med <= p90, r
    for k in ("commit", "host", "cpu_model", "threads", "backend", "library", "date"):
        assert r[k] != "", (k, r)
    assert r["backend"] == backend and int(r["threads"]) >= 1, r
    assert r["model"] == "resnet18" and r["input"] == "64x64", r
    if r["impl"].startswith("fused into"):
        assert float(r["median_ms"]) == 0, r
assert float(net[0]["median_ms"]) > 0
convs = [r for r in nodes if r["op"] == "conv"]
assert all(float(r["median_ms"]) > 0 and r["impl"] not in ("", "-") for r in convs), convs
assert [int(r["index"]) for r in nodes] == list(range(len(nodes)))
# the roofline columns: filled where the backend has ceilings (cpu), for every node that ran on its
# own; empty for the ref backend (none), fused nodes and the network row
for r in rows:
    own = backend == "cpu" and r["op"] not in ("network", "flatten") and not r["impl"].startswith("fused into")
    assert (r["level"] != "") == own, r
    if own:
        assert r["bound"] in ("compute", "memory") and r["above_roof"] in ("yes", "no"), r
        assert int(r["bytes"]) > 0 and float(r["attainable_gflops"]) >= 0 and float(r["achieved_over_attainable"]) > 0, r
        if r["op"] == "conv":
            assert abs(float(r["intensity_flop_per_byte"]) / (int(r["flops"]) / int(r["bytes"])) - 1) < 1e-5, r
PY
    then
        echo "FAIL: halo bench resnet18 --backend $backend: the CSV does not check out" >&2
        fails=$((fails + 1))
    fi
    checks=$((checks + 1))
    if ! grep -q "sum of per-node medians" "$tmp/$backend.err"; then
        echo "FAIL: halo bench --per-layer: no summary on stderr" >&2
        fails=$((fails + 1))
    fi
done

# the default table and the JSON document (ref: always built)
checks=$((checks + 1))
if ! "$HALO" bench resnet18 --backend ref --input 32x32 --repeat 1 --warmup 0 --per-layer >"$tmp/t.txt" 2>/dev/null ||
    ! grep -qE '^ +- +\(network\) +network ' "$tmp/t.txt" || ! grep -q "median_ms" "$tmp/t.txt"; then
    echo "FAIL: halo bench: no table with a (network) row by default:" >&2
    sed 's/^/    /' "$tmp/t.txt" | head -n 8 >&2
    fails=$((fails + 1))
fi
checks=$((checks + 1))
if ! "$HALO" bench resnet18 --backend ref --input 32x32 --repeat 2 --warmup 0 --per-layer --format json \
        >"$tmp/b.json" 2>/dev/null ||
    ! python3 - "$tmp/b.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("commit", "host", "cpu_model", "threads", "backend", "library", "date"):
    assert k in j["provenance"], k
assert j["provenance"]["backend"] == "ref" and j["model"] == "resnet18" and j["input"] == [32, 32]
net = j["network"]
assert net["macs"] == sum(n["macs"] for n in j["nodes"]) and net["flops"] == 2 * net["macs"]
for r in j["nodes"] + [net]:
    assert 0 <= r["min_ms"] <= r["median_ms"] <= r["p90_ms"] and r["gflops"] >= 0, r
assert j["sum_node_median_ms"] > 0
PY
then
    echo "FAIL: halo bench --format json does not parse or add up" >&2
    fails=$((fails + 1))
fi

if [ "$checks" -eq 0 ]; then
    echo "test_cli_bench: FAILED: ran no check" >&2
    exit 1
fi
if [ $fails -ne 0 ]; then
    echo "test_cli_bench: $fails of $checks checks FAILED" >&2
    exit 1
fi
echo "test_cli_bench: all $checks checks passed"
