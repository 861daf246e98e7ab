# Figure 7: planner-predicted vs runtime-measured latency. Every method's plan is executed by
# `halo run` on the VIRTUAL clock: real compute on this host's cpu backend (oneDNN, one ES at a
# time with all cores, random weights seed 0, a seeded random uint8 frame), links emulated at the
# plan's rates (latency + bytes/bandwidth), so the measured compute is real and the transfers
# follow the cost model (ADCNN's compressed tiles travel at their real coded size).
# Swept (default): ResNet-50 and VGG-16 at 224x224 x 2 and 4 identical ESs x 100 and 1000 Mbps
# (2 ms and 0.2 ms per hop, as profiles/clusters/homo-N-{slow,fast}) x every method of halo's
# registry (`halo methods`; ADCNN
# lossy; its codec ratio measured on 1 input before planning), 1 warm-up + 3 timed inferences.
# ESs priced by this host's own profile (exp_host_profile: measured here, or reused while its key
# holds), since this host computes for every ES; the same sweep again with the ESs priced by the
# reference profile profiles/cpu-avx512-2t.json (another CPU: Intel Xeon, AVX-512), column pricing =
# host | reference, so that the error of a profile of the host's own CPU stands next to the error of
# a foreign one. --quick: ResNet-50, 2 ESs,
# 1000 Mbps, 1 timed inference. One row per plan: kind = measured (clock virtual, backend cpu),
# the plan's prediction in the same row (pred_*). The raw per-inference, per-device rows of halo
# run go to results/runtime_accuracy_runs.csv (its --csv), its --format json document is what the
# rows are made from; the summary (median |measured - predicted| /
# predicted, compute vs transfer) is printed. Measured compute is sensitive to whatever else
# runs on the host, so each row carries the 1-min load average when its configuration started
# and the share of CPU time stolen by the hypervisor (VM steal) during its halo run.
# env (experiments/runtime_accuracy.sh sets them for the full issue-8 sweep): RA_MODELS,
# RA_ES_COUNTS, RA_BANDWIDTHS (Mbps), RA_LATENCY_MS (default 0.2 at >= 1000 Mbps, else 2),
# RA_SPEEDS (ES speeds, cycled over the ESs; default 1), RA_REPEAT, RA_METHODS, RA_PROFILE (the ESs'
# profile; default this host's), RA_FOREIGN_PROFILE (the second pricing; default
# profiles/cpu-avx512-2t.json, empty: none).
SPEC_TITLE="planner-predicted vs runtime-measured latency (halo run, virtual clock, cpu backend)"

# ra_cluster FILE N MBPS LATENCY_MS PROFILE SPEEDS  writes a cluster of N ESs priced by PROFILE
ra_cluster()
{
    ra_f=$1 ra_n=$2 ra_bw=$3 ra_lat=$4 ra_prof=$5 ra_speeds=$6
    set --
    {
        printf '{"schema": "halo-cluster/1", "name": "ra-%s-%smbps", "source": "camera", "devices": [\n' "$ra_n" "$ra_bw"
        printf '  {"name": "camera", "uplink_mbps": %s, "downlink_mbps": %s, "latency_ms": %s}' "$ra_bw" "$ra_bw" "$ra_lat"
        ra_i=1
        while [ "$ra_i" -le "$ra_n" ]; do
            [ $# -eq 0 ] && set -- $ra_speeds
            printf ',\n  {"name": "es%d", "profile": "%s", "speed": %s, "uplink_mbps": %s, "downlink_mbps": %s, "latency_ms": %s}' \
                "$ra_i" "$ra_prof" "$1" "$ra_bw" "$ra_bw" "$ra_lat"
            shift
            ra_i=$((ra_i + 1))
        done
        printf '\n]}\n'
    } >"$ra_f"
}

# ra_cpu_ticks  prints the host's total and stolen CPU ticks (/proc/stat; "0 0" where there is none)
ra_cpu_ticks()
{
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9 + 0; f = 1 } END { if (!f) print 0, 0 }' \
        /proc/stat 2>/dev/null || echo 0 0
}

