# Figure 8: one DPFP plan (ResNet-50 on hetero-4-fast): per fused block (x), the output rows each
# ES computes (solid, in the ES's colour) and its halo (hatched): the input rows it reads beyond
# its share, mapped to the block's output rows. Row 0 at the top. The last column is the tail.
# Data: results/plan_picture.csv (experiments/specs/plan_picture.sh, experiments/tools/plan_rects.py).
load 'plots/style.gp'
set datafile columnheaders
eval basis("PREDICTED plan (halo plan --method dpfp): cost model from reference CPU profiles, not this host's")

# ES names and profiles by colour index, read from the CSV
set table $DEV
plot csv using (column('dev_index')):(0):(strcol('device') . ' ' . strcol('profile')) with table
unset table
stats csv using (column('dev_index')) name 'D' nooutput
stats csv using (column('block')) name 'B' nooutput
stats csv using (column('total_ms')):(column('local_ms')) name 'T' nooutput
stats csv using (column('redundant_pct')) name 'R' nooutput
n_dev = int(D_max)
n_blk = int(B_max)
array devname[n_dev]
do for [k = 1:|$DEV|] {
    if (words($DEV[k]) >= 4) { devname[int(word($DEV[k], 1))] = word($DEV[k], 3) . ' (' . word($DEV[k], 4) . ')' }
}

slot = 0.8 / n_dev
xc(b, i) = b - 0.4 + (i - 0.5) * slot
hw = 0.45 * slot

set title sprintf("DPFP plan of ResNet-50 (224x224) on hetero-4-fast: %d fused blocks, %d ESs\npredicted %.1f ms (best single device %.1f ms), redundant MACs %.0f %% of the model's\n{/*0.85 ESs: reference profiles measured on %s}", \
    n_blk, n_dev, T_min_x, T_min_y, R_max, ref_cpu) font ',9'
set yrange [1.0:0.0]
set ytics 0.25 format '%.2f'
set mytics 1
set ylabel "output rows of the block\n(fraction of its height; row 0 at the top)"
set xrange [-0.55:n_blk + 0.55]
# the labels stand upright: side by side at 20 degrees the longer ones ran into each other
set xtics rotate by 90 right font ',7' scale 0 ()
unset mxtics
# x tic labels: block number, its stages and output height, read from the CSV like the names
set table $LAB
plot csv using (column('block')):(column('h_out')):(strcol('label')) with table \
    if (column('dev_index') == 1 || column('block') == n_blk)
unset table
do for [k = 1:|$LAB|] {
    line = $LAB[k]
    if (words(line) >= 3) {
        b = int(word(line, 1))
        rest = line[strstrt(line, "\t") + 1:]
        rest = rest[strstrt(rest, "\t") + 1:]
        lab = b == n_blk ? rest . "\n(on one ES)" : sprintf("%d: %s\n(%d rows)", b, rest, int(word(line, 2)))
        set xtics add (lab b)
    }
}

set grid noxtics ytics
set bmargin at screen 0.27
set tmargin at screen 0.85
set lmargin at screen 0.11
set rmargin at screen 0.76
set key at screen 0.775, graph 1.0 left top vertical Left reverse samplen 1.5 font ',8' nobox title 'ES (profile)'
set label 97 "solid: the rows an ES\ncomputes (numbers: rows)\nhatched: its halo, the input\nrows it reads beyond them,\nmapped to the block's\noutput rows" \
    at screen 0.78, graph 0.45 left font ',7'

plot for [i = 1:n_dev] csv using (column('block') < n_blk && column('dev_index') == i ? xc(column('block'), i) : NaN): \
        ((column('g0') + column('g1')) / 2):(hw):((column('g1') - column('g0')) / 2) with boxxyerror \
        fs pattern 5 border lc rgb series_color(i) lc rgb series_color(i) notitle, \
     for [i = 1:n_dev] csv using (column('dev_index') == i ? xc(column('block'), i) : NaN):((column('f0') + column('f1')) / 2): \
        (hw):((column('f1') - column('f0')) / 2) with boxxyerror fs solid 0.9 border rgb '#333333' lc rgb series_color(i) \
        title devname[i], \
     csv using (xc(column('block'), column('dev_index'))):((column('f0') + column('f1')) / 2): \
        (column('out_y1') - column('out_y0') == 1 ? sprintf('%d', column('out_y0')) : \
         sprintf('%d-%d', column('out_y0'), column('out_y1') - 1)) with labels rotate by 90 font ',6' tc rgb '#ffffff' notitle
