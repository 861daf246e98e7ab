# Figure 5: speedup ratio of platform B over platform A predicted by `halo predict` (FLOPs and
# fitted class capacity) vs measured (ratio of the profiles' median latencies), every ordered pair
# of the six measured CPU platforms, ResNet-50 and VGG-16; y = x and a +-10 % band.
# Data: results/predicted_vs_measured_speedup.csv (experiments/specs/predicted_vs_measured_speedup.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("PREDICTED by halo predict (FLOPs = 2 MAC / fitted capacity) vs MEASURED median latencies of halo profile (oneDNN cpu, monotonic clock)")

# median and max |error| per model, out of sample (what the key says)
stats_err(m) = sprintf("stats csv using ((strcol('model') eq '%s' && strcol('fit') eq 'out_of_sample') ? abs(column('err_pct')) : NaN) nooutput", m)
eval stats_err('resnet50')
r_med = STATS_median; r_max = STATS_max
eval stats_err('vgg16')
v_med = STATS_median; v_max = STATS_max
stats csv using (strcol('fit') eq 'in_sample' ? 1 : 0) nooutput
have_in = STATS_sum > 0
if (have_in) {
    stats csv using (strcol('fit') eq 'in_sample' ? abs(column('err_pct')) : NaN) nooutput
    i_med = STATS_median; i_max = STATS_max
}

set title "Speedup of platform B over A: predicted vs measured\n{/*0.8 30 ordered pairs of the 6 measured CPU platforms (AVX-512, AVX2, SSE4.1 x 2, 1 threads), 224x224}" font ',10'
set logscale xy
set xrange [0.05:20]
set yrange [0.05:20]
set size ratio -1
set xtics ('0.05' 0.05, '0.1' 0.1, '0.2' 0.2, '0.5' 0.5, '1' 1, '2' 2, '5' 5, '10' 10, '20' 20)
set ytics ('0.05' 0.05, '0.1' 0.1, '0.2' 0.2, '0.5' 0.5, '1' 1, '2' 2, '5' 5, '10' 10, '20' 20)
set mxtics 1
set mytics 1
set xlabel 'measured ratio t_A / t_B (median latencies, from the profiles)'
set ylabel 'predicted ratio (halo predict)'
set key top left vertical Left reverse width -1 samplen 1.5 box opaque font ',7'
errs = sprintf("|predicted / measured - 1|, out of sample:\nResNet-50 median %.1f %%, max %.1f %%\nVGG-16 median %.1f %%, max %.1f %%", r_med, r_max, v_med, v_max)
if (have_in) errs = errs . sprintf("\nin sample (both): median %.1f %%, max %.1f %%", i_med, i_max)
errs = errs . "\n(datasheet GPU profiles: not measured, left out)"
set label 1 errs at graph 0.97, graph 0.30 right font ',7' front
set samples 200

sel(m, f) = (strcol('model') eq m && strcol('fit') eq f) ? column('measured_ratio') : NaN
plot '+' using 1:(0.9 * $1):(1.1 * $1) with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder title '{/Symbol \261}10 %', \
     x with lines lw 0.8 lc rgb '#555555' dt 2 title 'y = x', \
     csv using (sel('resnet50', 'in_sample')):(column('pred_ratio')) with points pt 6 ps 0.7 lc rgb '#8fbfe0' \
        title (have_in ? 'ResNet-50, in sample' : ''), \
     csv using (sel('vgg16', 'in_sample')):(column('pred_ratio')) with points pt 8 ps 0.7 lc rgb '#f0a0a0' \
        title (have_in ? 'VGG-16, in sample' : ''), \
     csv using (sel('resnet50', 'out_of_sample')):(column('pred_ratio')) with points pt 7 ps 0.6 lc rgb series_color(1) \
        title 'ResNet-50, out of sample', \
     csv using (sel('vgg16', 'out_of_sample')):(column('pred_ratio')) with points pt 9 ps 0.7 lc rgb series_color(2) \
        title 'VGG-16, out of sample'
