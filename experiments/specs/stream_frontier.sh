# Streams: the latency-throughput frontier of DPFP and of DPFP for streams (halo's extension) under
# the two objectives, beside every other method, on profiles/clusters/hetero-8-fast.json (8
# heterogeneous measured CPU ESs, 1000 Mbps). Each point is a plan simulated as a stream (100
# frames, periodic arrivals, at most 2 per computing ES in flight): x = the rate it carries, y = the
# p99 latency from a frame's arrival to its result at that rate. Swept: dpfp and dpfp-stream under
# `--objective latency --fps F` (the lowest latency that sustains F; points that cannot sustain F
# are left out) and `--objective throughput --deadline-ms D` (the highest rate whose p99 latency
# stays within D; none within D: left out), F and D per model below; every method once under
# `--objective throughput` (its own throughput, and the p99 latency there). Models: ResNet-50 and
# VGG-16 at 224x224. --quick: ResNet-50, 3 rates and 2 bounds. kind = predicted.
SPEC_TITLE="Predicted latency-throughput frontier: DPFP and DPFP-stream under both objectives, every method (hetero-8-fast)"

spec_run()
{
    local csv rows cl model rates bounds f d m
    csv="$results/stream_frontier.csv"
    rows="$work/stream_frontier.rows"
    cl="$root/profiles/clusters/hetero-8-fast.json"
    : >"$rows"
    for model in resnet50 vgg16; do
        [ "$quick" = 1 ] && [ "$model" = vgg16 ] && continue
        if [ "$model" = resnet50 ]; then
            rates="5 10 20 30 40 50 55" bounds="60 80 110 150 250"
            [ "$quick" = 1 ] && rates="10 30 50" bounds="80 150"
        else
            rates="2 4 6 8 10 13 16" bounds="150 250 400 600 1000"
        fi
        exp_note "$model: every method under the throughput objective"
        exp_stream_methods "$rows" "$model,own,0," "$model" "$cl" --objective throughput
        for m in $exp_method_proposed dpfp-stream; do
            for f in $rates; do
                exp_note "$model: $m, lowest latency at $f frames/s"
                "$halo" plan "$model" --cluster "$cl" --method "$m" --fps "$f" --format json >"$work/one.json" &&
                    python3 "$root/experiments/tools/stream_table.py" <"$work/one.json" | sed "s|^|$model,fps,$f,|" >>"$rows"
            done
            for d in $bounds; do
                exp_note "$model: $m, highest throughput within p99 <= $d ms"
                "$halo" plan "$model" --cluster "$cl" --method "$m" --objective throughput --deadline-ms "$d" \
                    --format json >"$work/one.json" &&
                    python3 "$root/experiments/tools/stream_table.py" <"$work/one.json" | sed "s|^|$model,deadline,$d,|" >>"$rows"
            done
        done
    done
    # each series by rate, so that gnuplot draws it as one line
    exp_rows_sorted "$csv" "model,sweep,bound,method,objective,latency_1_ms,period_ms,throughput_fps,rate_fps,p50_ms,p99_ms,feasible,es_used" "$rows" "-k1,1 -k4,4 -k2,2 -k9,9g" predicted
    exp_plot stream_frontier
}
