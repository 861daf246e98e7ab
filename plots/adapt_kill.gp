# A dead ES mid-stream (halo run --adapt on, virtual clock): latency per frame, es2 killed at frame
# 20; the frames from the restart on run again on the survivors' plan (epoch on the right axis);
# the title gives the detection and recovery times (wall ms) and the throughput before and after.
# Data: results/adapt_kill.csv (experiments/specs/adapt_kill.sh).
load 'plots/style.gp'
set datafile columnheaders
eval basis("MEASURED: halo run --adapt on, virtual clock replaying the plans' compute times; 4 ESs, resnet18 64x64")
stats csv using (column('detect_ms')) name 'DET' nooutput
stats csv using (column('recover_ms')) name 'REC' nooutput
stats csv using (column('restart_frame')) name 'RS' nooutput
stats csv using (column('kill_frame')) name 'KF' nooutput
# throughput: results per second over the frames before the kill and after the restart
stats csv using (column('frame') < KF_max ? column('done_ms') : NaN) name 'B' nooutput
stats csv using (column('frame') > RS_max ? column('done_ms') : NaN) name 'A' nooutput
thr_b = B_records > 1 ? 1000 * (B_records - 1) / (B_max - B_min) : 0
thr_a = A_records > 1 ? 1000 * (A_records - 1) / (A_max - A_min) : 0
set title sprintf("A dead ES at frame %d: detected %.0f ms after the last result, first restarted result %.0f ms later;\nthroughput %.1f frames/s before, %.1f after (3 ESs)", int(KF_max), DET_max, REC_max, thr_b, thr_a) font ',9'
set xlabel 'frame'
set ylabel 'latency (ms, virtual clock)'
set y2label 'plan epoch'
set y2tics 1
set ytics nomirror
set y2range [-0.5:3]
set key top left box opaque font ',8'
set arrow 1 from first KF_max, graph 0 to first KF_max, graph 1 nohead dt 2 lc rgb '#d62728'
set label 1 'es2 killed' at first KF_max, graph 0.95 left offset 0.5,0 font ',7' tc rgb '#d62728'
plot csv using (column('frame')):(column('latency_ms')) with linespoints pt 7 ps 0.5 lw 1.2 lc rgb '#1f77b4' title 'latency', \
     csv using (column('frame')):(column('epoch')) axes x1y2 with steps lw 1 lc rgb '#888888' title 'epoch (plan)'
