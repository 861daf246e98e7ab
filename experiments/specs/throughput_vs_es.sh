# Streams: predicted throughput vs number of ESs. Swept: 1..8 identical ESs (cpu-avx512-2t, this
# machine's measured profile) on the fast network (1000 Mbps, 0.2 ms per hop); the 1, 2, 4 and 8
# ES clusters are profiles/clusters/homo-N-fast.json, the others written into $work by
# experiments/tools/clusters.py the same way. Methods: every method of halo's registry, planned
# under `--objective throughput` (dpfp ranks its subsets by it, dpfp-stream searches for it,
# pipeedge and roundrobin plan for it by design, the others plan as their papers say) and each
# plan simulated as a stream of 100 frames as fast as possible, at most 2 per computing ES in
# flight: the steady-state throughput (frames/s = 1000 / period). Models: ResNet-50 and VGG-16 at
# 224x224. --quick: 1, 2, 4 and 8 ESs. kind = predicted.
SPEC_TITLE="Predicted stream throughput vs number of ESs (1-8, 1000 Mbps), every method, ResNet-50 and VGG-16"

spec_run()
{
    local csv rows counts n cl model
    csv="$results/throughput_vs_es.csv"
    rows="$work/throughput_vs_es.rows"
    counts="1 2 3 4 5 6 7 8"
    [ "$quick" = 1 ] && counts="1 2 4 8"
    : >"$rows"
    for n in $counts; do
        cl="$root/profiles/clusters/homo-$n-fast.json"
        if [ ! -f "$cl" ]; then
            cl="$work/homo-$n-fast.json"
            python3 "$root/experiments/tools/clusters.py" "$cl" "homo-$n-fast" "$n" 1000 0.2 \
                "$root/profiles/cpu-avx512-2t.json"
        fi
        for model in resnet50 vgg16; do
            exp_note "$model on $n ES(s), every method as a stream"
            exp_stream_methods "$rows" "$model,$n,homo-$n-fast," "$model" "$cl" --objective throughput
        done
    done
    exp_rows_sorted "$csv" "model,n_es,cluster,method,objective,latency_1_ms,period_ms,throughput_fps,rate_fps,p50_ms,p99_ms,feasible,es_used" "$rows" "-k1,1 -k4,4 -k2,2n" predicted
    exp_plot throughput_vs_es
}
