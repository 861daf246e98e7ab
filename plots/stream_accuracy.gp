# Streams: runtime-measured steady-state throughput (halo run --frames on the VIRTUAL clock: real
# compute on this machine, one ES at a time, the cost model replayed with the measured durations)
# vs the cost model's prediction for the same arrivals, every method; ResNet-50 (left), VGG-16
# (right). Data: results/stream_accuracy.csv (experiments/specs/stream_accuracy.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("MEASURED by halo run --frames on the VIRTUAL clock (oneDNN cpu backend, real compute, emulated links) vs PREDICTED by the cost model")

stats csv using (abs(column('throughput_err_pct'))) nooutput
e_med = STATS_median
stats csv using (column('frames')) nooutput
frames = STATS_max
stats csv using (column('verified_frames')) nooutput
verified = STATS_sum
stats csv using (column('throughput_fps')) nooutput
lo = STATS_min
hi = STATS_max
stats csv using (column('pred_throughput_fps')) nooutput
lo = (STATS_min < lo ? STATS_min : lo) / 1.3
hi = (STATS_max > hi ? STATS_max : hi) * 1.3
stats csv using (strcol('model') eq 'resnet50' ? 1 : 0) nooutput
have1 = STATS_sum
stats csv using (strcol('model') eq 'vgg16' ? 1 : 0) nooutput
have2 = STATS_sum

set multiplot title sprintf("Streams: runtime-measured vs predicted steady-state throughput (224x224, as fast as possible)\n{/*0.75 |measured / predicted - 1|: median %.1f %% (target 10 %%); %d frames per plan, %d frames verified}", e_med, frames, verified) font ',10'
set logscale xy
set xrange [lo:hi]
set yrange [lo:hi]
set xtics font ',8'
set ytics font ',8'
set xlabel 'predicted throughput (frames/s, cost model)' font ',8'
set ylabel 'measured throughput (frames/s, virtual clock)' font ',8'
set bmargin at screen 0.33
set tmargin at screen 0.81
unset key
set samples 100

sel(model, m) = (strcol('model') eq model && strcol('method') eq m) ? column('pred_throughput_fps') : NaN
band = "'+' using 1:(0.9 * $1):(1.1 * $1) with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder notitle, x with lines lw 0.8 lc rgb '#555555' dt 2 notitle"
mtitle(model) = model eq 'resnet50' ? 'ResNet-50' : model eq 'vgg16' ? 'VGG-16' : model

do for [panel=1:2] {
    model = word('resnet50 vgg16', panel)
    have = panel == 1 ? have1 : have2
    if (panel == 1) { set lmargin at screen 0.09; set rmargin at screen 0.49 }
    if (panel == 2) { set lmargin at screen 0.58; set rmargin at screen 0.98 }
    set title mtitle(model) offset 0,-0.6
    if (have > 0) {
        unset label 2
        plot @band, \
            for [m in methods] csv using (sel(model, m)):(column('throughput_fps')) \
                with points lc rgb method_color(m) pt method_point(m) ps 0.7 notitle
    } else {
        set label 2 sprintf('%s not run (--quick)', mtitle(model)) at graph 0.5, graph 0.85 center font ',8'
        plot @band
    }
}

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
     NaN with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder title 'y = x {/Symbol \261}10 %'
unset multiplot
