# Figure 9: ADCNN (lossy) output deviation and top-1 agreement vs its FDSP grid, beside the bytes
# its codec really writes. Swept: grids 2x2 .. 8x8 (each forced with `halo plan --grid G`, the
# depth of the early blocks still chosen by the planner; a grid the model's early blocks cannot
# hold is skipped), ResNet-50 and VGG-16 at 224x224, on profiles/clusters/homo-8-slow.json
# (8 ESs on the reference CPU profile at 100 Mbps: ADCNN's 8+1 nodes at about 88 Mbps). For each grid, halo
# plan fits the codec's clip bound to real activations, encodes the travelling tile outputs of N
# seeded N(0,1) inputs (default 8, --quick 2; --quick: ResNet-50 and grids 2, 4, 6, 8 only),
# re-plans with the measured compressed/raw ratio, and compares the plan's logits with the
# model's: max abs error, relative L2 error, top-1 agreement. cpu backend, RANDOM weights (seed
# 0) — with random weights the logits carry no class, so top-1 agreement is a weak proxy; set
# HALO_WEIGHTS to a folder holding MODEL.safetensors (tools/export_torchvision.py MODEL
# DIR/MODEL.safetensors --pretrained) to use real weights. kind = measured (the deviation and the
# coded bytes; clock none); pred_latency_ms and pred_bytes_moved are the plan's predictions.
# Coded bytes count the tile outputs that travel to the central node (the tiles it computes
# itself stay there uncoded), per inference and in total over the N inputs, beside their raw size.
SPEC_TITLE="ADCNN (lossy): output deviation and top-1 agreement vs grid size, beside its coded bytes"

spec_run()
{
    ad_csv="$results/adcnn_deviation.csv"
    ad_models=resnet50,vgg16 ad_grids=2,3,4,5,6,7,8 ad_inputs=8
    [ "$quick" = 1 ] && ad_models=resnet50 ad_grids=2,4,6,8 ad_inputs=2
    set --
    if [ -n "${HALO_WEIGHTS:-}" ]; then
        exp_note "weights from $HALO_WEIGHTS/MODEL.safetensors where present"
        set -- --weights-dir "$HALO_WEIGHTS"
    fi
    exp_note "models $ad_models, grids $ad_grids, $ad_inputs seeded inputs each (halo plan --method adcnn --grid G --deviation $ad_inputs)"
    python3 "$root/experiments/tools/adcnn.py" "$halo" "$root/profiles/clusters/homo-8-slow.json" "$work" \
        --models "$ad_models" --grids "$ad_grids" --inputs "$ad_inputs" "$@" \
        >"$work/adcnn.csv" || return 1
    [ "$(wc -l <"$work/adcnn.csv")" -ge 2 ] || { echo "adcnn_deviation: no grid was measured" >&2; return 1; }
    exp_csv_begin "$ad_csv" "$(head -n 1 "$work/adcnn.csv")"
    tail -n +2 "$work/adcnn.csv" | while IFS= read -r ad_line; do
        exp_row "$ad_csv" "$ad_line" measured none cpu
    done
    exp_plot adcnn_deviation
}
