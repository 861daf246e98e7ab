# Figure 6: P(latency > deadline) under Rayleigh fading (homo-8-rayleigh), SIMULATED by halo sim.
# Left: every method at 224x224; right: DPFP (solid) and local (dashed) per input size. Rows:
# ResNet-50, VGG-16. Bands: 95 % Wilson intervals. Data: results/failure_probability.csv
# (experiments/specs/failure_probability.sh). Four panels: a larger canvas than style.gp's.
load 'plots/style.gp'
if (term eq 'pdf') set terminal pdfcairo enhanced color font 'DejaVu Sans,9' size 7in,5.6in linewidth 1.5
if (term eq 'png') set terminal pngcairo enhanced color font 'DejaVu Sans,9' size 1400,1120 linewidth 1.5
if (term eq 'svg') set terminal svg enhanced font 'DejaVu Sans,9' size 1050,840 linewidth 1.5 background '#ffffff'
if (term eq 'png') set termoption fontscale 1.4
set output out
set datafile columnheaders
eval basis("SIMULATED: halo sim, Monte Carlo over the cost model (a reference CPU profile, not this host's) with Rayleigh-faded link rates; bands = 95 % Wilson intervals")

sizes = '224 320 416 512 224-512'
size_title(s) = s eq '224-512' ? '224..512 (uniform)' : s . 'x' . s
sel(model, lab, m) = (strcol('model') eq model && strcol('size_label') eq lab && strcol('method') eq m) ? column('deadline_ms') : NaN

stats csv using (column('draws')) name 'N' nooutput
set multiplot title sprintf("Failure probability under Rayleigh fading: 8 CPU ESs, W = 40 MHz, mean SNR 20 dB (simulated, %d draws per curve)\n{/*0.8 ESs: reference profile cpu-avx512-2t: %s, oneDNN AVX-512, 2 threads}", \
    int(N_max), ref_cpu) font ',10'
set logscale x
set xrange [30:4500]
set xtics ('30' 30, '50' 50, '100' 100, '200' 200, '500' 500, '1000' 1000, '2000' 2000, '4000' 4000)
set mxtics default
set yrange [0:1.02]
set ytics 0.2
set style fill transparent solid 0.18 noborder
set xlabel 'deadline (ms)'
set ylabel 'P(latency > deadline)'
unset key

x0 = 0.08; xm = 0.535; w = 0.42
row_top(i) = i == 1 ? 0.885 : 0.50
row_bot(i) = i == 1 ? 0.605 : 0.185

do for [i = 1:2] {
    model = word('resnet50 vgg16', i)
    name = word('ResNet-50 VGG-16', i)
    set tmargin at screen row_top(i)
    set bmargin at screen row_bot(i)
    if (i == 1) { unset xlabel } else { set xlabel 'deadline (ms)' }

    set lmargin at screen x0
    set rmargin at screen x0 + w
    set ylabel 'P(latency > deadline)'
    set title name . ', 224x224: every method' offset 0,-0.6
    plot for [m in drawn] csv using (sel(model, '224', m)):(column('ci_lo')):(column('ci_hi')) with filledcurves \
            lc rgb method_color(m) notitle, \
         for [m in drawn] csv using (sel(model, '224', m)):(column('p_fail')) with lines lw lw(m) \
            lc rgb method_color(m) notitle
    unset label 99

    set lmargin at screen xm + 0.02
    set rmargin at screen xm + 0.02 + w
    set ylabel ''
    set title name . ': DPFP (solid) and local (dashed) per input size'
    if (i == 1) {
        set key top right Left reverse samplen 2 spacing 1.0 font ',8' box opaque
    } else { unset key }
    plot for [j = 1:5] csv using (sel(model, word(sizes, j), method_proposed)):(column('ci_lo')):(column('ci_hi')) \
            with filledcurves lc rgb series_color(j) notitle, \
         for [j = 1:5] csv using (sel(model, word(sizes, j), method_proposed)):(column('p_fail')) with lines lw 2 \
            lc rgb series_color(j) title size_title(word(sizes, j)), \
         for [j = 1:5] csv using (sel(model, word(sizes, j), method_reference)):(column('p_fail')) with lines lw 1.2 dt 2 \
            lc rgb series_color(j) notitle, \
         NaN with lines lw 2 lc rgb '#000000' title word(method_titles, method_index(method_proposed, 1)), \
         NaN with lines lw 1.2 dt 2 lc rgb '#000000' title method_reference
    unset key
}

# the method key of the left panels, in a plot of its own below them
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.105
set bmargin at screen 0.035
unset title
unset border
unset tics
unset xlabel
unset ylabel
unset grid
unset logscale
set xrange [0:1]
set yrange [0:1]
set key center center vertical maxrows key_rows Left reverse width 2 samplen 2.5 noopaque nobox font ',8'
plot for [m in methods] NaN with lines lw lw(m) lc rgb method_color(m) title method_title(m)
unset multiplot
