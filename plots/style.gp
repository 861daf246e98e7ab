# The one style of every halo figure. Every plots/NAME.gp starts with `load 'plots/style.gp'`;
# experiments/lib.sh (exp_plot) sets term ('pdf'|'png'|'svg'), out, csv and quick with -e.
# Sizes: 5 x 3.2 in, vector PDF, 1000 x 640 PNG, 750 x 480 SVG.

if (!exists("term")) term = 'pdf'
if (!exists("out")) out = '/dev/null'
if (!exists("quick")) quick = 0
if (term eq 'pdf') set terminal pdfcairo enhanced color font 'DejaVu Sans,9' size 5in,3.2in linewidth 1.5
if (term eq 'png') set terminal pngcairo enhanced color font 'DejaVu Sans,9' size 1000,640 linewidth 1.5
if (term eq 'svg') set terminal svg enhanced font 'DejaVu Sans,9' size 750,480 linewidth 1.5 background '#ffffff'
if (term eq 'png') set termoption fontscale 1.4
set output out

set datafile separator ','
set datafile missing ''
set key top right box opaque samplen 2.5 spacing 1.1 font ',8'
set grid xtics ytics lc rgb '#dddddd' lw 0.6 dt 1
set border 3 lw 0.8
set tics nomirror out scale 0.6
set mxtics default
set style fill solid 0.85 border -1

# One colour and point type per method, the same in every figure.
methods = 'local dpfp modnn deepslicing ftp aofl halp edgeci adcnn'
method_color(m) = m eq 'local' ? 0x555555 : m eq 'dpfp' ? 0xd62728 : m eq 'modnn' ? 0x1f77b4 : \
    m eq 'deepslicing' ? 0x2ca02c : m eq 'ftp' ? 0x9467bd : m eq 'aofl' ? 0x8c564b : \
    m eq 'halp' ? 0xe377c2 : m eq 'edgeci' ? 0x17becf : m eq 'adcnn' ? 0xff7f0e : 0x000000
method_point(m) = m eq 'local' ? 4 : m eq 'dpfp' ? 7 : m eq 'modnn' ? 5 : m eq 'deepslicing' ? 9 : \
    m eq 'ftp' ? 11 : m eq 'aofl' ? 13 : m eq 'halp' ? 6 : m eq 'edgeci' ? 8 : m eq 'adcnn' ? 10 : 1
method_title(m) = m eq 'local' ? 'local (best single device)' : m eq 'dpfp' ? 'DPFP' : \
    m eq 'modnn' ? 'MoDNN' : m eq 'deepslicing' ? 'DeepSlicing' : m eq 'ftp' ? 'DeepThings FTP' : \
    m eq 'aofl' ? 'AOFL' : m eq 'halp' ? 'HALP' : m eq 'edgeci' ? 'EdgeCI' : \
    m eq 'adcnn' ? 'ADCNN (lossy)' : m

# A palette of series colours for figures that are not per method (platforms, sizes, ...).
series_color(i) = word('0x1f77b4 0xd62728 0x2ca02c 0xff7f0e 0x9467bd 0x8c564b 0xe377c2 0x17becf 0x7f7f7f', (i - 1) % 9 + 1) + 0

# basis(text): the small grey line at the bottom right saying how the numbers came about
# (measured / predicted / simulated, which backend, which clock, MAC or FLOP). Every figure sets it.
basis(text) = sprintf('set label 99 "%s" at screen 0.995,0.012 right font ",7" tc rgb "#666666" front', text)
