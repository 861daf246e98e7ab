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

# The planning methods come from halo's planners' registry: experiments/lib.sh (exp_plot) passes
# methods (names in the registry's order), method_titles (their legends, quoted words),
# method_proposed (the paper's method, drawn last and thicker so that no baseline hides it) and
# method_reference (the best single device), all from `halo methods`. One colour and point type per method by its place in that order, the same
# in every figure; a method outside the list is black.
if (!exists("methods") || !exists("method_titles") || !exists("method_proposed") || !exists("method_reference")) {
    exit error "plots/style.gp: methods, method_titles, method_proposed and method_reference are not set (experiments/lib.sh exp_plot sets them from 'halo methods')"
}
method_index(m, i) = i > words(methods) ? 0 : word(methods, i) eq m ? i : method_index(m, i + 1)
method_palette = '0x555555 0xd62728 0x1f77b4 0x2ca02c 0x9467bd 0x8c564b 0xe377c2 0x17becf 0xff7f0e 0xbcbd22 0x7f7f7f 0x000080'
method_points = '4 7 5 9 11 13 6 8 10 12 3 2'
method_color(m) = method_index(m, 1) ? word(method_palette, (method_index(m, 1) - 1) % words(method_palette) + 1) + 0 : 0x000000
method_point(m) = method_index(m, 1) ? word(method_points, (method_index(m, 1) - 1) % words(method_points) + 1) + 0 : 1
method_title(m) = method_index(m, 1) ? word(method_titles, method_index(m, 1)) : m
lw(m) = m eq method_proposed ? 2 : 1
# rows of a key that lists every method in three columns
key_rows = int((words(methods) + 2) / 3)
# the drawing order: every method, the proposed one last
drawn = ''
do for [m in methods] { if (m ne method_proposed) { drawn = drawn . m . ' ' } }
drawn = drawn . method_proposed

# The CPUs in words (experiments/lib.sh exp_plot sets them from experiments/tools/platforms.py):
# ref_cpu measured the committed reference profiles (profiles/cpu-*.json), host_cpu is this host.
# A figure priced by the reference profiles names ref_cpu, never "this machine".
if (!exists("ref_cpu")) ref_cpu = 'the reference CPU of profiles/cpu-*.json'
if (!exists("host_cpu")) host_cpu = 'this host'

# A palette of series colours for figures that are not per method (platforms, sizes, ...).
series_color(i) = word('0x1f77b4 0xd62728 0x2ca02c 0xff7f0e 0x9467bd 0x8c564b 0xe377c2 0x17becf 0x7f7f7f', (i - 1) % 9 + 1) + 0

# basis(text): the small grey line at the bottom right saying how the numbers came about
# (measured / predicted / simulated, which backend, which clock, MAC or FLOP). Every figure sets it.
basis(text) = sprintf('set label 99 "%s" at screen 0.995,0.012 right font ",7" tc rgb "#666666" front', text)
