#!/bin/sh
# The `halo` command on good and bad input: exit status and the message a user sees.
# usage: test_cli.sh PATH/TO/halo
set -u
HALO=$1
. "$(dirname "$0")/cli_lib.sh"

expect 0 "commands:" --help
expect 2 "unknown command 'frobnicate'" frobnicate
checks=$((checks + 1))
"$HALO" >/dev/null 2>"$tmp/err"
if [ $? -ne 2 ] || ! grep -q "usage: halo COMMAND" "$tmp/err"; then
    echo "FAIL: halo without a command must print usage and exit 2" >&2
    fails=$((fails + 1))
fi
for cmd in models flops; do
    expect 0 "usage: halo $cmd" $cmd --help
done
expect 0 "resnet50" models
expect 0 "total: 4089184256 MACs" flops resnet50
expect 0 "total: 15470264320 MACs" flops vgg16 --per stage
expect 2 "unknown model 'resnet51' (known: resnet18, resnet34" flops resnet51
expect 2 "--input: '22a4x224': expected HxW" flops resnet50 --input 22a4x224
expect 2 "--input: '0x224': each side must be in [1, 65536]" flops resnet50 --input 0x224
expect 2 "vgg16: input 31x224 is too small (minimum 32x32)" flops vgg16 --input 31x224
expect 2 "unknown flag '--frob'" flops resnet50 --frob
expect 2 "--input needs a value" flops resnet50 --input
expect 2 "missing argument" flops
expect 2 "unexpected argument 'vgg16'" flops resnet50 vgg16
expect 2 "--per: 'layer': expected node or stage" flops resnet50 --per layer
expect 2 "--format: 'xml': expected table, csv or json" flops resnet50 --format xml
expect 2 "--format needs a value (table|csv|json)" flops resnet50 --format
expect 0 "--format table|csv|json" flops --help
expect 0 "Output: every command that reports results takes --format table|csv|json" --help

# the output convention: --format json is one document with the table's fields, csv a header and
# rows, a bad value exit 2 with one line
expect_json "mac_convention models[0].model models[0].params models[0].macs_224 models[0].gmac_224 models[0].min_input" \
    models --format json
expect_csv "model,family,stages,params,macs_224,gmac_224,min_h,min_w,description" models --format csv
expect 2 "--format: 'xml': expected table, csv or json" models --format xml
expect_json "model per totals.macs totals.flops rows[0].macs rows[0].out_bytes" flops resnet18 --per stage --format json
expect_csv "model,input,index,name,macs,flops,out_bytes" flops resnet18 --format=csv
# the methods: one registry, the same in halo methods, halo plan --help and --method all
expect 0 "proposed" methods
expect_json "methods[0].name methods[0].label methods[0].title methods[0].role methods[0].lossless methods[0].paper" \
    methods --format json
expect_csv "name,label,role,lossless,title" methods --format csv
expect 2 "--format: 'yaml': expected table, csv or json" methods --format yaml
checks=$((checks + 1))
"$HALO" methods --format csv >"$tmp/m.csv" && "$HALO" plan --help >"$tmp/plan_help.txt"
if ! python3 - "$tmp/m.csv" "$tmp/plan_help.txt" <<'PY'
import csv, re, sys
ms = list(csv.DictReader(open(sys.argv[1])))
helped = re.findall(r"^  ([\w-]+) ", open(sys.argv[2]).read(), re.M)
assert [m["name"] for m in ms] == helped[:len(ms)] and helped[len(ms)] == "all", (ms, helped)
assert sum(m["role"] == "proposed" for m in ms) == 1 and sum(m["role"] == "reference" for m in ms) == 1, ms
PY
then
    fail "halo plan --help does not list the methods of halo methods, in its order"
fi

# machine-readable forms parse and agree with each other
checks=$((checks + 1))
"$HALO" flops mobilenet_v2 --input 225x317 --format json >"$tmp/f.json" &&
    "$HALO" flops mobilenet_v2 --input 225x317 --format csv >"$tmp/f.csv"
if ! python3 - "$tmp/f.json" "$tmp/f.csv" <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert j["totals"]["macs"] == 458621440, j["totals"]
assert sum(int(r["macs"]) for r in rows) == 458621440
assert all(int(r["flops"]) == 2 * int(r["macs"]) for r in rows)
assert len(rows) == len(j["rows"])
PY
then
    echo "FAIL: flops json/csv disagree or do not parse" >&2
    fails=$((fails + 1))
fi

finish test_cli
