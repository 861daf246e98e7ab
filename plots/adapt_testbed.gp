# Links that change during a stream, on real links (the namespace testbed): latency per frame over
# time, static (DPFP's plan throughout: es1 and es2) vs adaptive (re-planned on the estimates),
# resnet18 at 128x128, 4 ESs offered, 8 frames/s; every pair of runs (light: the other pairs, dark: the first);
# markers: the adaptive runs' re-plans (the first frame on a new epoch); underneath: each ES's link
# rate as the trace sets it (es1's and es2's cut to a quarter from 2 s to 7 s). MEASURED on tbf
# links on a shared host.
# Data: results/adapt_testbed.csv (experiments/specs/adapt_testbed.sh).
# plots/adapt_emulated.gp loads this with its own links_basis and links_title.
load 'plots/style.gp'
set datafile columnheaders
if (!exists('links_basis')) links_basis = 'MEASURED: halo run --clock wall --link real over tc tbf between network namespaces, one shared host'
if (!exists('links_title')) links_title = 'on real links'
eval basis(sprintf("%s: %s", links_basis, host_cpu))

stats csv using (column('deadline_ms')) name 'D' nooutput
stats csv using (column('rep')) name 'R' nooutput
stats csv using (column('time_s')) name 'T' nooutput
sel(mode, rep) = strcol('mode') eq mode && column('rep') == rep ? column('latency_ms') : NaN
mark(rep) = strcol('mode') eq 'adaptive' && column('rep') == rep && column('replan') == 1 ? column('time_s') : NaN
set multiplot title sprintf('Latency per frame under a link trace %s, resnet18 128x128, 4 ESs offered, 8 frames/s', links_title) font ',10'
set lmargin at screen 0.11
set rmargin at screen 0.97
set tmargin at screen 0.88
set bmargin at screen 0.42
set xrange [0:T_max + 0.2]
set format x ''
set ylabel 'latency (ms)'
set logscale y
set key top right box opaque font ',8'
set arrow 1 from graph 0, first D_max to graph 1, first D_max nohead dt 2 lc rgb '#888888'
set label 1 sprintf('deadline %g ms', D_max) at graph 0.01, first D_max left offset 0,0.6 font ',7' tc rgb '#666666'
plot for [r = 2:int(R_max)] csv using (column('time_s')):(sel('static', r)) with lines lw 0.8 lc rgb '#bbbbbb' notitle, \
     for [r = 2:int(R_max)] csv using (column('time_s')):(sel('adaptive', r)) with lines lw 0.8 lc rgb '#f2a0a0' notitle, \
     csv using (column('time_s')):(sel('static', 1)) with lines lw 1.2 lc rgb '#555555' title 'static (DPFP, one plan)', \
     csv using (column('time_s')):(sel('adaptive', 1)) with lines lw 1.5 lc rgb '#d62728' title 'adaptive (re-planned)', \
     for [r = 1:int(R_max)] csv using (mark(r)):(column('latency_ms')) with points pt 9 ps 1.1 lc rgb '#1f77b4' \
         title (r == 1 ? 're-plan adopted' : '')
unset logscale y
unset arrow 1
unset label 1
unset label 99
set tmargin at screen 0.40
set bmargin at screen 0.12
set format x '%g'
set xlabel 'time (s, frame arrival)'
set ylabel 'link rate (Mbit/s)'
set yrange [0:115]
set key bottom right horizontal box opaque font ',8'
eval basis(sprintf("%s: %s", links_basis, host_cpu))
plot for [e in 'es1 es2 es3 es4'] csv using (strcol('mode') eq 'static' && column('rep') == 1 ? column('time_s') : NaN):(column(e.'_mbps')) \
     with steps lw 1.2 title e
unset multiplot
