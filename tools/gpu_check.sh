#!/bin/sh
# The GPU path in one call, for the day a GPU is at hand: builds halo with CUDA, runs the CUDA tests,
# measures the GPU's ceilings (halo ceilings --backend cuda), profiles resnet18, resnet50 and vgg16
# on the cuda backend (halo profile, ceilings and roofline included), benchmarks resnet50 and vgg16
# per layer under the GPU's roofline (halo bench), and compares the cuda backend's logits with the
# cpu backend's (halo infer, same weights and input). Everything goes under one folder, with a log
# per step and summary.txt; the elapsed time of each step is printed as it ends. Budget: under 8
# minutes on an H100 (--quick: about half).
#
# usage: tools/gpu_check.sh [--out DIR] [--build-dir DIR] [--no-build] [--quick]
#   --out DIR        where everything goes (default results/gpu-check-YYYYMMDD-HHMMSS)
#   --build-dir DIR  the build folder (default $HALO_BUILD_DIR, else build-gpu)
#   --no-build       use the build in the build folder as it is
#   --quick          fewer repetitions and smaller sizes (a smoke test, not a profile to commit)
# exit: 0 every step passed; 1 a step failed (the later ones still ran; a failed build stops); 2 there is no GPU, or halo
#       was built without the cuda backend: the steps before the first that needs it ran, and the
#       message names what is missing.
# After a full run: copy OUT/gpu-*.json into profiles/ and commit it (summary.txt says which).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out="" build=${HALO_BUILD_DIR:-$root/build-gpu} do_build=1 quick=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=${2:?--out needs a folder}; shift ;;
        --build-dir) build=${2:?--build-dir needs a folder}; shift ;;
        --no-build) do_build=0 ;;
        --quick) quick=1 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu_check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$out" ] || out=$root/results/gpu-check-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out" || { echo "gpu_check: cannot create $out" >&2; exit 2; }
out=$(cd "$out" && pwd)
halo=$build/halo
summary=$out/summary.txt
repeat=10 warmup=3 tiles=1,0.5,0.25,0.125 quickflag=""
[ "$quick" = 1 ] && repeat=3 warmup=1 tiles=1,0.5 quickflag=--quick
t_all=$(date +%s)
failed=0
n=0

{
    echo "gpu_check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
    echo "commit $(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$( [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ] && echo -dirty)"
    echo "out $out; build $build; quick $quick"
    echo
    printf '%-3s %-10s %-6s %6s  %s\n' "#" step status secs note
} >"$summary"

# step NAME NOTE-ON-SUCCESS COMMAND...: runs COMMAND with its output in NN-NAME.log; records status
# and seconds in the summary; returns the command's exit status.
step() {
    name=$1 okmsg=$2
    shift 2
    n=$((n + 1))
    log=$out/$(printf %02d "$n")-$name.log
    printf '[%d] %s ... ' "$n" "$name"
    t0=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    if [ "$rc" -eq 0 ]; then status=OK note=$okmsg; else status=FAIL note="exit $rc: $(tail -n 1 "$log")"; fi
    printf '%s in %d s (total %d s)\n' "$status" "$secs" $(($(date +%s) - t_all))
    printf '%-3s %-10s %-6s %6d  %s\n' "$n" "$name" "$status" "$secs" "$note" >>"$summary"
    return "$rc"
}

# stop_no_gpu WHAT: the step that needs a GPU (or the cuda backend) could not run: say so, exit 2.
stop_no_gpu() {
    {
        echo
        echo "STOPPED: $1"
        echo "The steps above ran; the ones that need a GPU did not."
    } >>"$summary"
    echo "gpu_check: $1" >&2
    echo "gpu_check: the steps before it ran; see $summary" >&2
    exit 2
}

nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || echo "(nvidia-smi: not available)" >>"$out/nvidia-smi.txt"

# ---- 1. build with CUDA, for this GPU's architecture when nvidia-smi names it ---------------------
if [ "$do_build" = 1 ]; then
    arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .')
    set --
    [ -n "$arch" ] && set -- "-DHALO_CUDA_ARCHITECTURES=$arch"
    step build "halo built with CUDA${arch:+ for sm_$arch}" env HALO_BUILD_DIR="$build" "$root/tools/build.sh" \
        -DHALO_WITH_CUDA=ON "$@" || { echo "gpu_check: the build failed: see $out/01-build.log" >&2; cat "$summary"; exit 1; }
