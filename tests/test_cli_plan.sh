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
expect 0 "\"schema\":	\"halo-plan/1\"" plan resnet18 --cluster "$tmp/c.json" --input 96x96 --format json
expect 0 "lossless" plan resnet18 --cluster "$tmp/c.json" --method all --input 96x96
expect 0 "(3 ESs, 3 compute)" plan vgg11 --cluster "$tmp/c.json" --input 128x128 --no-select
expect 2 "--cluster is required" plan resnet18
expect 2 "unknown method 'magic'" plan resnet18 --cluster "$tmp/c.json" --method magic
expect 2 "--select and --no-select exclude each other" plan resnet18 --cluster "$tmp/c.json" --select --no-select
expect 2 "cannot open" plan resnet18 --cluster "$tmp/nope.json"
expect 2 "unknown model" plan resnet5 --cluster "$tmp/c.json"
expect 2 "too small" plan vgg11 --cluster "$tmp/c.json" --input 16x16
expect 2 "--format: 'xml'" plan resnet18 --cluster "$tmp/c.json" --format xml
printf '{"schema": "halo-cluster/1", "source": "cam", "devices": [' >"$tmp/bad.json"
expect 2 "bad.json: line 1" plan resnet18 --cluster "$tmp/bad.json"
sed 's/"uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2}]}/"uplink_mbps": -1, "downlink_mbps": 500}]}/' "$tmp/c.json" >"$tmp/neg.json"
expect 2 "devices[3].uplink_mbps: must be > 0" plan resnet18 --cluster "$tmp/neg.json"
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

finish test_cli_plan
