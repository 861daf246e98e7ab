#!/bin/sh
# Re-measures the six committed CPU profiles (profiles/cpu-{avx512,avx2,sse41}-{2t,1t}.json) on this
# machine as they were first measured — oneDNN's ISA capped with ONEDNN_MAX_CPU_ISA (AVX512_CORE,
# AVX2, SSE41) x 2 or 1 threads, ResNet-18, ResNet-50, VGG-11, VGG-16 and MobileNet-V2 at 224x224, 2
# warm-up + 5 timed runs, strips at 1, 1/2, 1/4, 1/8 — now with each platform's ceilings (peak per
# ISA and threads, bandwidth per memory level) and every layer's roofline. The platforms are
# measured in rounds interleaved in time (round 1: A B C D E F, round 2: ...) and merged by
# tools/merge_profiles.py (median of medians; the ceilings of the round with the highest peak), then
# fitted by halo fit. Run it on a quiet machine: nothing else running, the same power settings
# throughout. About 10 minutes a round on 2 cores.
#
# When the profiles there were measured on another CPU, they are kept first under
# profiles/<that CPU>/ (the cross-CPU pairs of figure 5 use them), never overwritten silently.
#
# --out DIR writes the six profiles into DIR instead (e.g. profiles/<this cpu>/: another CPU's set
# beside the reference one, whose ISA pairs and cross-CPU pairs experiments/tools/speedup.py can
# price), and leaves profiles/cpu-*.json alone.
#
# usage: tools/remeasure_profiles.sh [--rounds N] [--halo PATH] [--out DIR] [--dry-run]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 halo=${HALO_BIN:-$root/build/halo} dry=0 out=
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=${2:?}; shift ;;
        --halo) halo=${2:?}; shift ;;
        --out) out=${2:?}; shift ;;
        --dry-run) dry=1 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "remeasure_profiles: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$halo" ] || { echo "remeasure_profiles: no halo at $halo (tools/build.sh first)" >&2; exit 2; }
run() { echo "+ $*"; [ "$dry" = 1 ] || "$@"; }
work=$root/results/remeasure-$(date -u +%Y%m%d-%H%M%S)
models=resnet18,resnet50,vgg11,vgg16,mobilenet_v2
host_cpu=$(python3 -c "import json,subprocess,sys; d=json.loads(subprocess.run([sys.argv[1],'ceilings','--quick','--threads','1','--format','json'],capture_output=True,text=True).stdout); print(d['device'])" "$halo")

# keep profiles of another CPU
old_cpu=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['platform'].get('cpu_model',''))" \
    "$root/profiles/cpu-avx512-2t.json" 2>/dev/null || echo "")
dest=${out:-$root/profiles}
if [ -z "$out" ] && [ -n "$old_cpu" ] && [ "$old_cpu" != "$host_cpu" ]; then
    keep=$root/profiles/$(echo "$old_cpu" | tr 'A-Z' 'a-z' | sed 's/([^)]*)//g; s/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')
    echo "remeasure_profiles: the committed profiles were measured on '$old_cpu', this is '$host_cpu': keeping them in $keep/"
    run mkdir -p "$keep"
    for f in "$root"/profiles/cpu-*.json; do run cp "$f" "$keep/"; done
fi

for r in $(seq 1 "$rounds"); do
    for isa in AVX512_CORE AVX2 SSE41; do
        for t in 2 1; do
            name=cpu-$(echo "$isa" | tr 'A-Z' 'a-z' | sed 's/_core//')-${t}t
            run mkdir -p "$work/r$r"
            run env ONEDNN_MAX_CPU_ISA=$isa "$halo" profile -o "$work/r$r/$name.json" --name "$name" --threads "$t" \
                --warmup 2 --repeat 5 --models "$models"
        done
    done
done
for isa in avx512 avx2 sse41; do
    for t in 2 1; do
        name=cpu-$isa-${t}t
        set --
        for r in $(seq 1 "$rounds"); do set -- "$@" "$work/r$r/$name.json"; done
        run mkdir -p "$dest"
        run python3 "$root/tools/merge_profiles.py" -o "$dest/$name.json" "$@"
        run "$halo" fit "$dest/$name.json" -o "$dest/$name.json"
        # hwloc names no microarchitecture: the figures' labels take it from /proc/cpuinfo
        run python3 "$root/experiments/tools/platforms.py" annotate "$dest/$name.json"
    done
done
cat <<MSG
remeasure_profiles: done ($dest); the rounds are in $work. Next:
  experiments/reproduce.sh --no-build capacity_per_layer roofline predicted_vs_measured_speedup
  python3 experiments/tools/predictors.py results/predicted_vs_measured_speedup.csv --markdown
and put the tables in profiles/README.md.
MSG
