#!/bin/sh
# halo profile / fit / predict on good and bad input.
# usage: test_cli_profile.sh PATH/TO/halo
set -u
HALO=$1
. "$(dirname "$0")/cli_lib.sh"

for c in profile fit predict; do expect 0 "usage: halo $c" $c --help; done
expect 0 "wrote $tmp/a.json" profile --backend ref --models resnet18 --input 40x40 --repeat 2 --warmup 0 --tile-heights 1,0.5 -o "$tmp/a.json"
expect 0 "wrote $tmp/b.json" profile --backend ref --models resnet18,vgg11 --input 40x40 --repeat 2 --warmup 0 --tile-heights 1,0.5 -o "$tmp/b.json"
expect 0 "conv3x3" fit "$tmp/a.json"
expect 0 "fitted without vgg11" fit "$tmp/b.json" --except vgg11 -o "$tmp/c.json"
expect 0 "measured (median latency)" predict --from "$tmp/a.json" --to "$tmp/b.json" resnet18 --input 40x40
expect 0 "measured: not available" predict --from "$tmp/a.json" --to "$tmp/b.json" vgg11 --input 40x40
# --format: json everywhere, csv where the results are rows (the fit's classes, a prediction)
expect_json "profile file backend threads input models[0].model models[0].latency_ms models[0].gflops fit.classes[0].gflops fit.classes[0].overhead_ms" \
    profile --backend ref --models resnet18 --input 40x40 --repeat 1 --warmup 0 --tile-heights 1,0.5 -o "$tmp/d.json" --format json
expect 2 "--format: 'csv': expected table or json" profile --models resnet18 -o "$tmp/x.json" --format csv
expect_json "profile except fit.classes[0].class fit.classes[0].gflops fit.classes[0].r2 fit.tile_fractions file" \
    fit "$tmp/b.json" --except vgg11 -o "$tmp/e.json" --format json
expect_csv "profile,class,gflops,overhead_ms,r2,max_rel_err,n,tile_0.5" fit "$tmp/a.json" -o "$tmp/f.json" --format csv
expect_json "model input fit_without_model from.predicted_ms from.measured_ms to.predicted_ms predicted_ratio measured_ratio error_pct" \
    predict --from "$tmp/a.json" --to "$tmp/b.json" resnet18 --input 40x40 --format json
expect_csv "model,input,from,to,pred_from_ms,pred_to_ms,pred_ratio,measured_ratio,err_pct" \
    predict --from "$tmp/a.json" --to "$tmp/b.json" resnet18 --input 40x40 --format csv
expect 2 "--format: 'xml'" predict --from "$tmp/a.json" --to "$tmp/b.json" resnet18 --format xml
# ---- ceilings and the roofline in profiles; the three predictors -------------------------------
# the ref backend measures no ceilings: its profile has none, and predict's two rivals say why
checks=$((checks + 1))
python3 -c "import json,sys; assert 'ceilings' not in json.load(open(sys.argv[1]))" "$tmp/a.json" ||
    fail "a ref profile has a ceilings section"
expect_json "predictors[0].name predictors[0].ratio predictors[1].missing predictors[2].missing" \
    predict --from "$tmp/a.json" --to "$tmp/b.json" resnet18 --input 40x40 --format json
expect 0 "peak FLOP/s ratio, roofline: not available" predict --from "$tmp/a.json" --to "$tmp/b.json" resnet18 --input 40x40
# hand-made ceilings on both: the peak ratio and the roofline must be what the numbers give
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
for path, peak, scale in ((sys.argv[1], 50.0, 1.0), (sys.argv[2], 200.0, 3.0)):
    p = json.load(open(path))
    p["ceilings"] = {"schema": "halo-ceilings/1", "threads": 1, "isa": "avx2", "peak_gflops": peak, "device": "hand-made",
                     "memory": {"levels": [{"level": "L1", "capacity_bytes": 65536, "triad_gbps": 300 * scale},
                                           {"level": "L2", "capacity_bytes": 1048576, "triad_gbps": 100 * scale},
                                           {"level": "DRAM", "capacity_bytes": None, "triad_gbps": 10 * scale}]}}
    json.dump(p, open(path.replace(".json", "-c.json"), "w"))
PY
expect_json "predictors[1].from_gflops predictors[1].ratio predictors[1].error_pct predictors[2].from_ms predictors[2].to_ms predictors[2].ratio" \
    predict --from "$tmp/a-c.json" --to "$tmp/b-c.json" resnet18 --input 40x40 --format json
checks=$((checks + 1))
"$HALO" predict --from "$tmp/a-c.json" --to "$tmp/b-c.json" resnet18 --input 40x40 --format json >"$tmp/p3.json" 2>/dev/null
python3 - "$tmp/p3.json" "$tmp/a-c.json" "$tmp/b-c.json" <<'PY' || fail "halo predict: the peak ratio or the roofline predictor is not what the ceilings give"
import json, sys
d = json.load(open(sys.argv[1]))
names = [p["name"] for p in d["predictors"]]
assert names == ["dpfp", "peak_flops", "roofline"], names
assert d["predictors"][0]["ratio"] == d["predicted_ratio"]
peak = d["predictors"][1]
assert abs(peak["ratio"] - 4.0) < 1e-12 and peak["from_gflops"] == 50 and peak["to_gflops"] == 200, peak

