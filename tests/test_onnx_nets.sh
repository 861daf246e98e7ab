#!/bin/sh
# Whole networks imported from ONNX: an inception-style net (concat, strided branches), a residual
# net (with the exporters' Shape/Gather/Unsqueeze/Concat -> Reshape flatten) and a MobileNet-style
# net (depthwise, ReLU6, HardSwish, squeeze-and-excitation), written by tests/onnx_nets.py, and
# the zoo's resnet50 and vgg16 written by tools/export_onnx.py from halo's own definitions (at
# 224x224, in the scratch folder, never committed). For each: halo's logits (ref and cpu; cpu only
# for the two large ones) against ONNX Runtime's within 1e-4 of the largest logit, `halo tiles
# --check` lossless on the spatial stages, `halo plan` and `halo run --verify` on the virtual clock
# with three ESs (without mpirun: skipped, said so). Also: resnet50's and vgg16's MACs and
# parameters as torchvision counts them, and `halo run` refusing a plan whose ONNX file changed.
# usage: test_onnx_nets.sh PATH/TO/halo   (SKIP, 77, without ONNX import or python3's onnx,
# onnxruntime and numpy)
set -u
HALO=$1
. "$(dirname "$0")/cli_lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)

if "$HALO" flops "$tmp/none.onnx" 2>&1 | grep -q "without ONNX support"; then
    echo "SKIP: this halo was built without ONNX import"
    exit 77
fi
if ! python3 -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
    echo "SKIP: python3 lacks onnx, onnxruntime or numpy (pip install onnx onnxruntime; tools/setup.sh does)"
    exit 77
fi
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
have_mpi=1
command -v mpirun >/dev/null 2>&1 && "$HALO" run --help >/dev/null 2>&1 || have_mpi=0

python3 "$root/tests/onnx_nets.py" "$tmp" || { fail "tests/onnx_nets.py could not write the networks"; finish test_onnx_nets; }
for m in resnet50 vgg16; do
    python3 "$root/tools/export_onnx.py" $m --input 224x224 --seed 3 --check 5 --halo "$HALO" -o "$tmp/$m.onnx" ||
        fail "tools/export_onnx.py $m failed"
done

