# Figure 8: a picture of one DPFP plan: ResNet-50 at 224x224 on profiles/clusters/hetero-4-fast.json
# (4 reference platforms: the committed profiles, measured on another CPU than this host's, which
# the figure names; 1000 Mbps; DPFP's subset search keeps 3 ESs). A figure of the method's
# behaviour on a fixed platform, so it stays on the reference profiles on every host. x = block, y = the block's output rows; one bar per (block,
# ES) in the ES's colour over its own rows, hatched where its receptive field (the input rows it
# reads, mapped to the block's output rows) reaches beyond them: the halo. The plan is written by
# `halo plan -o` and laid out by experiments/tools/plan_rects.py. --quick: the same.
# kind = predicted.
SPEC_TITLE="Picture of a DPFP plan (ResNet-50 on hetero-4-fast): rows per ES per fused block, halos hatched"

spec_run()
{
    local csv plan
    csv="$results/plan_picture.csv"
    plan="$work/plan_picture.json"
    exp_note "dpfp plan of resnet50 on hetero-4-fast"
    "$halo" plan resnet50 --cluster "$root/profiles/clusters/hetero-4-fast.json" --method dpfp -o "$plan"
    "$halo" flops resnet50 --per stage --format json >"$work/resnet50_stages.json"
    python3 "$root/experiments/tools/plan_rects.py" "$plan" "$work/resnet50_stages.json" \
        >"$work/plan_picture.rows"
    exp_csv_begin "$csv" "block,label,first_stage,last_stage,h_in,h_out,device,profile,dev_index,n_devs,out_y0,out_y1,in_y0,in_y1,halo_y0,halo_y1,f0,f1,g0,g1,macs,compute_ms,total_ms,local_ms,redundant_pct"
    while IFS= read -r row; do
        exp_row "$csv" "$row" predicted none none
    done <"$work/plan_picture.rows"
    exp_plot plan_picture
}
