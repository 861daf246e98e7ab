# Links that change during a stream: latency per frame over time, static (DPFP's plan throughout)
# vs adaptive (re-planned on the estimates), ResNet-50 on homo-4-fast at 25 frames/s; ticks on the
# top panel: the adaptive stream's re-plans (the first frame on a new plan); underneath: each ES's link rate (the trace halves
# es1's and es2's from 10 s to 30 s). SIMULATED by halo sim --adapt.
# Data: results/adapt_links.csv (experiments/specs/adapt_links.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("SIMULATED: halo sim --adapt, the cost model's stream; measured CPU profiles; trace profiles/traces/halve-two.csv")

stats csv using (column('deadline_ms')) name 'D' nooutput
sel(mode) = strcol('mode') eq mode ? column('latency_ms') : NaN
mark(mode) = strcol('mode') eq mode && column('replan') == 1 ? column('time_s') : NaN
set multiplot title 'Latency per frame under a link trace, ResNet-50, 4 CPU ESs, 25 frames/s' font ',10'
set lmargin at screen 0.11
set rmargin at screen 0.97
set tmargin at screen 0.88
set bmargin at screen 0.42
set xrange [0:40]
set format x ''
set ylabel 'latency (ms)'
set key top left box opaque font ',8'
set arrow 1 from graph 0, first D_max to graph 1, first D_max nohead dt 2 lc rgb '#888888'
set label 1 sprintf('deadline %g ms', D_max) at graph 0.99, first D_max right offset 0,0.6 font ',7' tc rgb '#666666'
plot csv using (column('time_s')):(sel('static')) with lines lw 1 lc rgb '#555555' title 'static (DPFP, one plan)', \
     csv using (column('time_s')):(sel('adaptive')) with lines lw 1.5 lc rgb '#d62728' title 'adaptive (re-planned)', \
     csv using (mark('adaptive')):(column('latency_ms')) with points pt 9 ps 1.3 lc rgb '#1f77b4' title 're-plan adopted'
unset arrow 1
unset label 1
unset label 99
set tmargin at screen 0.40
set bmargin at screen 0.12
set format x '%g'
set xlabel 'time (s, frame arrival)'
set ylabel 'link rate (Mbit/s)'
set yrange [0:1150]
set key bottom left horizontal box opaque font ',8'
eval basis("SIMULATED: halo sim --adapt, the cost model's stream; measured CPU profiles; trace profiles/traces/halve-two.csv")
plot for [e in 'es1 es2 es3 es4'] csv using (strcol('mode') eq 'static' ? column('time_s') : NaN):(column(e.'_mbps')) \
     with steps lw 1.2 title e
unset multiplot
