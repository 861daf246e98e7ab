# Streams: predicted throughput vs link bandwidth. Swept: every link (ESs and the source) at 10,
# 20, 50, 100, 200, 500, 1000 and 10000 Mbps, 0.2 ms per hop, on 4 identical ESs (cpu-avx512-2t,
# this machine's measured profile); clusters written into $work by experiments/tools/clusters.py.
# Methods: every method of halo's registry under `--objective throughput`, each plan simulated as a
# stream of 100 frames as fast as possible (at most 2 per computing ES in flight): the steady-state
# throughput. Models: ResNet-50 and VGG-16 at 224x224. --quick: 10, 100 and 1000 Mbps.
# kind = predicted.
SPEC_TITLE="Predicted stream throughput vs bandwidth (10 Mbps - 10 Gbps, 4 ESs), every method, ResNet-50 and VGG-16"

spec_run()
{
    local csv rows bws bw cl model
    csv="$results/throughput_vs_bandwidth.csv"
    rows="$work/throughput_vs_bandwidth.rows"
    bws="10 20 50 100 200 500 1000 10000"
    [ "$quick" = 1 ] && bws="10 100 1000"
    : >"$rows"
    for bw in $bws; do
        cl="$work/homo-4-${bw}mbps.json"
        python3 "$root/experiments/tools/clusters.py" "$cl" "homo-4-${bw}mbps" 4 "$bw" 0.2 \
            "$root/profiles/cpu-avx512-2t.json"
        for model in resnet50 vgg16; do
            exp_note "$model on 4 ESs at $bw Mbps, every method as a stream"
            exp_stream_methods "$rows" "$model,$bw,homo-4-${bw}mbps," "$model" "$cl" --objective throughput
        done
    done
    exp_rows_sorted "$csv" "model,bandwidth_mbps,cluster,method,objective,latency_1_ms,period_ms,throughput_fps,rate_fps,p50_ms,p99_ms,feasible,es_used" "$rows" "-k1,1 -k4,4 -k2,2n" predicted
    exp_plot throughput_vs_bandwidth
}
