#!/bin/sh
# `halo tiles` on good and bad input: the split table, --check on ref (exact), JSON that agrees
# with itself, and exit 2 with one line on stderr for every kind of bad input.
# usage: test_cli_tiles.sh PATH/TO/halo
set -u
HALO=$1
. "$(dirname "$0")/cli_lib.sh"

expect 0 "usage: halo tiles" tiles --help
expect 0 "J exclusive" tiles --help
# VGG-16 stages 2:6 in 4 row parts: 743178240 redundant MACs (tests/test_split.c derives it by hand)
expect 0 "of which 743178240 redundant (13.39 % of unsplit)" tiles vgg16 --stages 2:6 --parts 4
expect 0 "[42,56)x[0,56)         [78,112)x[0,112)" tiles vgg16 --stages 2:6 --parts 4
expect 0 "unsplit: 5549064192 MACs; parts: 5549064192 MACs, of which 0 redundant" tiles vgg16 --stages 2:6 --parts 1
expect 0 "grid 2x3" tiles resnet50 --stages 0:2 --grid 2x3 --input 225x257
expect 0 "-> PASS" tiles resnet18 --stages 0:2 --rows 5,9,2 --input 61x67 --check
expect 0 "max abs error 0, max rel error 0" tiles mobilenet_v2 --stages 1:4 --grid 2x2 --input 97x83 --check --seed 3

# bad input: exit 2, one line on stderr
expect 2 "vgg16 has 17 stages" tiles vgg16 --stages 2:40 --parts 2
expect 2 "I must be less than J" tiles vgg16 --stages 3:3 --parts 2
expect 2 "I must be less than J" tiles vgg16 --stages 4:2 --parts 2
expect 2 "are vgg16's tail" tiles vgg16 --stages 12:14 --parts 2
expect 2 "are resnet50's tail" tiles resnet50 --stages 17:18 --parts 2
expect 2 "--stages: '2-6': expected I:J" tiles vgg16 --stages 2-6 --parts 2
expect 2 "--stages I:J is required" tiles vgg16 --parts 2
expect 2 "row heights sum to 20 but the tensor has 56 rows" tiles vgg16 --stages 2:6 --rows 10,10
expect 2 "part 1 has 0 rows" tiles vgg16 --stages 2:6 --rows 28,0,28
expect 2 "57 row parts but the tensor has only 56 rows" tiles vgg16 --stages 2:6 --parts 57
expect 2 "--grid: '2by2': expected NxM" tiles vgg16 --stages 2:6 --grid 2by2
expect 2 "--grid: 'x3': expected NxM" tiles vgg16 --stages 2:6 --grid x3
expect 2 "--grid" tiles vgg16 --stages 2:6 --grid 0x3
expect 2 "give exactly one of --rows, --parts and --grid (got 2)" tiles vgg16 --stages 2:6 --parts 2 --grid 2x2
expect 2 "give exactly one of --rows, --parts and --grid (got 0)" tiles vgg16 --stages 2:6
expect 2 "--format: 'xml': expected table, csv or json" tiles vgg16 --stages 2:6 --parts 2 --format xml
expect_json "model stages split.kind parts[0].out parts[0].macs parts[0].in_bytes totals.halo_bytes check.passed" \
    tiles resnet18 --stages 0:2 --parts 3 --input 64x64 --check --format json
expect_csv "model,input,part,out_y0,out_y1,in_y0,in_y1,macs,redundant_macs,in_bytes,halo_bytes,median_ms" \
    tiles resnet18 --stages 0:2 --parts 3 --input 64x64 --time 1 --format csv
expect 2 "unknown backend 'nope'" tiles vgg16 --stages 2:6 --parts 2 --check --backend nope
expect 2 "--backend needs --check or --time" tiles vgg16 --stages 2:6 --parts 2 --backend ref
expect 2 "unknown model 'vgg17'" tiles vgg17 --stages 2:6 --parts 2

# JSON parses and adds up
checks=$((checks + 1))
if ! "$HALO" tiles resnet18 --stages 1:4 --grid 3x2 --input 97x131 --check --format json >"$tmp/t.json" ||
    ! python3 - "$tmp/t.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t, parts = j["totals"], j["parts"]
assert j["stages"] == [1, 4] and j["split"] == {"kind": "grid", "rows": 3, "cols": 2}, j["split"]
assert len(parts) == 6
assert sum(p["macs"] for p in parts) == t["macs"]
assert t["macs"] - t["unsplit_macs"] == t["redundant_macs"] == sum(p["redundant_macs"] for p in parts)
assert sum(p["own_macs"] for p in parts) == t["unsplit_macs"]
assert all(p["macs"] == p["own_macs"] + p["redundant_macs"] for p in parts)
oh, ow = j["range_output"][1:]
assert sum((p["out"][1] - p["out"][0]) * (p["out"][3] - p["out"][2]) for p in parts) == oh * ow
assert j["check"]["passed"] and j["check"]["max_abs_error"] == 0 and j["check"]["tolerance"] == 0
PY
then
    echo "FAIL: tiles --format json does not parse or add up" >&2
    fails=$((fails + 1))
fi

finish test_cli_tiles
