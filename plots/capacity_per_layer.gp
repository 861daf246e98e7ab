# Figure 4: (a) achieved GFLOP/s of every conv and linear layer of ResNet-50 and VGG-16, grouped by
# layer class, on the six measured CPU platforms, beside each profile's fitted class capacity;
# (b) FLOPs vs measured median time per layer (log-log) with the fitted lines. Where a profile has
# measured ceilings, panel (a) draws its peak (FMA kernel, solid) and its sgemm (dashed).
# Data: results/capacity_per_layer.csv (experiments/specs/capacity_per_layer.sh).
load 'plots/style.gp'
set datafile columnheaders

plats = 'cpu-avx512-2t cpu-avx512-1t cpu-avx2-2t cpu-avx2-1t cpu-sse41-2t cpu-sse41-1t'
# when the profiles were measured (not this run): their dates and commits, read from the CSV
pdates = system(sprintf("awk -F, 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} {d=substr($h[\"profile_date\"],1,16); c[$h[\"profile_commit\"]]=1; if(lo==\"\"||d<lo)lo=d; if(d>hi)hi=d} END{s=\"\"; for(k in c)s=s (s==\"\"?\"\":\" \") k; printf \"%%s..%%s, commit %%s\", lo, substr(hi,12), s}' '%s'", csv))
eval basis("MEASURED by halo profile on the reference CPU, not this host (oneDNN cpu backend, monotonic clock, median of 3 rounds); FLOP = 2 MAC")

# the ceilings per platform (NaN where a profile has none): the first row of each platform
array peak[6]
array sgemm[6]
ceil_of(p, col) = system(sprintf("awk -F, -v p=%d -v c=%s 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $h[\"platform_idx\"]==p{printf \"%%s\", $h[c]; exit}' '%s'", p, col, csv))
have_ceil = 0
top = 300
do for [p = 1:6] {
    s = ceil_of(p, 'peak_gflops')
    peak[p] = s eq '' ? NaN : real(s)
    s = ceil_of(p, 'sgemm_gflops')
    sgemm[p] = s eq '' ? NaN : real(s)
    if (peak[p] == peak[p]) { have_ceil = 1; top = peak[p] * 1.3 > top ? peak[p] * 1.3 : top }
}

set multiplot title sprintf("Per-layer capacity of the six reference CPU platforms (ResNet-50 and VGG-16, 224x224)\n{/*0.75 %s under three oneDNN ISA caps x 2 or 1 threads (the committed reference profiles)}\n{/*0.75 measured %s, before this run}", ref_cpu, pdates) font ',10'
set bmargin at screen 0.30
set tmargin at screen 0.83
unset key

# (a) grouped by class: conv3x3, conv1x1, conv_strided, linear (depthwise: no such layer here)
gx(c) = c == 5 ? 4 : c
jit(l) = ((int(l) * 37) % 11 - 5) * 0.005
px(p) = (p - 3.5) * 0.13
sel(p, m) = (column('platform_idx') == p && strcol('model') eq m) ? gx(column('class_idx')) + px(p) + jit(column('layer')) : NaN
fitx(p) = column('platform_idx') == p ? gx(column('class_idx')) + px(p) - 0.055 : NaN
set lmargin at screen 0.085
set rmargin at screen 0.475
set title (have_ceil ? '(a) GFLOP/s per layer; bars: fitted capacity; lines: peak, sgemm' \
    : '(a) achieved GFLOP/s per layer; bar = fitted class capacity') font ',8' offset 0,-0.6
set logscale y
set yrange [3:top]
set ytics (3, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000)
set mytics 1
set xrange [0.45:4.55]
set xtics ('3x3 conv' 1, '1x1 conv' 2, 'strided conv' 3, 'linear (FC)' 4) font ',7'
set mxtics 1
set grid noxtics ytics
set xlabel 'layer class (points: one per layer, platforms side by side)' font ',7'
set ylabel 'GFLOP/s (measured; FLOP = 2 MAC)'
plot for [p=1:6] csv using (sel(p, 'resnet50')):(column('gflops')) with points pt 7 ps 0.35 lc rgb series_color(p) notitle, \
     for [p=1:6] csv using (sel(p, 'vgg16')):(column('gflops')) with points pt 8 ps 0.45 lc rgb series_color(p) notitle, \
     for [p=1:6] csv using (fitx(p)):(column('fit_gflops')):(0.11):(0) with vectors nohead lw 2.5 lc rgb series_color(p) notitle, \
     for [p=1:6] peak[p] with lines lw 1 lc rgb series_color(p) notitle, \
     for [p=1:6] sgemm[p] with lines lw 1 dt 2 lc rgb series_color(p) notitle

# (b) FLOPs vs median time, log-log; lines: the class fits (overhead + FLOPs / capacity)
unset label 99
selb(p) = column('platform_idx') == p ? column('flops') : NaN
selfit(p, c) = (column('platform_idx') == p && column('class_idx') == c) ? column('flops') : NaN
set lmargin at screen 0.585
set rmargin at screen 0.98
set title '(b) time per layer: median, bar min..p90; lines: fits' font ',8'
set logscale xy
set xrange [2e6:1e10]
set yrange [0.1:400]
set format x '10^{%L}'
set xtics autofreq font ',8'
set ytics ('0.1' 0.1, '1' 1, '10' 10, '100' 100)
set grid xtics ytics
set xlabel 'FLOPs per layer (FLOP = 2 MAC)' font ',9'
set ylabel 'median time (ms, measured)'
plot for [p=1:6] for [c in '1 2 3 5'] csv using (selfit(p, c + 0)):(column('fit_ms')) with lines lw 0.8 lc rgb series_color(p) notitle, \
     for [p=1:6] csv using (selb(p)):(column('time_median_ms')):(column('time_min_ms')):(column('time_p90_ms')) \
        with yerrorbars pt 7 ps 0.3 lw 0.5 lc rgb series_color(p) notitle

# the key, shared by both panels, below them
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.19
set bmargin at screen 0.045
unset title
unset border
unset tics
unset xlabel
unset ylabel
unset grid
unset logscale
set xrange [0:1]
set yrange [0:1]
set key center center vertical maxrows 3 Left reverse width 1 samplen 2 noopaque nobox font ',7'
plot for [p=1:6] NaN with linespoints pt 7 ps 0.5 lw 1 lc rgb series_color(p) title word(plats, p), \
     NaN with points pt 7 ps 0.5 lc rgb '#444444' title 'ResNet-50 layer', \
     NaN with points pt 8 ps 0.6 lc rgb '#444444' title 'VGG-16 layer', \
     NaN with lines lw 2.5 lc rgb '#444444' title 'fitted class capacity / fit'
unset multiplot