cat >"$tmp/c.json" <<'JSON'
{"schema": "halo-cluster/1", "name": "onnx3", "source": "src",
 "devices": [
  {"name": "src", "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.5},
  {"name": "es1", "capacity": {"gflops": 40}, "uplink_mbps": 300, "downlink_mbps": 300, "latency_ms": 0.2},
  {"name": "es2", "capacity": {"gflops": 30}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.2},
  {"name": "es3", "capacity": {"gflops": 40}, "speed": 0.5, "uplink_mbps": 100, "downlink_mbps": 100, "latency_ms": 0.2}]}
JSON

# rel_err A B: max |a - b| / max |b| of two raw float32 files (prints it; fails over 1e-4)
rel_err() {
    python3 - "$1" "$2" <<'PY'
import sys
import numpy as np
a, b = (np.fromfile(p, dtype=np.float32) for p in sys.argv[1:3])
if a.shape != b.shape:
    print(f"sizes differ: {a.size} vs {b.size}")
    sys.exit(1)
e = float(np.max(np.abs(a.astype(np.float64) - b)) / np.max(np.abs(b)))
print(f"{e:.3g}")
sys.exit(0 if e <= 1e-4 else 1)
PY
}

summary=""
# under the sanitizers (HALO_SANITIZE=1, tests/run_sanitized.sh) the two large networks are only
# counted and run once against ONNX Runtime: their tiles, plans and runs are the small ones' code
# paths, at many times the memory
large=full
[ "${HALO_SANITIZE:-0}" = 1 ] && large=logits

# net NAME SIZE BACKENDS [logits]: logits against ONNX Runtime, then (unless `logits`) tiles, plan
# and run
net() {
    name=$1 size=$2 backends=$3 only=${4:-} f=$tmp/$1.onnx
    in=$f.input.f32
    for be in $backends; do
        checks=$((checks + 1))
        if ! "$HALO" infer "$f" --input "${size}x$size" --backend "$be" --input-raw "$in" --out "$tmp/$name.$be.f32" \
            >"$tmp/out" 2>"$tmp/err"; then
            fail "halo infer $name --backend $be: $(cat "$tmp/err")"
            continue
        fi
        if err=$(rel_err "$tmp/$name.$be.f32" "$f.logits.f32"); then
            summary="$summary $name/$be $err;"
        else
            fail "$name on $be: logits differ from ONNX Runtime's by $err of the largest (limit 1e-4)"
        fi
    done
    [ "$only" = logits ] && return
    # the spatial stages: the leading run the planners split (a global pooling or channel attention ends it)
    n=$("$HALO" flops "$f" --input "${size}x$size" --per stage --format json | python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
n = 0
while n < len(rows) and rows[n]["spatial"]:
    n += 1
print(n)')
    checks=$((checks + 1))
    [ -n "$n" ] && [ "$n" -ge 1 ] || { fail "$name: could not learn its spatial stages"; return; }
    for be in $backends; do
        expect 0 "-> PASS" tiles "$f" --input "${size}x$size" --stages "0:$n" --parts 3 --check --backend "$be"
    done
    expect 0 "-> PASS" tiles "$f" --input "${size}x$size" --stages "0:$n" --grid 2x2 --check --backend "${backends%% *}"
    expect 0 "wrote" plan "$f" --input "${size}x$size" --cluster "$tmp/c.json" --no-select -o "$tmp/$name.plan.json"
    checks=$((checks + 1))
    grep -q '"model_hash"' "$tmp/$name.plan.json" || fail "$name: the plan does not record the file's hash"
    if [ $have_mpi = 1 ]; then
        be=${backends##* }
        expect 0 "verify OK" run "$tmp/$name.plan.json" --backend "$be" --verify --warmup 0 --clock virtual \
            --timeout-ms 120000
        checks=$((checks + 1))
        grep -q "the initializers of" "$tmp/out" || fail "$name: halo run did not use the file's own weights"
    fi
    summary="$summary $name: $n spatial stages;"
}

net inception 48 "ref cpu"
net residual 64 "ref cpu"
net mobilenet 64 "ref cpu"
net resnet50 224 "cpu" $large
net vgg16 224 "cpu" $large

# the zoo's counts, as torchvision counts them
expect 0 "4089184256 MACs" flops "$tmp/resnet50.onnx"
expect 0 "25557032 params" flops "$tmp/resnet50.onnx"
expect 0 "15470264320 MACs" flops "$tmp/vgg16.onnx"
expect 0 "138357544 params" flops "$tmp/vgg16.onnx"
# --model stands for the MODEL argument
expect 0 "4089184256 MACs" flops --model "$tmp/resnet50.onnx"

# --weights by tensor name: a safetensors file of the initializers (named as the exporter named
# them, conv_1.weight, bn_2.running_var, fc_32.bias, ...) gives the same logits as the file itself
python3 - "$tmp/inception.onnx" "$tmp/inception.safetensors" <<'PY'
import json, struct, sys
import numpy as np
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
header, blobs, off = {}, [], 0
for t in m.graph.initializer:
    a = np.ascontiguousarray(numpy_helper.to_array(t), dtype=np.float32)
    header[t.name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
    blobs.append(a.tobytes())
    off += a.nbytes
h = json.dumps(header).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
PY
expect 0 "logits" infer "$tmp/inception.onnx" --input 48x48 --backend ref --input-raw "$tmp/inception.onnx.input.f32" \
    --weights "$tmp/inception.safetensors" --out "$tmp/inception.st.f32"
checks=$((checks + 1))
cmp -s "$tmp/inception.st.f32" "$tmp/inception.ref.f32" ||
    fail "inception: --weights of the initializers by name gives other logits than the file's own weights"

# a plan names its file and its hash: halo run refuses the plan once the file is another
cp "$tmp/inception.onnx" "$tmp/swap.onnx"
expect 0 "wrote" plan "$tmp/swap.onnx" --input 48x48 --cluster "$tmp/c.json" -o "$tmp/swap.plan.json"
cp "$tmp/residual.onnx" "$tmp/swap.onnx"
if [ $have_mpi = 1 ]; then
    expect 2 "model_hash" run "$tmp/swap.plan.json" --backend ref --warmup 0 --clock virtual
else
    echo "(halo run not checked: no mpirun or no 'halo run' in this build)"
fi

# importing is not quadratic in the nodes: chains of 4 000 and 40 000 ReLUs, listed last node first
# (the importer orders them): ten times the nodes may take at most 30 times as long (it took 100+
# times as long while the ordering rescanned the file per node); each lists every node in order
for n in 4000 40000; do
    python3 - "$tmp/chain$n.onnx" $n <<'PY'
import sys
import onnx
from onnx import TensorProto, helper
n = int(sys.argv[2])
nodes = [helper.make_node("Relu", ["x" if k == 0 else f"r{k - 1}"], [f"r{k}"], name=f"r{k}") for k in range(n)]
g = helper.make_graph(nodes[::-1], "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                      [helper.make_tensor_value_info(f"r{n - 1}", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(g), sys.argv[1])
PY
done
t0=$(date +%s%N)
"$HALO" flops "$tmp/chain4000.onnx" --input 8x8 >"$tmp/chain4000.txt" 2>&1
t1=$(date +%s%N)
"$HALO" flops "$tmp/chain40000.onnx" --input 8x8 >"$tmp/chain40000.txt" 2>&1
t2=$(date +%s%N)
checks=$((checks + 1))
python3 - "$tmp/chain40000.txt" 40000 "$((t1 - t0))" "$((t2 - t1))" <<'PY' || fail "importing a 40 000-node chain: see above"
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if re.match(r"\s*\d+\s+r\d+\s", l)]
n, small, big = int(sys.argv[2]), int(sys.argv[3]) / 1e9, int(sys.argv[4]) / 1e9
print(f"import of 4000 / 40000 reversed nodes: {small:.3f} s / {big:.3f} s ({big / small:.1f}x)")
ok = [r[1] for r in rows] == [f"r{k}" for k in range(n)]
if not ok:
    print(f"the nodes are not listed r0..r{n - 1} in order ({len(rows)} rows)")
if big > 30 * small:
    print("ten times the nodes took more than 30 times as long: quadratic")
sys.exit(0 if ok and big <= 30 * small else 1)
PY

echo "logits vs ONNX Runtime (max |diff| / max |logit|):$summary"
finish test_onnx_nets
