#!/bin/sh
# How well the cost model predicts what the runtime measures (issue 8), on the virtual clock:
# models (resnet50, vgg16) x ES counts (1, 2, 4, 8) x bandwidths (50, 200, 1000 Mbps) x every
# planning method, the cpu backend, ESs priced by a profile of this machine (speeds alternating 1
# and 0.5). One `halo run` job per (model, ES count, bandwidth) runs all methods' plans (weights
# loaded once); results/runtime_accuracy.csv gets every row, and the summary (median |measured -
# predicted| / predicted latency, compute vs transfer error, runtime overhead) goes to stdout.
# usage: experiments/runtime_accuracy.sh [PROFILE.json]   (default: measure one with halo profile)
# env: HALO_BUILD_DIR, MODELS, ES_COUNTS, BANDWIDTHS, REPEAT (default 3)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
halo="${HALO_BUILD_DIR:-$root/build}/halo"
out="$root/results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
csv="$out/runtime_accuracy.csv"
profile=${1:-}
if [ -z "$profile" ]; then
    profile="$out/profile_cpu_this_machine.json"
    echo "measuring $profile (halo profile, cpu backend)" >&2
    "$halo" profile -o "$profile" --backend cpu --models resnet50,vgg16 --repeat 5 --warmup 2 >&2
fi
profile=$(cd "$(dirname "$profile")" && pwd)/$(basename "$profile")
rm -f "$csv"
for model in ${MODELS:-resnet50 vgg16}; do
    for n in ${ES_COUNTS:-1 2 4 8}; do
        for bw in ${BANDWIDTHS:-50 200 1000}; do
            c="$work/c-$model-$n-$bw.json"
            {
                printf '{"schema": "halo-cluster/1", "name": "es%s-%smbps", "source": "src", "devices": [\n' "$n" "$bw"
                printf '  {"name": "src", "uplink_mbps": %s, "downlink_mbps": %s, "latency_ms": 0.5}' "$bw" "$bw"
                i=1
                while [ "$i" -le "$n" ]; do
                    speed=1
                    [ $((i % 2)) -eq 0 ] && speed=0.5
                    printf ',\n  {"name": "es%d", "profile": "%s", "speed": %s, "uplink_mbps": %s, "downlink_mbps": %s, "latency_ms": 0.5}' \
                        "$i" "$profile" "$speed" "$bw" "$bw"
                    i=$((i + 1))
                done
                printf ']}\n'
            } >"$c"
            methods=$("$halo" plan "$model" --cluster "$c" --method all | awk '$2 ~ /^[0-9.]+$/ && $3 ~ /x$/ {print $1}')
            plans=""
            for m in $methods; do
                p="$work/$model-$n-$bw-$m.json"
                "$halo" plan "$model" --cluster "$c" --method "$m" -o "$p" >/dev/null && plans="$plans $p"
            done
            echo "$model, $n ESs, $bw Mbps: $(echo $methods)" >&2
            "$halo" run $plans --backend cpu --clock virtual --warmup 1 --repeat "${REPEAT:-3}" \
                --csv "$work/run.csv" >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; exit 1; }
            if [ -f "$csv" ]; then tail -n +2 "$work/run.csv" >>"$csv"; else cp "$work/run.csv" "$csv"; fi
        done
    done
done
echo "wrote $csv" >&2
python3 - "$csv" <<'PY'
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1])))
runs, devs = {}, {}
for r in rows:
    # plan files are MODEL-ESCOUNT-MBPS-METHOD.json: the cluster's size, not the ESs a plan uses
    k = (r["model"],) + tuple(r["plan"].rsplit("/", 1)[-1][:-5].split("-")[1:])
    if r["device"] == "all":
        runs.setdefault(k, []).append(r)
    else:
        devs.setdefault(k, []).append(r)
def rel(a, b):
    return abs(a - b) / b if b > 0 else 0.0
lat_err, ovh, comp_err, xfer_err, by_model, by_es = [], [], [], [], {}, {}
for k, rs in runs.items():
    m = st.median(float(r["latency_ms"]) for r in rs)
    p = float(rs[0]["pred_latency_ms"])
    lat_err.append(rel(m, p))
    by_model.setdefault((k[0], k[3]), []).append(rel(m, p))
    by_es.setdefault((k[0], int(k[1])), []).append(rel(m, p))
    ovh.append(st.median(float(r["overhead_frac"]) for r in rs))
    ds = devs[k]
    n_inf = len(rs)
    mc = sum(float(d["compute_ms"]) for d in ds) / n_inf
    pc = sum(float(d["pred_compute_ms"]) for d in ds) / n_inf
    mx = sum(float(d["recv_ms"]) for d in ds) / n_inf
    px = sum(float(d["pred_recv_ms"]) for d in ds) / n_inf
    comp_err.append(rel(mc, pc))
    if px > 0:
        xfer_err.append(rel(mx, px))
print(f"{len(runs)} configurations (model x ES count x bandwidth x method), {len(rows)} CSV rows")
print(f"latency  |measured - predicted| / predicted: median {100*st.median(lat_err):.1f} %, "
      f"p90 {100*sorted(lat_err)[int(0.9*len(lat_err))]:.1f} %, max {100*max(lat_err):.1f} %")
print(f"compute  |sum measured - sum predicted| / predicted (all devices): median {100*st.median(comp_err):.1f} %")
print(f"transfer |sum measured - sum predicted| / predicted (receive time): median {100*st.median(xfer_err):.2f} %, "
      f"max {100*max(xfer_err):.2f} %")
print(f"runtime overhead (max over ranks, / latency): median {100*st.median(ovh):.2f} %, max {100*max(ovh):.2f} %")
print("median latency error per model and cluster size:")
for (model, n), e in sorted(by_es.items()):
    print(f"  {model:9s} {n} ES{'s' if n > 1 else ' '} {100*st.median(e):6.1f} %  ({len(e)} configurations)")
print("median latency error per model and method:")
for (model, method), e in sorted(by_model.items()):
    print(f"  {model:9s} {method:12s} {100*st.median(e):6.1f} %  ({len(e)} configurations)")
PY
