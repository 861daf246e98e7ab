#!/bin/sh
# halo plan on good and bad input: exit status and the message a user sees.
# usage: test_cli_plan.sh PATH/TO/halo
set -u
HALO=$1
. "$(dirname "$0")/cli_lib.sh"

cat >"$tmp/c.json" <<'JSON'
{"schema": "halo-cluster/1", "name": "t3", "source": "cam",
 "devices": [
  {"name": "cam", "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.5},
  {"name": "es1", "capacity": {"gflops": 40}, "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2},
  {"name": "es2", "capacity": {"gflops": 40}, "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2},
  {"name": "es3", "capacity": {"gflops": 20}, "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2}]}
JSON

expect 0 "usage: halo plan" plan --help
expect 0 "predicted latency" plan vgg11 --cluster "$tmp/c.json" --input 128x128
expect 0 "wrote $tmp/p.json" plan resnet18 --cluster "$tmp/c.json" --input 96x96 -o "$tmp/p.json"
# --format json: what the table shows (one method: with its plan as -o writes it), csv: a row per method
expect_json "model input cluster local_ms method latency_ms speedup latency_reduction_pct bytes_moved redundant_pct lossless es_used deviation planning_ms plan.schema plan.blocks[0].parts" \
    plan resnet18 --cluster "$tmp/c.json" --input 96x96 --format json
expect_json "local_device local_ms basis methods[0].method methods[0].latency_ms methods[0].speedup methods[0].deviation" \
    plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 1 --format json
checks=$((checks + 1))
python3 -c '
import json, sys
ms = json.load(open(sys.argv[1]))["methods"]
assert any(not m["lossless"] for m in ms)
for m in ms:
    d = m["deviation"]
    assert (d is None) == m["lossless"], m
    assert m["lossless"] or (d["inputs"] == 1 and d["max_abs_err"] >= 0 and 0 < d["codec"]["ratio"] < 1), m
' "$tmp/out" || fail "halo plan --method all --format json: a lossy method without its measured deviation"
expect_csv "model,input,cluster,method,latency_ms,local_ms,speedup,latency_reduction_pct,bytes_moved,redundant_pct,lossless,es_used" \
    plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --format csv
expect 2 "--method all compares the methods; -o writes the plan of one" plan resnet18 --cluster "$tmp/c.json" --method all -o "$tmp/x.json"
expect 0 "lossless" plan resnet18 --cluster "$tmp/c.json" --method all --input 96x96
expect 0 "(3 ESs, 3 compute)" plan vgg11 --cluster "$tmp/c.json" --input 128x128 --no-select
expect 2 "--cluster is required" plan resnet18
expect 2 "unknown method 'magic'" plan resnet18 --cluster "$tmp/c.json" --method magic
expect 2 "--select and --no-select exclude each other" plan resnet18 --cluster "$tmp/c.json" --select --no-select
expect 2 "cannot open" plan resnet18 --cluster "$tmp/nope.json"
expect 2 "unknown model" plan resnet5 --cluster "$tmp/c.json"
expect 2 "too small" plan vgg11 --cluster "$tmp/c.json" --input 16x16
expect 2 "--format: 'xml': expected table, csv or json" plan resnet18 --cluster "$tmp/c.json" --format xml
printf '{"schema": "halo-cluster/1", "source": "cam", "devices": [' >"$tmp/bad.json"
expect 2 "bad.json: line 1" plan resnet18 --cluster "$tmp/bad.json"
sed 's/"uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2}]}/"uplink_mbps": -1, "downlink_mbps": 500}]}/' "$tmp/c.json" >"$tmp/neg.json"
expect 2 "devices[3].uplink_mbps: -1 is out of range" plan resnet18 --cluster "$tmp/neg.json"
# --grid forces ADCNN's FDSP grid (figure 9 sweeps it); other methods and sizes outside 2..8 are refused
expect 0 "FDSP 3x3 grid (forced by the caller)" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method adcnn --grid 3 --deviation 0
expect 0 "FDSP 8x8 grid (forced by the caller)" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method adcnn --grid 8 --deviation 0
expect 0 "adcnn is LOSSY" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --grid 4 --deviation 0
expect 2 "--grid forces ADCNN's FDSP grid; it needs --method adcnn or all" plan resnet18 --cluster "$tmp/c.json" --grid 3
expect 2 "--grid: 9: must be in [2, 8]" plan resnet18 --cluster "$tmp/c.json" --method adcnn --grid 9
expect 2 "--grid: 1: must be in [2, 8]" plan resnet18 --cluster "$tmp/c.json" --method adcnn --grid 1
checks=$((checks + 1))
if ! "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method adcnn --grid 5 --deviation 0 -o "$tmp/g5.json" >/dev/null ||
    ! python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); b = p["blocks"][0]; assert len(b["parts"]) == 25 and b["mode"] == "zero_pad", b["parts"]' "$tmp/g5.json"; then
    echo "FAIL: halo plan --method adcnn --grid 5 did not write a 5x5 FDSP block" >&2
    fails=$((fails + 1))
fi

# the JSON comparison is the table's: same methods, same latencies (3 decimals), and -o writes
# the plan that --format json shows
checks=$((checks + 1))
"$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 >"$tmp/all.txt" &&
    "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --format json >"$tmp/all.json" &&
    "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method halp -o "$tmp/h.json" --format json >"$tmp/h_doc.json"
if ! python3 - "$tmp/all.txt" "$tmp/all.json" "$tmp/h.json" "$tmp/h_doc.json" <<'PY'
import json, sys
table = {l.split()[0]: l.split()[1] for l in open(sys.argv[1]) if len(l.split()) == 8 and l.split()[2].endswith("x")}
doc = json.load(open(sys.argv[2]))
assert [m["method"] for m in doc["methods"]] == list(table), (table, doc["methods"])
assert all(f"{m['latency_ms']:.3f}" == table[m["method"]] for m in doc["methods"])
one = json.load(open(sys.argv[4]))
assert one["plan"] == json.load(open(sys.argv[3])) and one["plan_file"] == sys.argv[3]
assert one["latency_ms"] == one["plan"]["predicted"]["total_ms"]
PY
then
    fail "halo plan --format json disagrees with the table or with the plan file"
fi

# halo sim: the same formats; --csv F writes the rows --format csv prints
expect_json "model cluster channel draws seed sizes deadlines_ms provenance.commit methods[0].method methods[0].p50_ms methods[1].deadlines[1].p_fail methods[1].deadlines[1].ci_hi" \
    sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method dpfp,local --deadline-ms 5,50 --draws 50 --format json
expect_csv "model,cluster,method,deadline_ms,failures,p_fail,ci_lo,ci_hi,p50_ms,basis,commit,host,date" \
    sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method dpfp,local --deadline-ms 5,50 --draws 50 --format csv --csv "$tmp/sim.csv"
checks=$((checks + 1))
cmp -s "$tmp/out" "$tmp/sim.csv" || fail "halo sim --csv F and --format csv differ"
expect 2 "--format: 'xml': expected table, csv or json" sim resnet18 --cluster "$tmp/c.json" --deadline-ms 5 --format xml

# halo run (built with MPI, mpirun present): the inferences as JSON and CSV
if "$HALO" run --help >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
    "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 64x64 --no-select -o "$tmp/r.json" >/dev/null
    expect_json "backend.name clock link provenance.commit plans[0].plan plans[0].method plans[0].inferences[0].latency_ms plans[0].inferences[0].pred_latency_ms plans[0].inferences[0].devices[1].compute_ms plans[0].inferences[0].verify.passed plans[0].summary.latency_median_ms csv_file" \
        run "$tmp/r.json" --backend ref --verify --warmup 0 --format json --csv "$tmp/run.csv"
    expect_csv "plan,method,inference,device,latency_ms,pred_latency_ms,compute_ms,pred_compute_ms,commit,host,date" \
        run "$tmp/r.json" --backend ref --warmup 0 --format csv
    checks=$((checks + 1))
    [ "$(head -n 1 "$tmp/out")" = "$(head -n 1 "$tmp/run.csv")" ] || fail "halo run --csv F and --format csv have different headers"
    expect 2 "--format: 'xml': expected table, csv or json" run "$tmp/r.json" --format xml
else
    echo "note: no halo run or no mpirun: halo run --format not checked"
fi

# the written plan parses and its prediction beats or equals the best single device
checks=$((checks + 1))
if ! python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["schema"] == "halo-plan/1" and p["lossless"] is True
pr = p["predicted"]
assert pr["total_ms"] <= pr["local_ms"] * (1 + 1e-9), pr
assert p["devices"][0]["role"] == "source"
for b in p["blocks"]:
    for part in b["parts"]:
        area = lambda r: (r[1] - r[0]) * (r[3] - r[2])
        assert sum(area(s["rect"]) for s in part["sources"]) == area(part["in"])
PY
then
    echo "FAIL: the plan file is not what the README documents" >&2
    fails=$((fails + 1))
fi

# streams: --objective, every plan evaluated as a stream, latency and period labelled apart
expect 0 "best under the objective" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --objective throughput
expect 0 "period_ms" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --fps 20
expect 0 "NOT the latency" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method pipeedge --objective throughput
expect_json "objective.kind objective.means best_under_objective methods[0].stream.period_ms methods[0].stream.throughput_fps methods[0].stream.single_frame_latency_ms methods[0].stream.latency_p99_ms methods[11].stream.feasible" \
    plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --objective throughput --deadline-ms 200 --frames 40 --format json
expect_csv "method,latency_ms,objective,period_ms,throughput_fps,rate_fps,stream_latency_p50_ms,stream_latency_p99_ms,deadline_misses,stream_frames,feasible" \
    plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --fps 15 --format csv
expect_json "stream.period_ms stream.inflight stream.devices[1].utilisation stream.devices[0].uplink_bytes_per_s plan.rotation[0].blocks plan.rotation[1].tail" \
    plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method roundrobin --no-select --format json --inflight 3
expect 0 "rotation: 3 variants" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method roundrobin --no-select
expect 0 "HALO'S EXTENSION" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method dpfp-stream --objective throughput
expect 0 "[halo's extension]" plan --help
expect 2 "--objective: 'fast': expected latency or throughput" plan resnet18 --cluster "$tmp/c.json" --objective fast
expect 2 "--fps is the rate the latency objective sustains" plan resnet18 --cluster "$tmp/c.json" --objective throughput --fps 10
expect 2 "--fps: 0: must be in" plan resnet18 --cluster "$tmp/c.json" --fps 0
expect 2 "--arrivals: 'burst': expected periodic or poisson" plan resnet18 --cluster "$tmp/c.json" --arrivals burst
expect 2 "--frames: 1: must be in" plan resnet18 --cluster "$tmp/c.json" --frames 1
expect 2 "--deadline-ms" plan resnet18 --cluster "$tmp/c.json" --deadline-ms -3
# the stream table's period agrees with the JSON, and a written round robin keeps its variants
checks=$((checks + 1))
"$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --objective throughput >"$tmp/st.txt" &&
    "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --objective throughput --format json >"$tmp/st.json" &&
    "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method roundrobin --no-select -o "$tmp/rr.json" >/dev/null
if ! python3 - "$tmp/st.txt" "$tmp/st.json" "$tmp/rr.json" <<'PY'
import json, sys
rows = {}
seen = False
for l in open(sys.argv[1]):
    w = l.split()
    if w[:2] == ["method", "latency_1_ms"]:
        seen = True
        continue
    if seen and len(w) == 9:
        rows[w[0]] = w
doc = json.load(open(sys.argv[2]))
assert [m["method"] for m in doc["methods"]] == list(rows), rows
for m in doc["methods"]:
    s, r = m["stream"], rows[m["method"]]
    assert f"{s['period_ms']:.3f}" == r[2] and f"{s['throughput_fps']:.2f}" == r[3], (s, r)
    assert abs(s["period_ms"] * s["throughput_fps"] - 1000) < 1e-6 * 1000
    assert s["period_ms"] >= s["period_bound_ms"] * 0.98, s
rr = json.load(open(sys.argv[3]))
assert rr["method"] == "roundrobin" and len(rr["rotation"]) == 2, rr.keys()
devs = {rr["blocks"][0]["parts"][0]["device"]} | {v["blocks"][0]["parts"][0]["device"] for v in rr["rotation"]}
assert devs == {"es1", "es2", "es3"}, devs
PY
then
    fail "halo plan's stream table disagrees with its JSON, or a round robin lost its variants"
fi

# halo sim --fps: streams under the channel
expect_json "frames objective basis methods[0].rates[0].fps methods[0].rates[1].fps methods[0].rates[0].throughput_fps methods[1].rates[0].deadlines[0].p_miss methods[1].rates[0].deadlines[0].ci_hi" \
    sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method dpfp,roundrobin --deadline-ms 20 --fps 10,max --frames 40 --format json
expect_csv "model,cluster,channel,method,objective,fps,arrivals,frames,inflight,seed,deadline_ms,misses,p_miss,ci_lo,ci_hi,throughput_fps,latency_p99_ms,basis,commit" \
    sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method dpfp --deadline-ms 20,40 --fps 10 --frames 40 --arrivals poisson --format csv
expect 0 "streams of 40 frames" sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method local --deadline-ms 20 --fps 5 --frames 40
expect 2 "--draws is for independent draws" sim resnet18 --cluster "$tmp/c.json" --deadline-ms 20 --fps 5 --draws 10
expect 2 "--inflight describes a stream: it needs --fps" sim resnet18 --cluster "$tmp/c.json" --deadline-ms 20 --inflight 3
expect 2 "--fps: 'x': expected a number" sim resnet18 --cluster "$tmp/c.json" --deadline-ms 20 --fps 5,x
# a stream too fast for a plan misses more deadlines than a slow one; the same seed, the same numbers
checks=$((checks + 1))
"$HALO" sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method local --deadline-ms 30 --fps 1,1000 --frames 60 --format csv >"$tmp/s1.csv" &&
    "$HALO" sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method local --deadline-ms 30 --fps 1,1000 --frames 60 --format csv >"$tmp/s2.csv"
if ! python3 - "$tmp/s1.csv" "$tmp/s2.csv" <<'PY'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1])))
b = list(csv.DictReader(open(sys.argv[2])))
strip = lambda rows: [{k: v for k, v in r.items() if k not in ("date",)} for r in rows]
assert strip(a) == strip(b)
slow, fast = a
assert float(fast["p_miss"]) > float(slow["p_miss"]), (slow, fast)
assert float(fast["throughput_fps"]) < 1000
PY
then
    fail "halo sim --fps: a faster stream does not miss more, or the same seed differs"
fi

# link models: --link-model on every command that predicts; the plan file carries the model, its
# devices' access links and the cluster's rates; a bad name is one line and exit 2
expect 0 "links by the fair model" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method modnn --link-model fair
expect 0 "links by the fifo model" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method modnn
expect 0 "fair   TCP-like" plan --help
expect 2 "--link-model: 'bogus': expected fifo|fair|tcp" plan resnet18 --cluster "$tmp/c.json" --link-model bogus
expect 2 "--link-model: 'bogus': expected fifo|fair|tcp" sim resnet18 --cluster "$tmp/c.json" --deadline-ms 5 --link-model bogus
expect 2 "--link-model: 'bogus': expected fifo|fair|tcp" sim resnet18 --cluster "$tmp/c.json" --deadline-ms 5 --fps 5 --link-model bogus
expect_csv "method,latency_ms,link_model,rates" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --link-model fair --format csv
expect_json "link_model rates" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method all --deviation 0 --link-model fair --format json
expect_csv "method,p50_ms,link_model,rates" sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method modnn --deadline-ms 50 --draws 20 --link-model fair --format csv
expect_json "link_model rates methods[0].p50_ms" sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method modnn --deadline-ms 50 --draws 20 --link-model fair --format json
expect_csv "method,fps,link_model,rates" sim resnet18 --cluster "$tmp/c.json" --input 96x96 --method modnn --deadline-ms 50 --fps 5 --frames 20 --link-model fair --format csv
checks=$((checks + 1))
if ! "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method modnn --link-model fair -o "$tmp/fair.json" >/dev/null ||
    ! "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --method modnn -o "$tmp/fifo.json" >/dev/null ||
    ! python3 - "$tmp/fair.json" "$tmp/fifo.json" <<'PY'
import json, sys
fair, fifo = (json.load(open(f)) for f in sys.argv[1:3])
assert fair["link_model"] == "fair" and fifo["link_model"] == "fifo", (fair["link_model"], fifo["link_model"])
assert fair["rates"] == fifo["rates"] == "goodput"
assert all(d["uplink_mbps"] == 500 and d["downlink_mbps"] == 500 for d in fair["devices"]), fair["devices"]
assert "fair model" in fair["predicted"]["basis"], fair["predicted"]["basis"]
# modnn's scatter and gathers are concurrent: the models differ on the same structure's kind of plan
assert fair["predicted"]["total_ms"] != fifo["predicted"]["total_ms"]
PY
then
    fail "halo plan --link-model: the plan file does not carry the model, its links and rates"
fi
# rates: nominal line rates are taken as goodput x 1448/1514, in the plan's links and device rates
sed 's/"source": "cam",/"source": "cam", "rates": "nominal",/' "$tmp/c.json" >"$tmp/nominal.json"
checks=$((checks + 1))
if ! "$HALO" plan resnet18 --cluster "$tmp/nominal.json" --input 96x96 --method modnn -o "$tmp/nom.json" >/dev/null ||
    ! python3 - "$tmp/nom.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
g = 500 * 1448 / 1514
assert p["rates"] == "nominal", p["rates"]
assert abs(p["devices"][1]["uplink_mbps"] - g) < 1e-9 and abs(p["links"]["bandwidth_mbps"][0][1] - g) < 1e-9, p["links"]
PY
then
    fail "halo plan: a cluster's nominal rates are not converted to goodput in the plan"
fi
expect 0 "rates nominal, taken as goodput x 1448/1514" plan resnet18 --cluster "$tmp/nominal.json" --input 96x96 --method modnn
# halo run: the virtual clock and the prediction follow the plan's model, or --link-model's
if "$HALO" run --help >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then
    expect 2 "--link-model: 'bogus': expected fifo|fair|tcp" run "$tmp/fair.json" --link-model bogus
    "$HALO" plan resnet18 --cluster "$tmp/c.json" --input 64x64 --method modnn --link-model fair -o "$tmp/rf.json" >/dev/null
    checks=$((checks + 1))
    if ! HALO_TEST_VCLOCK_PLAN_MS=1 "$HALO" run "$tmp/rf.json" --backend ref --warmup 0 --format json >"$tmp/rf.out" 2>"$tmp/err" ||
        ! HALO_TEST_VCLOCK_PLAN_MS=1 "$HALO" run "$tmp/rf.json" --backend ref --warmup 0 --link-model fifo --format json >"$tmp/rfifo.out" 2>>"$tmp/err" ||
        ! python3 - "$tmp/rf.json" "$tmp/rf.out" "$tmp/rfifo.out" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
fair, fifo = (json.load(open(f)) for f in sys.argv[2:4])
assert fair["link_model"] == "fair" and fifo["link_model"] == "fifo"
a, b = fair["plans"][0]["inferences"][0], fifo["plans"][0]["inferences"][0]
total = plan["predicted"]["total_ms"]
# the plan's compute times replayed: the virtual clock is the model, exactly
assert abs(a["pred_latency_ms"] - total) < 1e-6 * total and abs(a["latency_ms"] - a["pred_latency_ms"]) < 1e-6 * total, (a, total)
assert abs(b["latency_ms"] - b["pred_latency_ms"]) < 1e-6 * total and abs(b["pred_latency_ms"] - total) > 1e-3, (b, total)
PY
    then
        fail "halo run: the virtual clock or the prediction does not follow the link model"
        sed 's/^/    /' "$tmp/err" | tail -n 5 >&2
    fi
fi

finish test_cli_plan