fi
[ -x "$halo" ] || stop_no_gpu "no halo binary at $halo (build first, or drop --no-build)"
if ! grep -q '#define HALO_CUDA_BACKEND 1' "$build/generated/halo_config.h" 2>/dev/null; then
    stop_no_gpu "the cuda backend was not built: cmake found no CUDA toolkit (nvcc) or no cuDNN (libcudnn9-dev-cuda-13 or a cuDNN tarball); the build log's summary says which"
fi

# ---- 2. the CUDA tests (the real GPU's test skips where there is none; the emulated one runs) -----
step cuda_tests "ctest -R cuda passed" sh -c "cd '$build' && ctest -R cuda --output-on-failure" || failed=1

# ---- 3. the GPU's ceilings: the first step that needs the GPU ------------------------------------
if ! step ceilings "written ceilings-cuda.json" "$halo" ceilings --backend cuda $quickflag -o "$out/ceilings-cuda.json"; then
    if grep -q "no CUDA device\|no usable CUDA device" "$out/$(printf %02d "$n")-ceilings.log"; then
        stop_no_gpu "halo ceilings --backend cuda needs a GPU: $(tail -n 1 "$out/$(printf %02d "$n")-ceilings.log")"
    fi
    failed=1
fi
gpu=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['device'])" "$out/ceilings-cuda.json" 2>/dev/null ||
    nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)
slug=$(echo "${gpu:-unknown}" | tr 'A-Z' 'a-z' | sed 's/nvidia//; s/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')
profile=$out/gpu-${slug:-unknown}.json

# ---- 4. a cuda profile of resnet18, resnet50 and vgg16 (its ceilings and roofline included) ------
step profile "wrote $(basename "$profile")" "$halo" profile --backend cuda --models resnet18,resnet50,vgg16 \
    --repeat $repeat --warmup $warmup --tile-heights $tiles --name "gpu-$slug" -o "$profile" || failed=1

# ---- 5. halo bench per layer under the GPU's roofline ----------------------------------------------
for m in resnet50 vgg16; do
    step "bench_$m" "bench-$m-cuda.csv" sh -c "'$halo' bench $m --backend cuda --per-layer --repeat $repeat \
        --warmup $warmup --ceilings '$out/ceilings-cuda.json' --format csv >'$out/bench-$m-cuda.csv'" || failed=1
done

# ---- 6. the cuda backend's logits against the cpu backend's (same random weights and input) ------
ref=cpu
grep -q '#define HALO_HAVE_DNNL 1' "$build/generated/halo_config.h" 2>/dev/null || ref=ref
compare_logits() {
    for m in resnet18 resnet50 vgg16; do
        "$halo" infer "$m" --backend cuda --seed 1 -o "$out/logits-$m-cuda.f32" >"$out/infer-$m-cuda.txt" &&
            "$halo" infer "$m" --backend "$ref" --seed 1 -o "$out/logits-$m-$ref.f32" >"$out/infer-$m-$ref.txt" || return 1
        python3 - "$out/logits-$m-cuda.f32" "$out/logits-$m-$ref.f32" "$m" "$ref" <<'PY' || return 1
import struct, sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
x, y = (struct.unpack(f"<{len(v) // 4}f", v) for v in (a, b))
assert len(x) == len(y) and x, "logit counts differ"
scale = max(abs(v) for v in y)
err = max(abs(p - q) for p, q in zip(x, y)) / scale
top_x, top_y = max(range(len(x)), key=x.__getitem__), max(range(len(y)), key=y.__getitem__)
print(f"{sys.argv[3]}: max |cuda - {sys.argv[4]}| / max |{sys.argv[4]}| = {err:.2e}; top-1 {top_x} vs {top_y}")
assert err <= 1e-4 and top_x == top_y, "the cuda logits differ from the reference"
PY
    done
}
step logits "cuda logits match $ref (max rel. error <= 1e-4, same top-1)" compare_logits || failed=1

{
    echo
    echo "total $(($(date +%s) - t_all)) s; every file is in $out"
    if [ "$failed" = 0 ] && [ "$quick" = 0 ]; then
        echo "next: cp $profile profiles/ && git add profiles/$(basename "$profile"), then commit it with this summary"
    fi
} >>"$summary"
cat "$summary"
exit "$failed"
