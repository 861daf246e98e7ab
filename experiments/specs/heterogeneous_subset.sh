# Figure 3: heterogeneous ESs: DPFP with its ES subset search (--select, the default) vs DPFP on
# every ES (--no-select) vs the best single device (local). Clusters: profiles/clusters/
# hetero-{4,8}-{fast,slow}.json (mixes of the reference ISA-cap x thread platforms, measured on the
# CPU the figure names, not this host: the method's behaviour on fixed platforms;
# fast = 1000 Mbps 0.2 ms, slow = 100 Mbps 2 ms). Models: ResNet-50 and VGG-16 at 224x224. Each
# plan is written with -o and summarised by experiments/tools/plan.py (ESs selected and
# computing, blocks, bytes, redundant MACs). --quick: the same (it takes seconds). kind = predicted.
SPEC_TITLE="Heterogeneous ESs: DPFP with subset selection vs DPFP on all ESs vs the best single device"

spec_run()
{
    local csv cl n model variant flags plan row
    csv="$results/heterogeneous_subset.csv"
    exp_csv_begin "$csv" "model,cluster,n_es,variant,method,latency_ms,local_ms,local_device,speedup,reduction_pct,es_selected,es_computing,computing_devices,n_blocks,bytes_moved,redundant_pct,lossless"
    for cl in hetero-4-fast hetero-4-slow hetero-8-fast hetero-8-slow; do
        n=${cl#hetero-}
        n=${n%%-*}
        for model in resnet50 vgg16; do
            exp_note "$model on $cl: dpfp --select, dpfp --no-select, local"
            for variant in select all local; do
                case "$variant" in
                    select) flags="--method dpfp --select" ;;
                    all) flags="--method dpfp --no-select" ;;
                    local) flags="--method local" ;;
                esac
                plan="$work/${model}_${cl}_$variant.json"
                "$halo" plan "$model" --cluster "$root/profiles/clusters/$cl.json" $flags -o "$plan" >/dev/null
                row=$(python3 "$root/experiments/tools/plan.py" "$plan")
                exp_row "$csv" "$model,$cl,$n,$variant,$row" predicted none none
            done
        done
    done
    exp_plot heterogeneous_subset
}
