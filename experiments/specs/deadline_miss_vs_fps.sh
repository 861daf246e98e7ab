# Streams under fading: the probability that a frame misses its deadline vs the frame rate, per
# method, on profiles/clusters/homo-8-rayleigh.json (8 identical measured ESs, Rayleigh block
# fading, W = 40 MHz, mean SNR 20 dB per access link). `halo sim --fps`: per method and rate a
# stream of 1000 frames (--quick: 200) arriving periodically, at most 2 per computing ES in flight,
# frame f with its own link rates (draw f of seed 1, the same for every method), queueing behind
# slower frames; planners plan for the lowest latency that sustains the rate (their nominal links).
# Deadline: 200 ms (ResNet-50), 600 ms (VGG-16); 95 % Wilson intervals (optimistic: a stream's
# frames are not independent). Swept: every method of halo's registry; rates below. Models:
# ResNet-50 and VGG-16 at 224x224. --quick: 3 rates, 200 frames. kind = simulated.
SPEC_TITLE="Deadline-miss probability vs frame rate under Rayleigh fading, every method (simulated)"

spec_run()
{
    local csv model rates deadline frames sim
    csv="$results/deadline_miss_vs_fps.csv"
    frames=1000
    [ "$quick" = 1 ] && frames=200
    exp_csv_begin "$csv" "model,method,fps,deadline_ms,frames,misses,p_miss,ci_lo,ci_hi,throughput_fps,p50_ms,p99_ms"
    for model in resnet50 vgg16; do
        if [ "$model" = resnet50 ]; then
            deadline=200 rates="2,5,10,15,20,25,30,40,60"
            [ "$quick" = 1 ] && rates="5,15,40"
        else
            deadline=600 rates="1,2,4,6,8,10,12,16,20"
            [ "$quick" = 1 ] && rates="2,6,16"
        fi
        exp_note "$model: every method at $rates frames/s, $frames frames each, deadline $deadline ms"
        sim="$work/stream_sim_$model.json"
        "$halo" sim "$model" --cluster "$root/profiles/clusters/homo-8-rayleigh.json" --deadline-ms "$deadline" \
            --method "$exp_methods_csv" --fps "$rates" --frames "$frames" --seed 1 --format json >"$sim"
        python3 "$root/experiments/tools/stream_sim.py" "$sim" >"$sim.rows"
        while IFS= read -r row; do
            exp_row "$csv" "$row" simulated none none
        done <"$sim.rows"
    done
    exp_plot deadline_miss_vs_fps
}