def roof_ms(path):  # sum over layers of max(FLOPs / peak, bytes / bandwidth of the level the bytes fit in)
    p = json.load(open(path))
    c = p["ceilings"]
    levels = c["memory"]["levels"]
    layers = [l for m in p["models"] if m["model"] == "resnet18" for l in m["layers"]]
    assert layers and all("bytes" in l or l["op"] == "flatten" for l in layers)
    total = 0.0
    for l in layers:
        b = l.get("bytes", 0)
        bw = next((v["triad_gbps"] for v in levels if v["capacity_bytes"] is not None and b <= v["capacity_bytes"]),
                  levels[-1]["triad_gbps"])
        total += max(2 * l["macs"] / (c["peak_gflops"] * 1e6), b / (bw * 1e6))
    return total

r = d["predictors"][2]
ta, tb = roof_ms(sys.argv[2]), roof_ms(sys.argv[3])
assert abs(r["from_ms"] / ta - 1) < 1e-9 and abs(r["to_ms"] / tb - 1) < 1e-9, (r, ta, tb)
assert abs(r["ratio"] - ta / tb) < 1e-9 * r["ratio"]
meas = d["measured_ratio"]
assert abs(r["error_pct"] - 100 * (r["ratio"] - meas) / meas) < 1e-9
PY
expect_csv "model,pred_ratio,peak_ratio,peak_err_pct,roofline_from_ms,roofline_to_ms,roofline_ratio,roofline_err_pct" \
    predict --from "$tmp/a-c.json" --to "$tmp/b-c.json" resnet18 --input 40x40 --format csv
expect 0 "roofline from the ceilings alone" predict --from "$tmp/a-c.json" --to "$tmp/b-c.json" resnet18 --input 40x40
# the ceilings survive halo fit (load, save), with a roofline per measured layer
expect 0 "conv3x3" fit "$tmp/b-c.json" -o "$tmp/b-c2.json"
checks=$((checks + 1))
python3 - "$tmp/b-c.json" "$tmp/b-c2.json" <<'PY' || fail "halo fit lost the ceilings or wrote no roofline"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["ceilings"] == b["ceilings"]
convs = [l for l in b["models"][0]["layers"] if l["op"] == "conv" and not l["fused"]]
assert convs and all(l["roofline"]["bound"] in ("compute", "memory") and "efficiency" in l["roofline"] for l in convs)
PY
# a cpu profile measures its ceilings unless --no-ceilings
if "$HALO" profile --backend cpu --models resnet18 --input 40x40 --repeat 1 --warmup 0 --tile-heights 1 --threads 1 \
        -o "$tmp/cpu.json" >"$tmp/cpu.out" 2>&1; then
    checks=$((checks + 1))
    python3 - "$tmp/cpu.json" <<'PY' || fail "a cpu profile lacks its ceilings or a layer's roofline"
import json, sys
p = json.load(open(sys.argv[1]))
c = p["ceilings"]
assert c["schema"] == "halo-ceilings/1" and c["threads"] == 1 and c["peak_gflops"] > 0
layers = [l for l in p["models"][0]["layers"] if l["op"] == "conv"]
assert all(l["bytes"] > 0 and l["roofline"]["attainable_gflops"] > 0 for l in layers)
PY
    expect 0 "ceilings (measured): peak" profile --backend cpu --models resnet18 --input 40x40 --repeat 1 --warmup 0 \
        --tile-heights 1 --threads 1 -o "$tmp/cpu2.json"
    expect 0 "no ceilings measured" profile --backend cpu --models resnet18 --input 40x40 --repeat 1 --warmup 0 \
        --tile-heights 1 --threads 1 --no-ceilings -o "$tmp/cpu3.json"
    checks=$((checks + 1))
    python3 -c "import json,sys; assert 'ceilings' not in json.load(open(sys.argv[1]))" "$tmp/cpu3.json" ||
        fail "profile --no-ceilings wrote ceilings"
elif ! grep -q "unknown backend 'cpu'" "$tmp/cpu.out"; then
    fail "halo profile --backend cpu failed: $(tail -n 1 "$tmp/cpu.out")"
fi

expect 2 "-o PROFILE.json is required" profile --models resnet18
expect 2 "unknown model 'resnet5'" profile --models resnet18,resnet5 -o "$tmp/x.json"
expect 2 "--models: empty list" profile --models "" -o "$tmp/x.json"
expect 2 "--repeat: 0: must be in [1, 100000]" profile --repeat 0 -o "$tmp/x.json"
expect 2 "cannot write" profile --models resnet18 -o /nonexistent/dir/p.json
expect 2 "unknown backend 'gpu'" profile --backend gpu -o "$tmp/x.json"
expect 2 "--tile-heights: 1.5" profile --tile-heights 1,1.5 -o "$tmp/x.json"
printf '{"schema": "halo-profile/1", "name": ' >"$tmp/bad.json"
expect 2 "bad.json: line 1" fit "$tmp/bad.json"
printf '{"schema": "halo-profile/0"}' >"$tmp/old.json"
expect 2 "'halo-profile/0' is not supported" predict --from "$tmp/old.json" --to "$tmp/a.json" resnet18
expect 2 "--from and --to are required" predict --from "$tmp/a.json" resnet18
expect 2 "--except: $tmp/a.json did not measure vgg16" fit "$tmp/a.json" --except vgg16

finish test_cli_profile
