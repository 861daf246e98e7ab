# Figure 7: runtime-measured latency (halo run, virtual clock: real compute on this host, links
# emulated at the plan's rates) vs the planner's prediction, every method; ResNet-50 (left),
# VGG-16 (right). Points: median of the timed inferences, bars: min..max. The ESs are priced by
# this host's own profile (pricing = host); the same sweep priced by the reference profile of
# another CPU (pricing = reference) is drawn in grey behind, and its error printed beside.
# Data: results/runtime_accuracy.csv (experiments/specs/runtime_accuracy.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("MEASURED by halo run on the VIRTUAL clock (oneDNN cpu backend, real compute, emulated links) vs PREDICTED by the cost model")

# is_host(_): a row priced by this host's own profile (a CSV from before the pricing column: every row)
is_host(dummy) = strcol('pricing') eq 'host' || strcol('pricing') eq ''
stats csv using (is_host(0) ? abs(column('err_pct')) : NaN) nooutput
e_med = STATS_median
stats csv using (is_host(0) ? abs(column('compute_err_pct')) : NaN) nooutput
c_med = STATS_median
stats csv using (is_host(0) && (column('pred_recv_ms') > 0) ? abs(column('transfer_err_pct')) : NaN) nooutput
x_med = STATS_median
stats csv using (is_host(0) ? 0 : 1) nooutput
n_ref = int(STATS_sum)
ref_txt = ''
if (n_ref > 0) {
    stats csv using (is_host(0) ? NaN : abs(column('err_pct'))) nooutput
    r_med = STATS_median
    stats csv using (is_host(0) ? NaN : column('err_pct')) nooutput
    ref_txt = sprintf("\n{/*0.75 grey x: priced by the reference profile cpu-avx512-2t (%s): median %.1f %%, signed %+.1f %%}", ref_cpu, r_med, abs(STATS_median) < 0.05 ? 0 : STATS_median)
}
stats csv using (column('repeat')) nooutput
reps = STATS_max
# the host's 1-min load average when each configuration started: other work inflates measured compute
stats csv using (column('host_load_1min')) nooutput
load_lo = STATS_min
load_hi = STATS_max
stats csv using (column('host_steal_pct')) nooutput
steal_hi = STATS_max
# the error where the VM lost < 10 % of its CPU time to the hypervisor during the run (quiet host)
stats csv using (is_host(0) && column('host_steal_pct') < 10 ? 1 : 0) nooutput
n_quiet = int(STATS_sum)
if (n_quiet > 0) {
    stats csv using (is_host(0) && column('host_steal_pct') < 10 ? abs(column('err_pct')) : NaN) nooutput
    q_med = STATS_median
    quiet_txt = sprintf('; steal < 10 %%: median %.1f %% (%d plans)', q_med, n_quiet)
} else {
    quiet_txt = ''
}
stats csv using (column('latency_min_ms')) nooutput
lo = STATS_min
stats csv using (column('latency_max_ms')) nooutput
hi = STATS_max
stats csv using (column('pred_latency_ms')) nooutput
lo = (STATS_min < lo ? STATS_min : lo) / 1.3
hi = (STATS_max > hi ? STATS_max : hi) * 1.3
# which panels have data (before any range is set: stats honours it)
stats csv using (strcol('model') eq 'resnet50' ? 1 : 0) nooutput
have1 = STATS_sum
stats csv using (strcol('model') eq 'vgg16' ? 1 : 0) nooutput
have2 = STATS_sum

set multiplot title sprintf("Runtime-measured vs predicted latency (224x224), ESs priced by this host's own profile\n{/*0.75 %s: |measured / predicted - 1| median %.1f %% (compute summed over ESs %.1f %%, transfer %.2f %%)}%s\n{/*0.75 %d timed inference(s) per plan; host load %.1f..%.1f, VM steal up to %.0f %% (both inflate compute)%s}", host_cpu, e_med, c_med, x_med, ref_txt, reps, load_lo, load_hi, steal_hi, quiet_txt) font ',10'
set logscale xy
set xrange [lo:hi]
set yrange [lo:hi]
tl = "('10' 10, '20' 20, '30' 30, '50' 50, '100' 100, '200' 200, '300' 300, '500' 500, '1k' 1000, '2k' 2000, '3k' 3000, '5k' 5000, '10k' 10000)"
set xtics @tl
set ytics @tl
set mxtics 1
set mytics 1
set xtics font ',8'
set ytics font ',8'
set xlabel 'predicted latency (ms, cost model)' font ',8'
set ylabel 'measured latency (ms, virtual clock)' font ',8'
set bmargin at screen 0.33
set tmargin at screen (n_ref > 0 ? 0.77 : 0.81)
unset key
set samples 100

sel(model, m) = (is_host(0) && strcol('model') eq model && strcol('method') eq m) ? column('pred_latency_ms') : NaN
ref(model) = (!is_host(0) && strcol('model') eq model) ? column('pred_latency_ms') : NaN
band = "'+' using 1:(0.9 * $1):(1.1 * $1) with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder notitle, x with lines lw 0.8 lc rgb '#555555' dt 2 notitle"
mtitle(model) = model eq 'resnet50' ? 'ResNet-50' : model eq 'vgg16' ? 'VGG-16' : model

do for [panel=1:2] {
    model = word('resnet50 vgg16', panel)
    have = panel == 1 ? have1 : have2
    if (panel == 1) { set lmargin at screen 0.09; set rmargin at screen 0.49 }
    if (panel == 2) { unset label 99; set lmargin at screen 0.58; set rmargin at screen 0.98 }
    set title mtitle(model) offset 0,-0.6
    if (have > 0) {
        unset label 2
        plot @band, \
            csv using (ref(model)):(column('latency_ms')) with points pt 2 ps 0.6 lc rgb '#aaaaaa' notitle, \
            for [m in methods] csv using (sel(model, m)):(column('latency_ms')):(column('latency_min_ms')):(column('latency_max_ms')) \
                with yerrorbars lw 0.8 lc rgb method_color(m) pt method_point(m) ps 0.7 notitle
    } else {
        set label 2 sprintf('%s not run (--quick)', mtitle(model)) at graph 0.5, graph 0.85 center font ',8'
        plot @band
    }
}

# the key, shared by both panels, below them
unset label 2
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.21
set bmargin at screen 0.05
unset title
unset border
unset tics
unset xlabel
unset ylabel
unset grid
unset logscale
set xrange [0:1]
set yrange [0:1]
set key center center vertical maxrows 4 Left reverse width 0 samplen 2 noopaque nobox font ',7'
plot for [m in methods] NaN with points lc rgb method_color(m) pt method_point(m) ps 0.8 title method_title(m), \
     NaN with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder title 'y = x {/Symbol \261}10 %', \
     NaN with points pt 2 ps 0.8 lc rgb '#aaaaaa' title (n_ref > 0 ? 'priced by the reference profile' : '')
unset multiplot
