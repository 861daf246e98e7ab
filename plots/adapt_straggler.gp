# A straggler: latency per frame and the adaptive stream's work per ES (share of the MACs of the plan each frame runs);
# es3 computes 2x slower from 10 s to 30 s (re-planning at a 5 % gain). ResNet-50 on homo-4-fast at 20 frames/s. SIMULATED by
# halo sim --adapt. Data: results/adapt_straggler.csv (experiments/specs/adapt_straggler.sh).
load 'plots/style.gp'
set datafile columnheaders
stats csv using (column('deadline_ms')) name 'D' nooutput
sel(mode) = strcol('mode') eq mode ? column('latency_ms') : NaN
set multiplot title 'A straggler (es3 2x slower, 10-30 s): ResNet-50, 4 CPU ESs, 20 frames/s' font ',10'
set lmargin at screen 0.11
set rmargin at screen 0.97
set tmargin at screen 0.88
set bmargin at screen 0.50
set xrange [0:40]
set format x ''
set ylabel 'latency (ms)'
set key top left box opaque font ',8'
set arrow 1 from graph 0, first D_max to graph 1, first D_max nohead dt 2 lc rgb '#888888'
plot csv using (column('time_s')):(sel('static')) with lines lw 1 lc rgb '#555555' title 'static (DPFP, one plan)', \
     csv using (column('time_s')):(sel('adaptive')) with lines lw 1.5 lc rgb '#d62728' title 'adaptive (re-planned)'
unset arrow 1
set tmargin at screen 0.48
set bmargin at screen 0.12
set format x '%g'
set xlabel 'time (s, frame arrival)'
set ylabel 'adaptive: share of the work'
set yrange [0:0.45]
set key top right horizontal box opaque font ',8'
eval basis("SIMULATED: halo sim --adapt, the cost model's stream; measured CPU profiles")
plot for [e in 'es1 es2 es3 es4'] csv using (strcol('mode') eq 'adaptive' ? column('time_s') : NaN):(column(e.'_work')) \
     with steps lw 1.2 title e
unset multiplot
