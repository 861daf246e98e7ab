# Figure 1: predicted latency vs number of ESs. Swept: 1..8 identical ESs (cpu-avx512-2t, the
# reference profile, measured on the CPU the figure names, not this host: a figure of the method's
# behaviour, the same on every host) on the fast network (1000 Mbps, 0.2 ms per hop); the 1, 2, 4 and 8
# ES clusters are profiles/clusters/homo-N-fast.json, the 3, 5, 6 and 7 ES ones are written into
# $work by experiments/tools/clusters.py the same way. Methods: every method of the registry (`halo plan
# --method all --deviation 0`; ADCNN is lossy and planned with its stored codec ratio). Models:
# ResNet-50 and VGG-16 at 224x224. --quick: 1, 2, 4 and 8 ESs. kind = predicted.
SPEC_TITLE="Predicted latency vs number of ESs (1-8, 1000 Mbps), every method, ResNet-50 and VGG-16"

spec_run()
{
    local csv rows counts n cl model
    csv="$results/latency_vs_es.csv"
    rows="$work/latency_vs_es.rows"
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
            exp_note "$model on $n ES(s), every method"
            exp_compare_methods "$rows" "$model,$n,homo-$n-fast," "$model" "$cl"
        done
    done
    # one (model, method) series after another, so that gnuplot draws each as one line
    exp_rows_sorted "$csv" "model,n_es,cluster,method,latency_ms,speedup,reduction_pct,bytes_moved,redundant_pct,lossless,es_used" "$rows" "-k1,1 -k4,4 -k2,2n" predicted
    exp_plot latency_vs_es
}
