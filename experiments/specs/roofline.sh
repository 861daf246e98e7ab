# Figure 4b: one roofline per platform with every layer of ResNet-50 and VGG-16 that has FLOPs
# (conv, linear) on it: x = arithmetic intensity (FLOP per byte moved: weights + input + output,
# float32; FLOP = 2 MAC), y = achieved GFLOP/s; the roof is the platform's measured ceilings (FMA
# kernel peak, oneDNN's or cuBLAS's GEMM, triad bandwidth per memory level), each layer against the
# level its working set fits in. Platforms: the committed profiles that have ceilings
# (profiles/cpu-*.json, profiles/gpu-*.json; the ones measured before halo recorded ceilings are
# left out with a note), and this host's own profile measured now (exp_host_profile). Numbers come
# from the profiles' `roofline` per layer (halo profile computes them: profile/roofline.c); layers
# above the roof are counted with their reason. No methods, no clusters. kind = measured.
# --quick: the host's profile with one timed run.
SPEC_TITLE="rooflines: every layer of ResNet-50 and VGG-16 under each platform's measured ceilings"

spec_run()
{
    rf_csv="$results/roofline.csv"
    rf_ceil="$results/roofline_ceilings.csv"
    set -- "$root"/profiles/cpu-*.json
    for rf_p in "$root"/profiles/gpu-*.json; do [ -e "$rf_p" ] && set -- "$@" "$rf_p"; done
    exp_host_profile && set -- "$@" "$exp_host_profile_file"
    exp_note "reading $# profiles (resnet50, vgg16 layers)"
    python3 "$root/experiments/tools/roofline.py" --models resnet50,vgg16 --ceilings-out "$work/ceil.csv" "$@" \
        >"$work/roofline.csv" || return 1
    for rf_pair in "$work/roofline.csv:$rf_csv" "$work/ceil.csv:$rf_ceil"; do
        exp_csv_begin "${rf_pair#*:}" "$(head -n 1 "${rf_pair%%:*}")"
        tail -n +2 "${rf_pair%%:*}" | while IFS= read -r rf_line; do
            case "$rf_line" in gpu-*) rf_b=cuda ;; *) rf_b=cpu ;; esac
            exp_row "${rf_pair#*:}" "$rf_line" measured monotonic "$rf_b"
        done
    done
    python3 - "$rf_csv" <<'PY' >&2
import collections, csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for plat in dict.fromkeys(r["platform"] for r in rows):
    sel = [r for r in rows if r["platform"] == plat]
    above = collections.Counter(r["reason"] for r in sel if r["above_roof"] == "yes")
    eff = sorted(float(r["efficiency"]) for r in sel)
    print(f"  roofline: {plat}: {len(sel)} layers, {sum(r['bound'] == 'compute' for r in sel)} compute-bound, "
          f"achieved/attainable median {eff[len(eff) // 2]:.2f}, above the roof {sum(above.values())}"
          + (" (" + ", ".join(f"{k}: {v}" for k, v in above.items()) + ")" if above else ""))
PY
    exp_note "$(($(wc -l <"$rf_csv") - 1)) layer points; plotting"
    exp_plot roofline
}
