# The per-stage and per-node FLOP and parameter tables of ResNet-50 and VGG-16 (exact counts,
# torchvision's conventions), printed and written as CSV. No figure.
SPEC_TITLE="FLOP and parameter tables of ResNet-50 and VGG-16 (counted, exact)"

spec_run()
{
    for model in resnet50 vgg16; do
        "$halo" flops "$model" --per stage
        "$halo" flops "$model" --per stage --format csv >"$results/flops_${model}_stages.csv"
        "$halo" flops "$model" --per node --format csv >"$results/flops_${model}_nodes.csv"
        echo
    done
}
