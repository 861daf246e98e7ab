# Figure 6: service failure probability P(latency > deadline) vs deadline under Rayleigh block
# fading (profiles/clusters/homo-8-rayleigh.json: 8 identical ESs on the reference profile cpu-avx512-2t, W = 40 MHz, mean SNR
# 20 dB per access link; plans made for the static 300 Mbps fallback). `halo sim`, one plan per
# input size, 95 % Wilson intervals. Swept: deadlines 30 ms .. 4.4 s (24 per decade, log-spaced);
# every method of halo's registry at 224x224; DPFP and local at 320, 416, 512 and a uniform mix of
# 224..512 (step 32).
# Models: ResNet-50 and VGG-16. Draws: 10^4 (--quick: 10^3, 8 deadlines per decade).
# kind = simulated.
SPEC_TITLE="Failure probability vs deadline under Rayleigh fading, per method and image size (simulated)"

spec_run()
{
    local csv draws per_decade deadlines model size label methods sim
    csv="$results/failure_probability.csv"
    draws=10000 per_decade=24
    [ "$quick" = 1 ] && draws=1000 per_decade=8
    deadlines=$(python3 -c "k = $per_decade; print(','.join('%.4g' % (30 * 10 ** (i / k)) for i in range(int(2.17 * k) + 1)))")
    exp_csv_begin "$csv" "model,sizes,size_label,method,deadline_ms,draws,failures,p_fail,ci_lo,ci_hi,p50_ms,p90_ms,p99_ms"
    for model in resnet50 vgg16; do
        for size in 224 320 416 512 224:512:32; do
            label=$(echo "$size" | sed 's/:\([0-9]*\):.*/-\1/')
            methods=$exp_method_proposed,$exp_method_reference
            [ "$size" = 224 ] && methods=$exp_methods_csv
            exp_note "$model, size $label: $draws draws, methods $methods"
            sim="$work/sim_${model}_$label.json"
            "$halo" sim "$model" --cluster "$root/profiles/clusters/homo-8-rayleigh.json" --deadline-ms "$deadlines" \
                --method "$methods" --draws "$draws" --sizes "$size" --seed 1 --format json >"$sim"
            python3 "$root/experiments/tools/sim.py" "$sim" "$label" >"$sim.rows"
            while IFS= read -r row; do
                exp_row "$csv" "$row" simulated none none
            done <"$sim.rows"
        done
    done
    exp_plot failure_probability
}
