# Figure 4: per-layer effective capacity of each measured CPU platform, and FLOPs vs time per
# layer. Swept: the six committed profiles profiles/cpu-{avx512,avx2,sse41}-{2t,1t}.json (the
# reference CPU the figure names, oneDNN cpu backend, ISA capped, 2 or 1 threads; this host's own
# profile is figure 4b's), ResNet-50 and VGG-16 at 224x224,
# every conv and linear layer. Nothing is re-measured: the numbers are the profiles' own
# (median of 3 interleaved rounds, monotonic clock), measured earlier than this run; each row
# carries the profile's commit and date. The fitted line is the profile's class fit
# (time = overhead + FLOPs / capacity, fitted over all five profiled models). Beside them, each
# platform's measured ceilings where its profile has them (the FMA kernel's peak, the library's
# sgemm: panel (a)'s horizontal lines). No methods, no clusters. --quick: the same (it only reads
# JSON).
SPEC_TITLE="per-layer achieved GFLOP/s and FLOPs vs time on the six reference CPU platforms (from the committed profiles)"

spec_run()
{
    cap_csv="$results/capacity_per_layer.csv"
    set -- "$root"/profiles/cpu-avx512-2t.json "$root"/profiles/cpu-avx512-1t.json \
        "$root"/profiles/cpu-avx2-2t.json "$root"/profiles/cpu-avx2-1t.json \
        "$root"/profiles/cpu-sse41-2t.json "$root"/profiles/cpu-sse41-1t.json
    exp_note "reading $# profiles (resnet50, vgg16 layers)"
    python3 "$root/experiments/tools/capacity.py" "$@" --models resnet50,vgg16 >"$work/cap.csv"
    exp_csv_begin "$cap_csv" "$(head -n 1 "$work/cap.csv")"
    tail -n +2 "$work/cap.csv" | while IFS= read -r cap_line; do
        exp_row "$cap_csv" "$cap_line" measured monotonic cpu
    done
    exp_note "$(($(wc -l <"$cap_csv") - 1)) layer rows; plotting"
    exp_plot capacity_per_layer
}
