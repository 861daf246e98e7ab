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
