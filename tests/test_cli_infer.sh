#!/bin/sh
# `halo infer` on good and bad input: exit status, the top-5 table, the logits file, and the one
# stderr line a user sees for each kind of bad input. Uses the ref backend at 64x64 (fast).
# usage: test_cli_infer.sh PATH/TO/halo
set -u
HALO=$1
. "$(dirname "$0")/cli_lib.sh"

expect 0 "usage: halo infer" infer --help
expect 0 "round(256/224 * min(H,W))" infer --help
expect 0 "--input-raw" infer --help

# a run: five ranked classes with probabilities, random weights said loudly
expect 0 "RANDOM WEIGHTS" infer resnet18 --backend ref --input 64x64 --seed 3 --out "$tmp/a.f32"
checks=$((checks + 1))
rows=$(grep -cE '^ +[1-5] +[0-9]+ +0\.[0-9]{6} +-?[0-9]+\.[0-9]+$' "$tmp/out")
[ "$rows" -eq 5 ] || { fail "expected 5 class rows, got $rows:"; sed 's/^/    /' "$tmp/out" >&2; }
checks=$((checks + 1))
grep -qE '^latency +[0-9]+\.[0-9]+ ms \(one timed run after one warm-up run\)' "$tmp/out" ||
    fail "no latency line"
checks=$((checks + 1))
grep -qE '^backend +ref' "$tmp/out" || fail "no backend line"
checks=$((checks + 1))
[ "$(wc -c <"$tmp/a.f32")" -eq 4000 ] || fail "--out must write 1000 float32 = 4000 bytes"

# --format json and csv carry the same run: top-5 classes, latency, what ran
expect_json "model input image.seed weights.random backend.name backend.threads impl[0].impl latency_ms top[4].class top[0].probability" \
    infer resnet18 --backend ref --input 64x64 --seed 3 --format json
expect_csv "model,input,backend,latency_ms,rank,class,probability,logit" \
    infer resnet18 --backend ref --input 64x64 --seed 3 --format csv
expect 2 "--format: 'xml': expected table, csv or json" infer resnet18 --backend ref --format xml

# the same seed gives the same logits; another seed does not
"$HALO" infer resnet18 --backend ref --input 64x64 --seed 3 --out "$tmp/b.f32" >/dev/null 2>&1
"$HALO" infer resnet18 --backend ref --input 64x64 --seed 4 --out "$tmp/c.f32" >/dev/null 2>&1
checks=$((checks + 1))
cmp -s "$tmp/a.f32" "$tmp/b.f32" || fail "same seed, different logits"
checks=$((checks + 1))
cmp -s "$tmp/a.f32" "$tmp/c.f32" && fail "different seeds, same logits"

# --input-raw: a zero image of the right size runs; the wrong size is refused
head -c 49152 /dev/zero >"$tmp/zero.f32"
expect 0 "raw float32" infer resnet18 --backend ref --input 64x64 --input-raw "$tmp/zero.f32"
expect 2 "zero.f32: 49152 bytes, expected 12288 (3x32x32 float32" \
    infer resnet18 --backend ref --input 32x32 --input-raw "$tmp/zero.f32"

# the default backend falls back to ref when cpu cannot start, and says which ran
expect 0 "backend " infer mobilenet_v2 --input 32x32 --seed 1

# bad input: exit 2, one line on stderr
expect 2 "unknown backend 'frob'" infer resnet18 --backend frob --input 64x64
expect 2 "$tmp/none.safetensors: cannot open" infer resnet18 --backend ref --input 64x64 --weights "$tmp/none.safetensors"
printf 'garbage' >"$tmp/short.safetensors"
expect 2 "short.safetensors: file is 7 bytes, shorter than the 8-byte" \
    infer resnet18 --backend ref --input 64x64 --weights "$tmp/short.safetensors"
printf '\100\000\000\000\000\000\000\000{"conv1.weight": 1}' >"$tmp/bad.safetensors"
expect 2 "bad.safetensors: header length 64 runs past the end of the file" \
    infer resnet18 --backend ref --input 64x64 --weights "$tmp/bad.safetensors"
printf '\023\000\000\000\000\000\000\000{"conv1.weight": 1}' >"$tmp/bad2.safetensors"
expect 2 "bad2.safetensors: tensor conv1.weight: entry is not a JSON object" \
    infer resnet18 --backend ref --input 64x64 --weights "$tmp/bad2.safetensors"
printf '\002\000\000\000\000\000\000\000{}' >"$tmp/empty.safetensors"
expect 2 "empty.safetensors: missing tensor conv1.weight (and 101 more" \
    infer resnet18 --backend ref --input 64x64 --weights "$tmp/empty.safetensors"
expect 2 "--image, --seed and --input-raw are mutually exclusive" infer resnet18 --image x.png --seed 3
expect 2 "--input: '64y64': expected HxW" infer resnet18 --input 64y64
expect 2 "--seed: 'abc': expected an integer" infer resnet18 --seed abc
expect 2 "--threads: 0: must be in" infer resnet18 --threads 0
expect 2 "unknown flag '--frob'" infer resnet18 --frob
expect 2 "unknown model 'resnet19'" infer resnet19
expect 2 "missing argument" infer
expect 2 "$tmp/none.png: cannot open" infer resnet18 --backend ref --input 64x64 --image "$tmp/none.png"
printf 'hello' >"$tmp/hello.png"
expect 2 "hello.png: not a PNG or JPEG file" infer resnet18 --backend ref --input 64x64 --image "$tmp/hello.png"
expect 2 "vgg11: input 16x16 is too small" infer vgg11 --backend ref --input 16x16

finish test_cli_infer
