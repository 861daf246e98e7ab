#!/bin/sh
# The main job: set-up, build, then the reproduction. For now: the per-stage FLOP and parameter
# tables of ResNet-50 and VGG-16, printed and written as CSV under results/.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh"
halo="${HALO_BUILD_DIR:-$root/build}/halo"
mkdir -p "$root/results"
for model in resnet50 vgg16; do
    "$halo" flops "$model" --per stage
    "$halo" flops "$model" --per stage --format csv >"$root/results/flops_${model}_stages.csv"
    "$halo" flops "$model" --per node --format csv >"$root/results/flops_${model}_nodes.csv"
    echo
done
echo "wrote results/flops_{resnet50,vgg16}_{stages,nodes}.csv" >&2
