# Figure 9: ADCNN (lossy): (a) deviation of its output from the model's (relative L2 error of the
# logits, mean over the inputs with a bar to the max; max abs error dashed, right axis) and top-1
# agreement (labels) vs the FDSP grid; (b) the codec's coded bytes per inference (bars) and its
# coded/raw ratio (line, right axis) vs the grid. ResNet-50 and VGG-16.
# Data: results/adcnn_deviation.csv (experiments/specs/adcnn_deviation.sh).
load 'plots/style.gp'
set datafile columnheaders

stats csv using (column('inputs')) nooutput
n_in = int(STATS_max)
w = system(sprintf("awk -F, 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} {print $h[\"weights\"]; exit}' '%s'", csv))
wlabel = (w eq 'random(seed 0)') ? 'RANDOM weights (seed 0): top-1 agreement is a weak proxy' : sprintf('weights %s', w)
eval basis(sprintf("MEASURED on this host by halo plan --deviation %d (cpu backend, seeded N(0,1) inputs; bytes: the codec's output); plans on a reference CPU profile", n_in))

set multiplot title sprintf("ADCNN (lossy): deviation from the model and coded bytes vs FDSP grid\n{/*0.75 224x224; early blocks per tile with zero padding at tile borders, outputs 4-bit coded; %d inputs per grid}\n{/*0.75 %s}", n_in, wlabel) font ',10'
set bmargin at screen 0.30
set tmargin at screen 0.80
unset key
# before any xrange: stats honours it
stats csv using (strcol('model') eq 'vgg16' ? 1 : 0) nooutput
have_vgg = STATS_sum > 0
set xrange [1.4:8.6]
set xtics 1 font ',8'
set mxtics 1
set xlabel 'FDSP grid (N x N tiles)' font ',8'
gl(x) = sprintf('%dx%d', x, x)
set xtics ('2x2' 2, '3x3' 3, '4x4' 4, '5x5' 5, '6x6' 6, '7x7' 7, '8x8' 8)
models = 'resnet50 vgg16'
mtitle(m) = m eq 'resnet50' ? 'ResNet-50' : 'VGG-16'
sel(m) = strcol('model') eq m ? column('grid') : NaN
off(i) = (i - 1.5) * 0.3

# (a) deviation; a margin wide enough for the tick labels and the axis label beside them
set lmargin at screen 0.11
set rmargin at screen 0.41
if (!have_vgg) { set label 3 'VGG-16 not run (--quick)' at graph 0.03, graph 0.93 left font ',7' tc rgb '#666666' }
set title '(a) output deviation; labels: top-1 agreement' font ',8' offset 0,-0.6
set ylabel 'relative L2 error of logits (mean; bar: max)' font ',8'
set y2label 'max abs error of logits (dashed)' font ',8' offset -2,0
set yrange [0:*]
set y2range [0:*]
set ytics nomirror font ',8'
set y2tics font ',8'
plot for [i=1:2] csv using (sel(word(models, i))):(column('rel_l2_mean')):(column('rel_l2_mean')):(column('rel_l2_max')) \
        with yerrorlines lw 1.2 pt 7 ps 0.6 lc rgb series_color(i) notitle, \
     for [i=1:2] csv using (sel(word(models, i))):(column('max_abs_err')) axes x1y2 with linespoints dt 2 lw 1 pt 6 ps 0.5 \
        lc rgb series_color(i) notitle, \
     for [i=1:2] csv using (sel(word(models, i))):(column('rel_l2_mean')):(sprintf('%d/%d', column('top1_agree'), column('inputs'))) \
        with labels offset 0,(i == 1 ? -0.8 : 0.7) font ',6' tc rgb series_color(i) notitle

# (b) coded bytes and ratio
unset label 99
set lmargin at screen 0.61
set rmargin at screen 0.92
set title '(b) coded tile outputs per inference; line: coded / raw' font ',8'
set ylabel 'coded kB per inference (measured)' font ',8'
set y2label 'codec ratio coded / raw (line)' font ',8' offset -2,0
set yrange [0:*]
set y2range [0:0.25]
set style fill solid 0.6 border -1
set boxwidth 0.28
plot for [i=1:2] csv using (sel(word(models, i)) + off(i)):(column('coded_bytes_per_inference') / 1000) with boxes \
        lc rgb series_color(i) notitle, \
     for [i=1:2] csv using (sel(word(models, i))):(column('codec_ratio')) axes x1y2 with linespoints lw 1.2 pt 7 ps 0.5 \
        lc rgb series_color(i) notitle

# the key, shared by both panels, below them
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.19
set bmargin at screen 0.05
unset title
unset border
unset tics
unset xlabel
unset ylabel
unset y2label
unset grid
set xrange [0:1]
set yrange [0:1]
unset label 3
# one column per model, one row per quantity (three long titles side by side ran off the page)
set key center center horizontal maxcols 2 Left reverse width 1 samplen 2.5 noopaque nobox font ',7'
plot for [i=1:2] NaN with linespoints lw 1.2 pt 7 ps 0.6 lc rgb series_color(i) title mtitle(word(models, i)).': relative L2 error (a), codec ratio (b)', \
     for [i=1:2] NaN with linespoints dt 2 lw 1 pt 6 ps 0.5 lc rgb series_color(i) title mtitle(word(models, i)).': max abs error (a)', \
     for [i=1:2] NaN with boxes lc rgb series_color(i) title mtitle(word(models, i)).': coded kB per inference (b)'
unset multiplot
