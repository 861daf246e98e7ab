# Figure 5: speedup ratio of platform B over platform A by three predictors side by side — (a)
# DPFP's analytical model (`halo predict`: FLOPs and fitted class capacity), (b) the ratio of the
# platforms' peak FLOP/s, (c) a roofline from each platform's measured ceilings alone — against the
# measured ratio of the profiles' median latencies: every ordered pair of the six committed CPU
# reference platforms (ISA pairs, filled; one CPU, named by ref_cpu), of the six of another CPU kept
# in profiles/<cpu>/ where there are (isa_other: squares and diamonds), and of each of them with
# this host (cross-CPU pairs, open; host_cpu);
# ResNet-50 and VGG-16; y = x and a +-10 % band. A panel whose profiles have no ceilings says so.
# Data: results/predicted_vs_measured_speedup.csv (experiments/specs/predicted_vs_measured_speedup.sh).
load 'plots/style.gp'
set datafile columnheaders
if (term eq 'pdf') set terminal pdfcairo enhanced color font 'DejaVu Sans,9' size 9in,3.6in linewidth 1.5
if (term eq 'png') set terminal pngcairo enhanced color font 'DejaVu Sans,9' size 1650,660 linewidth 1.5
if (term eq 'svg') set terminal svg enhanced font 'DejaVu Sans,9' size 1240,500 linewidth 1.5 background '#ffffff'
set output out
eval basis("PREDICTED by halo predict vs MEASURED median latencies of halo profile (oneDNN cpu, monotonic clock); FLOP = 2 MAC")

# a CSV without the pair_kind column (older runs) is all ISA pairs
kind(k) = strcol('pair_kind') eq '' ? (k eq 'isa') : strcol('pair_kind') eq k
# median and max |error| of one predictor's error column, out of sample, over one kind of pairs, and
# how many pairs have one
err_stats(col, k) = sprintf("stats csv using (strcol('fit') eq 'out_of_sample' && kind('%s') && strcol('%s') ne '' ? abs(column('%s')) : NaN) nooutput", k, col, col)
have_in = 0
stats csv using (strcol('fit') eq 'in_sample' ? 1 : 0) nooutput
have_in = STATS_sum > 0
ratio_cols = 'pred_ratio peak_ratio roofline_ratio'
err_cols = 'err_pct peak_err_pct roofline_err_pct'
# the errors per predictor and kind of pairs, before any range is set: stats honours the ranges, and
# an error above 20 % would fall outside the axes' [0.05:20] and out of the median and the max
array err_txt[3]
kind_name(k) = k eq 'isa' ? 'ISA pairs' : k eq 'isa_other' ? 'ISA pairs, other CPU' : 'cross-CPU pairs'
do for [i = 1:3] {
    err_txt[i] = ''
    do for [k in 'isa isa_other cross_cpu'] {
        undefine STATS_*
        eval err_stats(word(err_cols, i), k)  # no valid point (no ceilings) leaves STATS_records undefined
        n_err = exists("STATS_records") ? STATS_records : 0  # the valid points (invalid ones are counted apart)
        if (n_err > 0) {
            err_txt[i] = err_txt[i] . sprintf("\n%s: median %.1f %%, max %.1f %% (%d pairs)", kind_name(k), STATS_median, STATS_max, n_err)
        }
    }
}

set multiplot layout 1, 3 title sprintf("Speedup of platform B over A: three predictors vs the measured ratio (224x224)\n{/*0.8 ISA pairs (filled): the 6 reference platforms of one %s, oneDNN capped at AVX-512, AVX2 or SSE4.1, 2 or 1 threads}\n{/*0.8 squares and diamonds: ISA pairs of another CPU's six (profiles/<cpu>/, with ceilings), where kept; cross-CPU pairs (open): each with this host's own profile, %s%s}", ref_cpu, host_cpu, quick ? ' (--quick: 2 models, so out of sample each is fitted from the other alone)' : '') font ',10'
set logscale xy
set xrange [0.05:20]
set yrange [0.05:20]
set size ratio -1
set xtics ('0.05' 0.05, '0.1' 0.1, '0.2' 0.2, '0.5' 0.5, '1' 1, '2' 2, '5' 5, '10' 10, '20' 20) font ',7'
set ytics ('0.05' 0.05, '0.1' 0.1, '0.2' 0.2, '0.5' 0.5, '1' 1, '2' 2, '5' 5, '10' 10, '20' 20) font ',7'
set mxtics 1
set mytics 1
set xlabel 'measured ratio t_A / t_B' font ',8'
set ylabel 'predicted ratio' font ',8'
set key top left vertical Left reverse width -1 samplen 1 box opaque font ',6'
set samples 200

titles = "(a) DPFP: FLOPs / effective capacity|(b) peak FLOP/s ratio|(c) roofline from the ceilings alone"
panel_title(i) = system(sprintf("echo '%s' | cut -d'|' -f%d", titles, i))
pt_of(m, k) = k eq 'isa_other' ? (m eq 'resnet50' ? 5 : 13) : (m eq 'resnet50' ? 7 : 9) - (k eq 'cross_cpu' ? 1 : 0)
sel(m, k, f, rc) = (strcol('model') eq m && kind(k) && strcol('fit') eq f && strcol(rc) ne '') ? column('measured_ratio') : NaN
do for [i = 1:3] {
    rc = word(ratio_cols, i)
    set title panel_title(i) font ',9'
    unset label 1
    if (err_txt[i] ne '') {
        set label 1 "|predicted / measured - 1|, out of sample:".err_txt[i] at graph 0.97, graph 0.17 right font ',7' front
    } else {
        set label 1 "no ceilings in these profiles:\nre-measure them (profiles/README.md)" at graph 0.5, graph 0.5 center font ',8' tc rgb '#aa0000' front
    }
    plot '+' using 1:(0.9 * $1):(1.1 * $1) with filledcurves fc rgb '#e6e6e6' fs solid 1.0 noborder title '{/Symbol \261}10 %', \
         x with lines lw 0.8 lc rgb '#555555' dt 2 title 'y = x', \
         csv using (i == 1 && have_in ? sel('resnet50', 'isa', 'in_sample', rc) : NaN):(column(rc)) with points pt 6 ps 0.6 lc rgb '#8fbfe0' \
            title (i == 1 && have_in ? 'ResNet-50, in sample' : ''), \
         csv using (i == 1 && have_in ? sel('vgg16', 'isa', 'in_sample', rc) : NaN):(column(rc)) with points pt 8 ps 0.6 lc rgb '#f0a0a0' \
            title (i == 1 && have_in ? 'VGG-16, in sample' : ''), \
         for [m in 'resnet50 vgg16'] for [k in 'isa isa_other cross_cpu'] csv using (sel(m, k, 'out_of_sample', rc)):(column(rc)) \
            with points pt pt_of(m, k) ps 0.6 lc rgb series_color(m eq 'resnet50' ? 1 : 2) \
            title sprintf('%s, %s', m eq 'resnet50' ? 'ResNet-50' : 'VGG-16', kind_name(k))
    unset label 99
}
unset multiplot
