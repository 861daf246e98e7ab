# Streams under fading: P(a frame misses its deadline) vs frame rate on homo-8-rayleigh, every
# method, SIMULATED by halo sim --fps; bars: 95 % Wilson intervals (optimistic: a stream's frames
# are correlated). ResNet-50 (left, 200 ms), VGG-16 (right, 600 ms).
# Data: results/deadline_miss_vs_fps.csv (experiments/specs/deadline_miss_vs_fps.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("SIMULATED: halo sim --fps, streams over the cost model with Rayleigh-faded link rates per frame; measured CPU profiles")

stats csv using (column('frames')) name 'F' nooutput
set multiplot title sprintf("Deadline misses vs frame rate, Rayleigh fading (8 CPU ESs; %d frames per point)", int(F_max)) font ',10'
set logscale x
set xrange [0.8:80]
set yrange [-0.02:1.02]
set ytics 0.2
set xlabel 'frame rate (frames/s, periodic arrivals)'
set ylabel 'P(latency > deadline)'
set bmargin at screen 0.33
set tmargin at screen 0.88
unset key

sel(model, m) = (strcol('model') eq model && strcol('method') eq m && strcol('fps') ne 'max') ? column('fps') : NaN

set lmargin at screen 0.105
set rmargin at screen 0.49
set title 'ResNet-50, deadline 200 ms' offset 0,-0.6
plot for [m in drawn] csv using (sel('resnet50', m)):(column('p_miss')):(column('ci_lo')):(column('ci_hi')) with yerrorlines \
    lw lw(m) lc rgb method_color(m) pt method_point(m) ps 0.7 notitle

unset label 99
set lmargin at screen 0.58
set rmargin at screen 0.98
set ylabel ''
set title 'VGG-16, deadline 600 ms'
plot for [m in drawn] csv using (sel('vgg16', m)):(column('p_miss')):(column('ci_lo')):(column('ci_hi')) with yerrorlines \
    lw lw(m) lc rgb method_color(m) pt method_point(m) ps 0.7 notitle

# the key, shared by both panels, in a plot of its own below them
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
set key center center vertical maxrows key_rows Left reverse width 2 samplen 2.5 noopaque nobox
plot for [m in methods] NaN with linespoints lw lw(m) lc rgb method_color(m) pt method_point(m) ps 0.8 title method_title(m)
unset multiplot