spec_run()
{
    ra_csv="$results/runtime_accuracy.csv"
    ra_raw="$results/runtime_accuracy_runs.csv"
    ra_tool="$root/experiments/tools/runtime.py"
    ra_models=${RA_MODELS:-resnet50 vgg16} ra_counts=${RA_ES_COUNTS:-2 4} ra_bws=${RA_BANDWIDTHS:-100 1000}
    ra_repeat=${RA_REPEAT:-3}
    if [ "$quick" = 1 ]; then
        ra_models=${RA_MODELS:-resnet50} ra_counts=${RA_ES_COUNTS:-2} ra_bws=${RA_BANDWIDTHS:-1000} ra_repeat=${RA_REPEAT:-1}
    fi
    ra_speeds=${RA_SPEEDS:-1}
    if [ -n "${RA_PROFILE:-}" ]; then
        ra_profile=$RA_PROFILE
    else
        exp_host_profile || { echo "runtime_accuracy: no profile of this host (halo profile --backend cpu failed)" >&2; return 1; }
        ra_profile=$exp_host_profile_file
    fi
    ra_foreign=${RA_FOREIGN_PROFILE-$root/profiles/cpu-avx512-2t.json}
    ra_d="$work/ra"
    mkdir -p "$ra_d"
    exp_csv_begin "$ra_csv" "$(python3 "$ra_tool" header)"
    rm -f "$ra_raw"
    ra_n_cfg=$(( $(echo $ra_models | wc -w) * $(echo $ra_counts | wc -w) * $(echo $ra_bws | wc -w) * (1 + (${#ra_foreign} > 0)) ))
    ra_k=0
    ra_pricings="host:$ra_profile"
    [ -n "$ra_foreign" ] && ra_pricings="$ra_pricings reference:$ra_foreign"
    for ra_pricing in $ra_pricings; do
        ra_profile=${ra_pricing#*:}
        ra_pricing=${ra_pricing%%:*}
        [ -f "$ra_profile" ] || { echo "runtime_accuracy: no profile $ra_profile" >&2; return 1; }
        ra_profile=$(cd "$(dirname "$ra_profile")" && pwd)/$(basename "$ra_profile")
        ra_cpu=$(python3 "$root/experiments/tools/platforms.py" label "$ra_profile" | tr ',' ';')
        exp_note "ESs priced by $ra_pricing profile $(basename "$ra_profile") ($ra_cpu)"
        for ra_model in $ra_models; do
            for ra_n in $ra_counts; do
                for ra_bw in $ra_bws; do
                    ra_k=$((ra_k + 1))
                    ra_lat=${RA_LATENCY_MS:-$(awk -v b="$ra_bw" 'BEGIN { print (b >= 1000) ? 0.2 : 2 }')}
                    ra_c="$ra_d/c-$ra_pricing-$ra_n-$ra_bw.json"
                    ra_cluster "$ra_c" "$ra_n" "$ra_bw" "$ra_lat" "$ra_profile" "$ra_speeds"
                    ra_methods=${RA_METHODS:-$exp_methods}
                    ra_plans=""
                    for ra_m in $ra_methods; do
                        ra_p="$ra_d/$ra_pricing-$ra_model-$ra_n-$ra_bw-$ra_m.json"
                        # --deviation 1: ADCNN's codec ratio measured on real activations before planning
                        if "$halo" plan "$ra_model" --cluster "$ra_c" --method "$ra_m" --deviation 1 -o "$ra_p" >"$ra_d/plan.log" 2>&1; then
                            ra_plans="$ra_plans $ra_p"
                        else
                            exp_note "$ra_model, $ra_n ESs, $ra_bw Mbps: $ra_m: no plan ($(tail -n 1 "$ra_d/plan.log"))"
                        fi
                    done
                    # the host's load when the runs start: other work on the machine inflates measured compute
                    ra_load=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo unknown)
                    exp_note "[$ra_k/$ra_n_cfg] $ra_pricing pricing, $ra_model, $ra_n ESs, $ra_bw Mbps, $ra_lat ms: halo run of $(echo $ra_plans | wc -w) plans x (1 + $ra_repeat) inferences (load $ra_load)"
                    ra_t0=$(ra_cpu_ticks)
                    "$halo" run $ra_plans --backend cpu --clock virtual --warmup 1 --repeat "$ra_repeat" \
                        --csv "$ra_d/run.csv" --format json >"$ra_d/run.json" 2>"$ra_d/run.log" ||
                        { tail -n 20 "$ra_d/run.log" >&2; return 1; }
                    # CPU time the hypervisor gave to others while the ranks computed (a VM's steal time)
                    ra_steal=$(echo "$ra_t0 $(ra_cpu_ticks)" | awk '{ d = $3 - $1; printf "%.1f", (d > 0 ? 100 * ($4 - $2) / d : 0) }')
                    if [ -f "$ra_raw" ]; then tail -n +2 "$ra_d/run.csv" >>"$ra_raw"; else cp "$ra_d/run.csv" "$ra_raw"; fi
                    python3 "$ra_tool" rows "$ra_d/run.json" "$ra_model" "$ra_n" "$ra_bw" "$ra_lat" "$ra_speeds" \
                        "$(basename "$ra_profile" .json)" "$ra_load" "$ra_steal" "$ra_pricing" "$ra_cpu" >"$ra_d/rows.csv"
                    while IFS= read -r ra_line; do exp_row "$ra_csv" "$ra_line" measured virtual cpu; done <"$ra_d/rows.csv"
                done
            done
        done
    done
    python3 "$ra_tool" summary "$ra_csv" | sed 's/^/  runtime_accuracy: /' >&2
    exp_plot runtime_accuracy
}
