# Figure 4b: one roofline per platform, log-log: x = arithmetic intensity (FLOP per byte moved:
# weights + input + output, float32), y = GFLOP/s (FLOP = 2 MAC). The roof: the FMA kernel's peak
# (solid), the library's GEMM (dashed), and per memory level the triad bandwidth's slope min(peak,
# intensity x bandwidth) (grey, lighter for the outer levels). Points: every conv and linear layer
# of ResNet-50 (circles) and VGG-16 (squares), achieved = FLOPs / median time, each measured against
# the level its working set fits in; a black ring marks a layer above its roof.
# Data: results/roofline.csv and results/roofline_ceilings.csv (experiments/specs/roofline.sh).
load 'plots/style.gp'
set datafile columnheaders

ceil = csv[1:strlen(csv) - 4] . '_ceilings.csv'
awk_get(p, l, col) = system(sprintf("awk -F, -v p=%d -v l=%d -v c=%s 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $h[\"platform_idx\"]==p && (l==0 || $h[\"level_idx\"]==l){printf \"%%s\", $h[c]; exit}' '%s'", p, l, col, ceil))
n = int(system(sprintf("awk -F, 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} {if($h[\"platform_idx\"]>m)m=$h[\"platform_idx\"]} END{print m+0}' '%s'", ceil)))
if (n < 1) { exit error "plots/roofline.gp: no platform in ".ceil }
above = system(sprintf("awk -F, 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $h[\"above_roof\"]==\"yes\"{a++; if($h[\"reason\"]==\"unexplained\")u++} END{printf \"%%d above the roof (%%d unexplained)\", a, u}' '%s'", csv))
eval basis("MEASURED by halo profile: ceilings and layers on the same platform (each panel names its CPU); FLOP = 2 MAC")

cols = n < 3 ? n : 3
rows = int((n + cols - 1) / cols)
wide = cols < 2 ? 2 : cols  # the title needs two panels' width
if (term eq 'pdf') set terminal pdfcairo enhanced color font 'DejaVu Sans,9' size (wide * 2.6)in, (rows * 2.6 + 0.6)in linewidth 1.5
if (term eq 'png') set terminal pngcairo enhanced color font 'DejaVu Sans,9' size (wide * 520), (rows * 520 + 110) linewidth 1.5
if (term eq 'svg') set terminal svg enhanced font 'DejaVu Sans,9' size (wide * 390), (rows * 390 + 80) linewidth 1.5 background '#ffffff'
set output out

# room below the panels for the basis line, above them for the title (in pixels of the png)
px_h = rows * 520 + 110
set multiplot layout rows, cols margins 0.08, 0.97, 80.0 / px_h, 1 - 130.0 / px_h spacing 0.09, 150.0 / px_h title sprintf("Rooflines: every conv and linear layer of ResNet-50 and VGG-16 (224x224); %s\n{/*0.8 x: FLOP per byte moved (weights + input + output, float32); y: GFLOP/s, FLOP = 2 MAC; measured ceilings and layers}", above) font ',10'
set logscale xy
set format x '10^{%L}'
set format y '10^{%L}'
set xrange [0.1:3000]
set grid xtics ytics
set key bottom right font ',6' samplen 1.5 spacing 0.9 box opaque
set samples 400
array bw[16]
array lname[16]
roof(x, b, pk) = x * b < pk ? x * b : pk
level_dt(l, nl) = l == nl ? 1 : l + 1  # a dash type in parentheses would read as a dash pattern
sel(p, m) = (column('platform_idx') == p && strcol('model') eq m) ? column('intensity_flop_per_byte') : NaN
ring(p) = (column('platform_idx') == p && strcol('above_roof') eq 'yes') ? column('intensity_flop_per_byte') : NaN
do for [p = 1:n] {
    peak = real(awk_get(p, 0, 'peak_gflops'))
    sg = awk_get(p, 0, 'sgemm_gflops')
    sgemm = sg eq '' ? NaN : real(sg)
    nl = int(system(sprintf("awk -F, -v p=%d 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $h[\"platform_idx\"]==p{k++} END{print k+0}' '%s'", p, ceil)))
    do for [l = 1:nl] {
        bw[l] = real(awk_get(p, l, 'triad_gbps'))
        lname[l] = awk_get(p, l, 'level')
    }
    set yrange [0.05:peak * 2.5]
    pname = awk_get(p, 0, 'platform')
    set title sprintf("%s: %s\n{/*0.8 peak %.0f GFLOP/s (%s FMA, %s threads)}", pname eq 'host' ? 'this host' : pname, \
        awk_get(p, 0, 'device'), peak, awk_get(p, 0, 'isa'), awk_get(p, 0, 'threads')) font ',8'
    set xlabel 'FLOP / byte' font ',8' offset 0,0.5
    set ylabel 'GFLOP/s (measured)' font ',8'
    plot for [l = 1:nl] roof(x, bw[l], peak) with lines lw 1 lc rgb (l == nl ? '#222222' : '#888888') \
            dt level_dt(l, nl) title sprintf('%s %.0f GB/s', lname[l], bw[l]), \
         peak with lines lw 2 lc rgb '#000000' notitle, \
         sgemm with lines lw 1 dt 2 lc rgb '#2ca02c' title (sg eq '' ? '' : sprintf('GEMM %.0f', sgemm)), \
         csv using (sel(p, 'resnet50')):(column('achieved_gflops')) with points pt 7 ps 0.45 lc rgb series_color(1) title 'ResNet-50', \
         csv using (sel(p, 'vgg16')):(column('achieved_gflops')) with points pt 5 ps 0.45 lc rgb series_color(2) title 'VGG-16', \
         csv using (ring(p)):(column('achieved_gflops')) with points pt 6 ps 1.0 lw 1.2 lc rgb '#000000' title 'above the roof'
    unset label 99
}
unset multiplot
