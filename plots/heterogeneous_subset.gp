# Figure 3: DPFP with ES subset selection vs DPFP on every ES vs the best single device, on the
# heterogeneous clusters; ResNet-50 (left), VGG-16 (right). Numbers above the bars: ESs that
# compute / ESs in the cluster. Data: results/heterogeneous_subset.csv
# (experiments/specs/heterogeneous_subset.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("PREDICTED by halo's cost model (no execution); ESs = reference CPU profiles, not this host's")

clusters = 'hetero-4-fast hetero-4-slow hetero-8-fast hetero-8-slow'
cl_x(c) = c eq 'hetero-4-fast' ? 0 : c eq 'hetero-4-slow' ? 1 : c eq 'hetero-8-fast' ? 2 : c eq 'hetero-8-slow' ? 3 : NaN
variants = 'local all select'
var_dx(v) = v eq 'local' ? -0.27 : v eq 'all' ? 0 : 0.27
var_color(v) = v eq 'local' ? method_color(method_reference) : v eq 'all' ? 0xf0a0a0 : method_color(method_proposed)
var_title(v) = v eq 'local' ? 'local (best single device)' : v eq 'all' ? 'DPFP, all ESs (--no-select)' : \
    'DPFP, subset search (--select)'
bx(model, v) = (strcol('model') eq model && strcol('variant') eq v) ? cl_x(strcol('cluster')) + var_dx(v) : NaN
lab(v) = v eq 'local' ? strcol('local_device') : sprintf('%d/%d', column('es_computing'), column('n_es'))

# each panel's largest bar, taken before the xrange is set (stats honours it and would drop rows)
ymax = ''
do for [m in 'resnet50 vgg16'] {
    stats csv using (strcol('model') eq m ? column('latency_ms') : 0) nooutput
    ymax = ymax . sprintf(' %g', STATS_max)
}

set multiplot title sprintf("Heterogeneous ESs: ES subset selection (224x224, predicted)\n{/*0.75 ESs: reference profiles of %s: oneDNN AVX-512, AVX2 or SSE4.1 caps, 1 or 2 threads}", ref_cpu) font ',10'
set style fill solid 0.9 border rgb '#333333'
set boxwidth 0.25
set xrange [-0.55:3.55]
set xtics ("hetero-4\n1000 Mbps" 0, "hetero-4\n100 Mbps" 1, "hetero-8\n1000 Mbps" 2, "hetero-8\n100 Mbps" 3) scale 0
unset mxtics
set grid noxtics ytics
set ylabel 'latency (ms, predicted)'
set bmargin at screen 0.31
set tmargin at screen 0.85
unset key

do for [i = 1:2] {
    model = word('resnet50 vgg16', i)
    set yrange [0:word(ymax, i) * 1.15]
    set title word('ResNet-50 VGG-16', i) offset 0,-0.6
    if (i == 1) { set lmargin at screen 0.09; set rmargin at screen 0.49 }
    if (i == 2) { set lmargin at screen 0.58; set rmargin at screen 0.98; set ylabel ''; unset label 99 }
    plot for [v in variants] csv using (bx(model, v)):(column('latency_ms')) with boxes lc rgb var_color(v) notitle, \
         for [v in variants] csv using (bx(model, v)):(column('latency_ms')):(lab(v)) with labels \
             offset 0,0.55 font ',7' notitle
}

# the key, shared by both panels, in a plot of its own below them
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.15
set bmargin at screen 0.05
unset title
unset border
unset tics
unset ylabel
unset grid
set xrange [0:1]
set yrange [0:1]
set key center center horizontal Left reverse width 1 samplen 1.5 noopaque nobox
set label 98 'numbers above the bars: ESs that compute / ESs in the cluster (local: the device)' \
    at screen 0.5,0.165 center font ',7'
plot for [v in variants] NaN with boxes lc rgb var_color(v) title var_title(v)
unset multiplot
