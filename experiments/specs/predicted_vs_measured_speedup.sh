# Figure 5: the speedup ratio of one platform over another as DPFP's analytical method predicts
# it (`halo predict`: sum over layers of overhead + FLOPs / fitted class capacity) against the
# measured ratio of the profiles' median whole-network latencies. Swept: every ordered pair of
# the six measured CPU profiles (profiles/cpu-{avx512,avx2,sse41}-{2t,1t}.json), ResNet-50 and
# VGG-16 at 224x224; out of sample (each profile refitted without the predicted model's layers,
# halo's default) and, not under --quick, in sample (--in-sample) for comparison. The datasheet
# GPU profiles are left out: they were not measured, so there is nothing to compare with.
# No methods, no clusters. Rows are kind=predicted (the prediction is what is judged); the
# measured_* columns are the profiles' monotonic-clock medians, measured earlier than this run
# (their dates are in from_profile_date / to_profile_date).
SPEC_TITLE="predicted vs measured speedup ratios between the six measured CPU platforms"

spec_run()
{
    sp_csv="$results/predicted_vs_measured_speedup.csv"
    sp_insample=--in-sample
    [ "$quick" = 1 ] && sp_insample=""
    exp_note "halo predict on 30 ordered pairs x 2 models${sp_insample:+ x (out of sample, in sample)}"
    python3 "$root/experiments/tools/speedup.py" "$halo" --models resnet50,vgg16 $sp_insample \
        "$root"/profiles/cpu-avx512-2t.json "$root"/profiles/cpu-avx512-1t.json \
        "$root"/profiles/cpu-avx2-2t.json "$root"/profiles/cpu-avx2-1t.json \
        "$root"/profiles/cpu-sse41-2t.json "$root"/profiles/cpu-sse41-1t.json >"$work/speedup.csv"
    exp_csv_begin "$sp_csv" "$(head -n 1 "$work/speedup.csv")"
    tail -n +2 "$work/speedup.csv" | while IFS= read -r sp_line; do
        exp_row "$sp_csv" "$sp_line" predicted monotonic cpu
    done
    python3 - "$sp_csv" <<'PY' >&2
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for fit in ("out_of_sample", "in_sample"):
    for model in ("resnet50", "vgg16", None):
        e = [abs(float(r["err_pct"])) for r in rows if r["fit"] == fit and (model is None or r["model"] == model)]
        if e:
            print(f"  predicted_vs_measured_speedup: {fit:13s} {model or 'both':8s} |error| median {st.median(e):.1f} %, "
                  f"max {max(e):.1f} % ({len(e)} ordered pairs)")
PY
    exp_plot predicted_vs_measured_speedup
}
