# Figure 5: the speedup ratio of one platform over another by three predictors side by side,
# against the measured ratio of the profiles' median whole-network latencies: DPFP's analytical
# method (`halo predict`: sum over layers of overhead + FLOPs / fitted class capacity), the ratio of
# the platforms' peak FP32 FLOP/s, and a roofline from each platform's measured ceilings alone (sum
# over layers of max(FLOPs / peak, bytes / bandwidth); no layer measured on either platform).
# Swept: every ordered pair of the six committed CPU profiles (profiles/cpu-{avx512,avx2,sse41}-
# {2t,1t}.json: one host under ISA caps, "isa" pairs) and every pair of one of them with this host's
# own profile measured now (exp_host_profile: "cross_cpu" pairs, both ways; also with the profiles of
# other CPUs kept in profiles/*/cpu-*.json, e.g. an earlier machine's), and, not under --quick, the
# 30 ISA pairs within each full set of six kept in profiles/<cpu>/ ("isa_other": measured with
# ceilings where the reference set has none, so all three predictors), ResNet-50 and VGG-16 at
# 224x224; DPFP out of sample (each profile refitted without the predicted model's layers, halo's
# default) and, not under --quick, in sample (--in-sample). The peak and roofline columns are empty
# for a profile without ceilings (measured before halo recorded them: re-measure, profiles/README.md).
# The datasheet GPU profiles are left out: not measured, nothing to compare with. No methods, no
# clusters. Rows are kind=predicted (the predictions are what is judged); the measured_* columns are
# the profiles' monotonic-clock medians (their dates in from_profile_date / to_profile_date).
SPEC_TITLE="three speedup predictors vs measured ratios: the six CPU platforms and this host"

spec_run()
{
    sp_csv="$results/predicted_vs_measured_speedup.csv"
    sp_insample=--in-sample
    [ "$quick" = 1 ] && sp_insample=""
    sp_cross=""
    if exp_host_profile; then
        sp_cross="--cross $exp_host_profile_file"
        for sp_p in "$root"/profiles/*/cpu-*.json; do
            [ -e "$sp_p" ] && case "$sp_p" in */clusters/*) ;; *) sp_cross="$sp_cross --others $sp_p" ;; esac
        done
    else
        exp_note "no host profile: the cross-CPU pairs are left out"
    fi
    exp_note "halo predict on 30 ISA pairs${sp_cross:+ and the cross-CPU pairs} x 2 models${sp_insample:+ x (out of sample, in sample)}"
    python3 "$root/experiments/tools/speedup.py" "$halo" --models resnet50,vgg16 $sp_insample $sp_cross \
        "$root"/profiles/cpu-avx512-2t.json "$root"/profiles/cpu-avx512-1t.json \
        "$root"/profiles/cpu-avx2-2t.json "$root"/profiles/cpu-avx2-1t.json \
        "$root"/profiles/cpu-sse41-2t.json "$root"/profiles/cpu-sse41-1t.json >"$work/speedup.csv"
    # another CPU's six platforms kept in profiles/<cpu>/ (measured with ceilings where the reference
    # set has none): their ISA pairs among themselves, kind isa_other, all three predictors
    for sp_dir in "$root"/profiles/*/; do
        [ "$quick" = 1 ] && break # a smoke test: the reference set and the host are enough
        case "$sp_dir" in */clusters/) continue ;; esac
        sp_set=""
        for sp_n in avx512-2t avx512-1t avx2-2t avx2-1t sse41-2t sse41-1t; do
            [ -f "$sp_dir/cpu-$sp_n.json" ] && sp_set="$sp_set $sp_dir/cpu-$sp_n.json"
        done
        [ "$(echo $sp_set | wc -w)" -eq 6 ] || continue
        exp_note "halo predict on the 30 ISA pairs of $(basename "$sp_dir") x 2 models (isa_other)"
        python3 "$root/experiments/tools/speedup.py" "$halo" --models resnet50,vgg16 --kind isa_other $sp_set |
            tail -n +2 >>"$work/speedup.csv"
    done
    exp_csv_begin "$sp_csv" "$(head -n 1 "$work/speedup.csv")"
    tail -n +2 "$work/speedup.csv" | while IFS= read -r sp_line; do
        exp_row "$sp_csv" "$sp_line" predicted monotonic cpu
    done
    python3 "$root/experiments/tools/predictors.py" "$sp_csv" --summary >&2
    exp_plot predicted_vs_measured_speedup
}
