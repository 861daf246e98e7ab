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
