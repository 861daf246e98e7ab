# The summary (runs last; no figure): results/summary.md with the headline table for ResNet-50 and
# VGG-16 — DPFP against local and every baseline (predicted latency, latency reduction %, speedup
# x, lossless) on the GPU clusters that mirror DPFP's setting (profiles/clusters/gpu-xavier-4,
# gpu-hetero-4: datasheet profiles, ESTIMATED), on the reference CPU clusters (homo-4-fast,
# hetero-4-fast: the committed profiles, measured on another CPU, named) and on 4 ESs priced by this
# host's own profile (homo-4-host, from exp_host_profile), beside the published figures (docs/METHODS.md), with what differs in
# the setting; where DPFP does not win and why (from its plans); headline numbers of the figures
# whose CSVs exist; the list of figures; provenance. Written by experiments/tools/summary.py,
# which runs its own plans (`halo plan --method all --deviation 0`, `--method dpfp -o`).
# --quick: the same (seconds).
SPEC_TITLE="Summary: DPFP against local and every baseline beside the published figures (results/summary.md)"

spec_run()
{
    exp_note "plans on gpu-xavier-4, gpu-hetero-4, homo-4-fast, hetero-4-fast, homo-4-host; writing $results/summary.md"
    set --
    exp_host_profile && set -- --host-profile "$exp_host_profile_file"
    python3 "$root/experiments/tools/summary.py" --halo "$halo" --root "$root" --results "$results" \
        --plots-out "$plots_out" --work "$work" --quick "$quick" --commit "$exp_commit" --host "$exp_host" \
        --date "$exp_date" --specs "$(echo $ALL_SPECS)" "$@"
    exp_note "wrote $results/summary.md"
}
