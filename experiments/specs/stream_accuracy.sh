# Streams: runtime-measured vs predicted steady-state throughput. Every method's plan runs a stream
# of frames through `halo run --frames N` on the VIRTUAL clock: real compute on this host's cpu
# backend (oneDNN, one ES at a time with all cores, random weights seed 0, seeded random uint8
# frames), frames as fast as possible with at most (ESs + 1) in flight, every frame verified
# against single-device inference; the source replays the cost model with the measured durations
# and sizes, and the plan's prediction is the same model with its compute_ms and the same arrivals.
# Swept (default): ResNet-50 and VGG-16 at 224x224 x 1, 2, 4, 8 identical ESs x 100 and 1000 Mbps
# (2 ms and 0.2 ms per hop) x every method of halo's registry (`halo methods`; ADCNN lossy, its
# frames reported, not checked), N = 40 frames (the first 4 left out of the steady state), 1
# warm-up frame per plan variant. ESs priced by this host's own profile where the main job keeps
# one (exp_host_profile), else by profiles/cpu-avx512-2t.json; SA_PROFILE overrides. --quick:
# ResNet-50, 2 ESs, 1000 Mbps, every method, 6 frames. One row per plan: kind = measured (clock
# virtual, backend cpu), the prediction in the same row (pred_*); the summary (median |measured -
# predicted| / predicted throughput, target <= 10 %) is printed.
# env: SA_MODELS, SA_ES_COUNTS, SA_BANDWIDTHS, SA_FRAMES, SA_PROFILE, SA_METHODS.
SPEC_TITLE="streams: runtime-measured vs predicted steady-state throughput (halo run --frames, virtual clock)"

spec_run()
{
    sa_csv="$results/stream_accuracy.csv"
    sa_tool="$root/experiments/tools/stream.py"
    sa_models=${SA_MODELS:-resnet50 vgg16} sa_counts=${SA_ES_COUNTS:-1 2 4 8} sa_bws=${SA_BANDWIDTHS:-100 1000}
    sa_frames=${SA_FRAMES:-40}
    if [ "$quick" = 1 ]; then
        sa_models=${SA_MODELS:-resnet50} sa_counts=${SA_ES_COUNTS:-2} sa_bws=${SA_BANDWIDTHS:-1000} sa_frames=${SA_FRAMES:-6}
    fi
    # the ESs are priced by a profile of this host where the main job keeps one (exp_host_profile),
    # since this host computes for every ES; else by the reference profile
    if [ -n "${SA_PROFILE:-}" ]; then
        sa_profile=$SA_PROFILE
    elif command -v exp_host_profile >/dev/null 2>&1; then
        exp_host_profile || { echo "stream_accuracy: no profile of this host" >&2; return 1; }
        sa_profile=$exp_host_profile_file
    else
        sa_profile=$root/profiles/cpu-avx512-2t.json
    fi
    [ -f "$sa_profile" ] || { echo "stream_accuracy: no profile $sa_profile" >&2; return 1; }
    sa_profile=$(cd "$(dirname "$sa_profile")" && pwd)/$(basename "$sa_profile")
    sa_d="$work/sa"
    mkdir -p "$sa_d"
    exp_csv_begin "$sa_csv" "$(python3 "$sa_tool" header)"
    for sa_model in $sa_models; do
        for sa_n in $sa_counts; do
            for sa_bw in $sa_bws; do
                sa_lat=$(awk -v b="$sa_bw" 'BEGIN { print (b >= 1000) ? 0.2 : 2 }')
                sa_c="$sa_d/c-$sa_n-$sa_bw.json"
                # the same cluster as the runtime accuracy figure's (runtime_accuracy.sh's ra_cluster)
                {
                    printf '{"schema": "halo-cluster/1", "name": "sa-%s-%smbps", "source": "camera", "devices": [\n' "$sa_n" "$sa_bw"
                    printf '  {"name": "camera", "uplink_mbps": %s, "downlink_mbps": %s, "latency_ms": %s}' "$sa_bw" "$sa_bw" "$sa_lat"
                    sa_i=1
                    while [ "$sa_i" -le "$sa_n" ]; do
                        printf ',\n  {"name": "es%d", "profile": "%s", "uplink_mbps": %s, "downlink_mbps": %s, "latency_ms": %s}' \
                            "$sa_i" "$sa_profile" "$sa_bw" "$sa_bw" "$sa_lat"
                        sa_i=$((sa_i + 1))
                    done
                    printf '\n]}\n'
                } >"$sa_c"
                sa_plans=""
                for sa_m in ${SA_METHODS:-$exp_methods}; do
                    sa_p="$sa_d/$sa_model-$sa_n-$sa_bw-$sa_m.json"
                    if "$halo" plan "$sa_model" --cluster "$sa_c" --method "$sa_m" --deviation 1 -o "$sa_p" >"$sa_d/plan.log" 2>&1; then
                        sa_plans="$sa_plans $sa_p"
                    else
                        exp_note "$sa_model, $sa_n ESs, $sa_bw Mbps: $sa_m: no plan ($(tail -n 1 "$sa_d/plan.log"))"
                    fi
                done
                sa_load=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo unknown)
                exp_note "$sa_model, $sa_n ESs, $sa_bw Mbps: $(echo $sa_plans | wc -w) plans x $sa_frames frames (load $sa_load)"
                "$halo" run $sa_plans --backend cpu --clock virtual --warmup 1 --frames "$sa_frames" \
                    --inflight $((sa_n + 1)) --verify --format json >"$sa_d/run.json" 2>"$sa_d/run.log" ||
                    { tail -n 20 "$sa_d/run.log" >&2; return 1; }
                python3 "$sa_tool" rows "$sa_d/run.json" "$sa_model" "$sa_n" "$sa_bw" "$sa_lat" \
                    "$(basename "$sa_profile" .json)" "$sa_load" >"$sa_d/rows.csv"
                while IFS= read -r sa_line; do exp_row "$sa_csv" "$sa_line" measured virtual cpu; done <"$sa_d/rows.csv"
            done
        done
    done
    python3 "$sa_tool" summary "$sa_csv" | sed 's/^/  stream_accuracy: /' >&2
    exp_plot stream_accuracy
}
