# Streams: predicted throughput vs link bandwidth on 4 ESs, every method; ResNet-50 (left), VGG-16
# (right). Data: results/throughput_vs_bandwidth.csv (experiments/specs/throughput_vs_bandwidth.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("PREDICTED by halo's cost model: --objective throughput, streams of 100 frames as fast as possible (throughput = 1000 / period); measured CPU profile")

set multiplot title "Predicted stream throughput vs link bandwidth (224x224, 4 identical CPU ESs, 0.2 ms per hop)" font ",10"
set logscale xy
set xrange [7:14000]
set xtics ('10' 10, '20' 20, '50' 50, '100' 100, '200' 200, '500' 500, '1G' 1000, '10G' 10000)
set mxtics 1
set xlabel 'bandwidth of every link (Mbps, log scale)'
set ylabel 'throughput (frames/s, predicted)'
set bmargin at screen 0.33
set tmargin at screen 0.88
unset key

sel(model, m) = (strcol('model') eq model && strcol('method') eq m) ? column('bandwidth_mbps') : NaN

set lmargin at screen 0.105
set rmargin at screen 0.49
set title 'ResNet-50' offset 0,-0.6
plot for [m in drawn] csv using (sel('resnet50', m)):(column('throughput_fps')) with linespoints \
    lw lw(m) lc rgb method_color(m) pt method_point(m) ps 0.8 notitle

unset label 99
set lmargin at screen 0.58
set rmargin at screen 0.98
set ylabel ''
set title 'VGG-16'
plot for [m in drawn] csv using (sel('vgg16', m)):(column('throughput_fps')) with linespoints \
    lw lw(m) lc rgb method_color(m) pt method_point(m) ps 0.8 notitle

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
