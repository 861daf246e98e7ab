# Link models against real TCP over tbf-shaped links (namespace hosts on this machine, halo run on
# the wall clock): measured latency vs each link model's latency, every method's plan. Left: the
# plan's prediction (the model with the profile's compute); right: the model replayed with the
# compute durations and message sizes measured in each inference (the links' own share of the
# error). Blue circles: fifo; red triangles: fair share; green squares: tcp (one in-order stream per
# pair). Points: median of the timed inferences. The title also gives fifo's median over the
# transfer-bound plans (compute summed over the devices < half the predicted latency).
# Data: results/link_model_accuracy.csv (experiments/specs/link_model_accuracy.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("MEASURED by halo run on the WALL clock over tbf-shaped TCP links between network namespaces vs the link models")

stats csv using (column('repeat')) nooutput
reps = STATS_max
measured = reps > 0
if (measured) {
    stats csv using (strcol('link_model') eq 'fifo' ? abs(column('err_pct')) : NaN) nooutput
    f_plan = STATS_median
    stats csv using (strcol('link_model') eq 'fair' ? abs(column('err_pct')) : NaN) nooutput
    s_plan = STATS_median
    stats csv using (strcol('link_model') eq 'tcp' ? abs(column('err_pct')) : NaN) nooutput
    t_plan = STATS_median
    stats csv using (strcol('link_model') eq 'fifo' && column('pred_compute_ms') < 0.5 * column('pred_latency_ms') ? abs(column('err_pct')) : NaN) nooutput
    f_tb = STATS_median
    stats csv using (strcol('link_model') eq 'fifo' ? abs(column('replay_err_pct')) : NaN) nooutput
    f_rep = STATS_median
    stats csv using (strcol('link_model') eq 'tcp' ? abs(column('replay_err_pct')) : NaN) nooutput
    t_rep = STATS_median
    stats csv using (strcol('link_model') eq 'fair' ? abs(column('replay_err_pct')) : NaN) nooutput
    s_rep = STATS_median
    stats csv using (abs(column('compute_err_pct'))) nooutput
    c_med = STATS_median
    stats csv using (column('latency_ms')) nooutput
    lo = STATS_min
    hi = STATS_max
    stats csv using (column('host_load_1min')) nooutput
    load_lo = STATS_min
    load_hi = STATS_max
} else {
    lo = 1
    hi = 1
}
stats csv using (column('pred_latency_ms')) nooutput
lo = (STATS_min < lo ? STATS_min : lo) / 1.3
hi = (STATS_max > hi ? STATS_max : hi) * 1.3
stats csv using (column('bandwidth_mbps')) nooutput
bw_lo = STATS_min
bw_hi = STATS_max
stats csv using (column('hosts')) nooutput
h_lo = STATS_min
h_hi = STATS_max

if (measured) {
    set multiplot title sprintf("Link models vs TCP over tbf-shaped links: %d..%d hosts, %g..%g Mbit/s, every method\n{/*0.75 median |measured / model - 1|: fifo %.1f %% (plan; transfer-bound plans %.1f %%), %.1f %% (replay); fair %.1f %%, %.1f %%; tcp %.1f %%, %.1f %%}\n{/*0.75 compute vs profile %.1f %%; %d timed inference(s) per plan, 1 thread per rank, %s, host load %.1f..%.1f}", h_lo, h_hi, bw_lo, bw_hi, f_plan, f_tb, f_rep, s_plan, s_rep, t_plan, t_rep, c_med, reps, host_cpu, load_lo, load_hi) font ',10'
} else {
    set multiplot title sprintf("Link models (NOT MEASURED: the testbed needs root, namespaces, tc tbf)\n{/*0.75 the plans' predictions only: %d..%d hosts, %g..%g Mbit/s}", h_lo, h_hi, bw_lo, bw_hi) font ',10'
}
set logscale xy
set xrange [lo:hi]
set yrange [lo:hi]
tl = "('5' 5, '10' 10, '20' 20, '50' 50, '100' 100, '200' 200, '500' 500, '1k' 1000, '2k' 2000, '5k' 5000, '10k' 10000)"
set xtics @tl
set ytics @tl
set mxtics 1
set mytics 1
set xtics font ',8'
set ytics font ',8'
set ylabel 'measured latency (ms, wall clock)' font ',8'
set bmargin at screen 0.24
set tmargin at screen 0.77
unset key
set samples 100
band = "'+' using 1:(0.9 * $1):(1.1 * $1) with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder notitle, x with lines lw 0.8 lc rgb '#555555' dt 2 notitle"
sel(lm, col) = strcol('link_model') eq lm ? column(col) : NaN

do for [panel=1:2] {
    col = panel == 1 ? 'pred_latency_ms' : 'replay_latency_ms'
    if (panel == 1) { set lmargin at screen 0.09; set rmargin at screen 0.49; set title 'prediction (the profile compute)' offset 0,-0.6 font ',9' }
    if (panel == 2) { unset label 99; set lmargin at screen 0.58; set rmargin at screen 0.98; set title 'replay (measured compute)' offset 0,-0.6 font ',9' }
    set xlabel (panel == 1 ? 'predicted latency (ms)' : 'model with the measured compute (ms)') font ',8'
    if (measured) {
        unset label 2
        plot @band, \
            csv using (sel('fifo', col)):(column('latency_ms')) with points pt 6 ps 0.6 lc rgb '#1f77b4' notitle, \
            csv using (sel('fair', col)):(column('latency_ms')) with points pt 8 ps 0.6 lc rgb '#d62728' notitle, \
            csv using (sel('tcp', col)):(column('latency_ms')) with points pt 4 ps 0.5 lc rgb '#2ca02c' notitle
    } else {
        set label 2 'not measured' at graph 0.5, graph 0.85 center font ',8'
        plot @band
    }
}

unset label 2
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.12
set bmargin at screen 0.03
unset title
unset border
unset tics
unset xlabel
unset ylabel
unset grid
unset logscale
set xrange [0:1]
set yrange [0:1]
set key center center horizontal Left reverse width 2 samplen 2 noopaque nobox font ',7'
plot NaN with points pt 6 ps 0.8 lc rgb '#1f77b4' title 'fifo (one message at a time per link)', \
     NaN with points pt 8 ps 0.8 lc rgb '#d62728' title 'fair share (TCP-like)', \
     NaN with points pt 4 ps 0.8 lc rgb '#2ca02c' title 'tcp (in order per pair)', \
     NaN with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder title 'y = x {/Symbol \261}10 %'
unset multiplot
