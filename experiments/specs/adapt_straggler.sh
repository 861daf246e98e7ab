# A straggler: work per ES over time and latency per frame, static vs adaptive. ResNet-50 at
# 224x224 on profiles/clusters/homo-4-fast.json (4 identical measured CPU ESs, 1000 Mbps LAN), 20
# frames/s periodic for 40 s, deadline 70 ms; es3 computes 2x slower from 10 s to 30 s
# (--straggler es3:2@10-30). `halo sim --adapt`: the cost model's stream on DPFP's plan throughout
# (static) and re-planned by halo's controller (as adapt_links, but a gain of 5 % suffices:
# --adapt-gain 0.05; at the default 10 % es3 does not win its work back, 3 ESs being only 6 % slower
# than 4 here). Work: each ES's share of the MACs of the plan a frame runs. Methods: DPFP only.
# kind = simulated.
SPEC_TITLE="Work per ES and latency per frame with a straggler, static vs adaptive re-planning (simulated)"

spec_run()
{
    local csv raw
    csv="$results/adapt_straggler.csv"
    raw="$work/adapt_straggler.raw.csv"
    exp_csv_begin "$csv" "mode,frame,time_s,latency_ms,deadline_ms,replan,es1_work,es2_work,es3_work,es4_work,es3_speed"
    exp_note "resnet50 on homo-4-fast, 20 frames/s for 40 s, es3 2x slower from 10 s to 30 s"
    "$halo" sim resnet50 --cluster "$root/profiles/clusters/homo-4-fast.json" --adapt --fps 20 --frames 800 \
        --deadline-ms 70 --straggler es3:2@10-30 --adapt-gain 0.05 --format csv >"$raw"
    python3 "$root/experiments/tools/adapt_rows.py" "$raw" es1_work es2_work es3_work es4_work es3_speed >"$raw.rows"
    while IFS= read -r row; do
        exp_row "$csv" "$row" simulated none none
    done <"$raw.rows"
    exp_plot adapt_straggler
}
