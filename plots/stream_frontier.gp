# Streams: the latency-throughput frontier on hetero-8-fast. Lines: DPFP and DPFP-stream under the
# latency objective (solid: the lowest latency that sustains each rate) and the throughput
# objective (dashed: the highest rate within each p99 bound); points: every method's own
# throughput and its p99 latency there. ResNet-50 (left), VGG-16 (right; absent under --quick).
# Data: results/stream_frontier.csv (experiments/specs/stream_frontier.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("PREDICTED by halo's cost model: each point a plan simulated as a stream (100 frames, periodic arrivals); measured CPU profiles")

set multiplot title "Predicted latency-throughput frontier (224x224, hetero-8-fast: 8 heterogeneous CPU ESs, 1000 Mbps)\nlines: DPFP and DPFP-stream under each objective; points: each method at its own throughput" font ',10'
set logscale y
set xlabel 'frames/s carried (the rate the latency is taken at)'
set ylabel 'p99 latency, arrival to result (ms)'
set bmargin at screen 0.38
set tmargin at screen 0.86
unset key

# feasible points of one series: sweep (fps | deadline | own) and method
ser(model, sw, m) = (strcol('model') eq model && strcol('sweep') eq sw && strcol('method') eq m && strcol('feasible') eq 'yes') ? column('rate_fps') : NaN
own(model, m) = (strcol('model') eq model && strcol('sweep') eq 'own' && strcol('method') eq m) ? column('rate_fps') : NaN
frontier(model) = sprintf("plot csv using (ser('%s', 'fps', method_proposed)):(column('p99_ms')) with linespoints lw 2 lc rgb method_color(method_proposed) pt 7 ps 0.6 notitle, csv using (ser('%s', 'deadline', method_proposed)):(column('p99_ms')) with linespoints lw 2 dt 2 lc rgb method_color(method_proposed) pt 6 ps 0.6 notitle, csv using (ser('%s', 'fps', 'dpfp-stream')):(column('p99_ms')) with linespoints lw 2 lc rgb method_color('dpfp-stream') pt 7 ps 0.6 notitle, csv using (ser('%s', 'deadline', 'dpfp-stream')):(column('p99_ms')) with linespoints lw 2 dt 2 lc rgb method_color('dpfp-stream') pt 6 ps 0.6 notitle, for [m in drawn] csv using (own('%s', m)):(column('p99_ms')) with points lc rgb method_color(m) pt method_point(m) ps 1.1 notitle", model, model, model, model, model)

set lmargin at screen 0.10
set rmargin at screen 0.49
set title 'ResNet-50' offset 0,-0.6
eval frontier('resnet50')

unset label 99
set lmargin at screen 0.58
set rmargin at screen 0.98
set ylabel ''
set title 'VGG-16'
if (quick) {
    set label 98 'not run under --quick' at graph 0.5, 0.5 center
    unset logscale
    set xrange [0:1]
    set yrange [0:1]
    plot 2 notitle
    unset label 98
} else {
    eval frontier('vgg16')
}

# the key below: the series, then every method's own point
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.27
set bmargin at screen 0.01
unset title
unset border
unset tics
unset xlabel
unset ylabel
unset grid
unset logscale
set xrange [0:1]
set yrange [0:1]
set key center center vertical maxrows 8 Left reverse width 0 samplen 2 spacing 0.9 noopaque nobox font ',8'
plot NaN with linespoints lw 2 lc rgb method_color(method_proposed) pt 7 title 'DPFP, latency objective (per rate)', \
     NaN with linespoints lw 2 dt 2 lc rgb method_color(method_proposed) pt 6 title 'DPFP, throughput objective (per bound)', \
     NaN with linespoints lw 2 lc rgb method_color('dpfp-stream') pt 7 title 'DPFP-stream, latency objective', \
     NaN with linespoints lw 2 dt 2 lc rgb method_color('dpfp-stream') pt 6 title 'DPFP-stream, throughput objective', \
     for [m in methods] NaN with points lc rgb method_color(m) pt method_point(m) ps 1.1 title method_title(m)
unset multiplot
