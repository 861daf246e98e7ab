# Links that change during a stream: latency per frame over time, static vs adaptive, with the
# links' rates underneath. ResNet-50 at 224x224 on profiles/clusters/homo-4-fast.json (4 identical
# measured CPU ESs, 1000 Mbps LAN), 25 frames/s periodic for 40 s (--quick: the same; it takes
# seconds), deadline 70 ms; profiles/traces/halve-two.csv halves es1's and es2's links from 10 s to
# 30 s. `halo sim --adapt`: the cost model's stream on DPFP's plan throughout (static), and
# re-planned by halo's controller (EWMA estimates from each frame's step and link times; DPFP on the
# estimates; gain >= 10 % held 3 checks, 2 s apart at least, urgent when the plan in use got 1.5x
# worse). Methods: DPFP only. kind = simulated.
SPEC_TITLE="Latency per frame under a link trace, static vs adaptive re-planning (simulated)"

spec_run()
{
    local csv raw
    csv="$results/adapt_links.csv"
    raw="$work/adapt_links.raw.csv"
    exp_csv_begin "$csv" "mode,frame,time_s,latency_ms,deadline_ms,replan,es1_mbps,es2_mbps,es3_mbps,es4_mbps"
    exp_note "resnet50 on homo-4-fast, 25 frames/s for 40 s, es1 and es2 at half rate from 10 s to 30 s"
    "$halo" sim resnet50 --cluster "$root/profiles/clusters/homo-4-fast.json" --adapt --fps 25 --frames 1000 \
        --deadline-ms 70 --link-trace "$root/profiles/traces/halve-two.csv" --format csv >"$raw"
    python3 "$root/experiments/tools/adapt_rows.py" "$raw" es1_mbps es2_mbps es3_mbps es4_mbps >"$raw.rows"
    while IFS= read -r row; do
        exp_row "$csv" "$row" simulated none none
    done <"$raw.rows"
    exp_plot adapt_links
}
