#!/bin/sh
# Regenerates the seed corpus in tests/fuzz/corpus/ (committed; CI does not run this). Real files
# written by halo (profile, fit, cluster, plan, weights) plus hand-made broken ones; images need
# Pillow ($PYTHON_PIL: a python3 that has it, default python3). usage: tests/fuzz/make_corpus.sh BUILD_DIR   (a normal build: BUILD_DIR/halo,
# BUILD_DIR/fuzz/fuzz_safetensors)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
halo=$build/halo
C=$root/tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$C/cluster" "$C/profile" "$C/plan" "$C/safetensors" "$C/image" "$C/args" "$C/trace"

# ---- profile: measured by halo (ref backend, tiny), refitted, minified, and broken variants
"$halo" profile -o "$tmp/r18.json" --backend ref --models resnet18 --input 64x64 --warmup 0 --repeat 1 \
    --tile-heights 1,0.5 --name tiny-ref >/dev/null 2>&1
python3 - "$tmp/r18.json" "$C/profile" <<'PY'
import json, sys, copy
p = json.load(open(sys.argv[1])); out = sys.argv[2]
def w(name, obj, raw=None):
    open(f"{out}/{name}", "w").write(raw if raw is not None else json.dumps(obj, separators=(",", ":")))
del p["platform"]["topology"]
w("measured.json", p)
fit_only = {k: p[k] for k in ("schema", "name", "platform", "fit")}; fit_only["models"] = []; fit_only["estimated"] = True
w("fit_only.json", fit_only)
small = copy.deepcopy(p); small["models"][0]["layers"] = small["models"][0]["layers"][:3]; del small["fit"]
w("three_layers.json", small)
w("truncated.json", None, json.dumps(p)[:700])
b = copy.deepcopy(fit_only); b["schema"] = "halo-profile/0"; w("bad_schema.json", b)
b = copy.deepcopy(small); b["models"][0]["layers"][1]["time_ms"]["min"] = 1e9; w("bad_stats.json", b)
b = copy.deepcopy(small); b["models"][0]["layers"][0]["tiles"] = [{"fraction": 0.5, "time_ms": 1}, {"fraction": 0.25, "time_ms": 1}]; w("bad_tiles.json", b)
b = copy.deepcopy(fit_only); b["fit"]["classes"]["conv9x9"] = {"gflops": 1, "overhead_ms": 0}; w("bad_class.json", b)
ceil = {"schema": "halo-ceilings/1", "threads": 1, "isa": "avx2", "peak_gflops": 100,
        "fma": [{"isa": "avx2", "per_threads": [{"threads": 1, "gflops": 100}]}],
        "memory": {"levels": [{"level": "L1", "capacity_bytes": 32768, "triad_gbps": 200},
                              {"level": "DRAM", "capacity_bytes": None, "triad_gbps": 20}]}}
b = copy.deepcopy(small); b["ceilings"] = ceil; w("ceilings.json", b)
b = copy.deepcopy(small); b["ceilings"] = copy.deepcopy(ceil); b["ceilings"]["memory"]["levels"][1]["capacity_bytes"] = 1; w("bad_ceilings.json", b)
PY

# ---- cluster: the examples, inline capacities, a measured profile by path, links, channels
cp "$root/profiles/clusters/"*.json "$C/cluster/" 2>/dev/null || true
cat >"$C/cluster/small.json" <<'J'
{"schema":"halo-cluster/1","name":"t3","source":"cam","devices":[{"name":"cam","uplink_mbps":500,"downlink_mbps":500,"latency_ms":0.5},{"name":"es1","capacity":{"gflops":40,"classes":{"conv3x3":55,"linear":9}},"uplink_mbps":500,"downlink_mbps":500,"latency_ms":0.2},{"name":"es2","speed":0.5,"capacity":{"gflops":20,"overhead_ms":0.1,"elementwise_gops":3},"uplink_mbps":300,"downlink_mbps":200}]}
J
cat >"$C/cluster/links_rayleigh.json" <<'J'
{"schema":"halo-cluster/1","source":"cam","channel":{"model":"rayleigh","bandwidth_mhz":20,"snr_db":15,"devices":{"es1":{"snr_db":5}}},"links":{"bandwidth_mbps":[[0,100,50],[100,0,80],[50,80,0]],"latency_ms":[[0,1,2],[1,0,1],[2,1,0]]},"devices":[{"name":"cam","uplink_mbps":100,"downlink_mbps":100},{"name":"es1","capacity":{"gflops":10},"uplink_mbps":100,"downlink_mbps":100},{"name":"es2","capacity":{"gflops":30},"uplink_mbps":80,"downlink_mbps":80}]}
J
cat >"$C/cluster/profile_ref.json" <<'J'
{"schema":"halo-cluster/1","source":"cam","channel":{"model":"static"},"devices":[{"name":"cam","uplink_mbps":100,"downlink_mbps":100},{"name":"es1","profile":"nope.json","uplink_mbps":100,"downlink_mbps":100}]}
J
printf '{"schema":"halo-cluster/1","source":"cam","devices":[{"name":"cam","uplink_mbps":1' >"$C/cluster/truncated.json"
cat >"$C/cluster/bad_types.json" <<'J'
{"schema":"halo-cluster/1","source":"cam","devices":[{"name":"cam","uplink_mbps":"fast","downlink_mbps":100},{"name":7,"capacity":[1],"uplink_mbps":-1,"downlink_mbps":1e999}]}
J
# what the JSON reader refuses beyond JSON: a key twice, data after the document, \u0000 in a name
cat >"$C/cluster/strict.json" <<'J'
{"schema":"halo-cluster/1","source":"cam","source":"es1","devices":[{"name":"cam\u0000x","uplink_mbps":1e-3,"downlink_mbps":1e9},{"name":"es1","capacity":{"gflops":1e-6},"uplink_mbps":100,"downlink_mbps":100}]} {}
J

# ---- plan: written by halo plan for two models and several methods (one lossy, with a codec)
for m in $("$halo" methods --format csv | awk -F, 'NR > 1 && $1 != "local" {print $1}'); do
    "$halo" plan resnet18 --cluster "$C/cluster/small.json" --input 64x64 --method $m -o "$tmp/p.json" >/dev/null 2>&1 || continue
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p.pop("events",None); [b.get("predicted",{}).pop("events",None) for b in [p]+p.get("rotation",[])]; open(sys.argv[2],"w").write(json.dumps(p,separators=(",",":")))' \
        "$tmp/p.json" "$C/plan/resnet18_$m.json"
done
"$halo" plan vgg11 --cluster "$C/cluster/small.json" --input 64x64 -o "$tmp/v.json" >/dev/null 2>&1 &&
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p.get("predicted",{}).pop("events",None); open(sys.argv[2],"w").write(json.dumps(p,separators=(",",":")))' \
        "$tmp/v.json" "$C/plan/vgg11_dpfp.json"
# a plan with variants that a stream rotates over (every ES imposed, so there is more than one)
"$halo" plan resnet18 --cluster "$C/cluster/small.json" --input 64x64 --method roundrobin --no-select -o "$tmp/r.json" >/dev/null 2>&1 &&
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); [b.get("predicted",{}).pop("events",None) for b in [p]+p.get("rotation",[])]; open(sys.argv[2],"w").write(json.dumps(p,separators=(",",":")))' \
        "$tmp/r.json" "$C/plan/rotation_roundrobin.json"
head -c 600 "$C/plan/resnet18_dpfp.json" >"$C/plan/truncated.json"
sed 's/halo-plan\/1/halo-plan\/2/' "$C/plan/resnet18_dpfp.json" >"$C/plan/bad_schema.json"

# ---- safetensors: the fuzz target's tiny graph, written by halo_weights_save, and broken ones
HALO_FUZZ_WRITE_SEED="$C/safetensors/tiny.safetensors" "$build/fuzz/fuzz_safetensors" "$C/safetensors/tiny.safetensors" >/dev/null 2>&1 ||
    HALO_FUZZ_WRITE_SEED="$C/safetensors/tiny.safetensors" "$build/fuzz/fuzz_safetensors" /dev/null >/dev/null 2>&1 || true
python3 - "$C/safetensors" <<'PY'
import json, struct, sys
d = sys.argv[1]; raw = open(f"{d}/tiny.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]; hdr = json.loads(raw[8:8 + n]); data = raw[8 + n:]
def w(name, h, data=data):
    b = json.dumps(h).encode(); open(f"{d}/{name}", "wb").write(struct.pack("<Q", len(b)) + b + data)
open(f"{d}/truncated.safetensors", "wb").write(raw[:len(raw) - 20])
open(f"{d}/huge_header_len.safetensors", "wb").write(struct.pack("<Q", 1 << 40) + raw[8:])
h = json.loads(json.dumps(hdr)); h["conv1.weight"]["dtype"] = "F16"; w("f16_wrong_size.safetensors", h)
h = json.loads(json.dumps(hdr)); h["bn1.running_var"]["data_offsets"] = h["bn1.weight"]["data_offsets"]; w("overlap.safetensors", h)
h = json.loads(json.dumps(hdr)); h["fc.weight"]["shape"] = [2, 3]; w("bad_shape.safetensors", h)
h = json.loads(json.dumps(hdr)); del h["fc.bias"]; w("missing.safetensors", h)
h = json.loads(json.dumps(hdr)); h["bn1.num_batches_tracked"] = {"dtype": "I64", "shape": [], "data_offsets": [len(data), len(data) + 8]}; w("nbt.safetensors", h, data + bytes(8))
PY

# ---- images: tiny PNGs of every colour type and JPEGs (baseline, progressive, grey), broken ones
${PYTHON_PIL:-python3} - "$C/image" <<'PY'
import sys
from PIL import Image
d = sys.argv[1]
rgb = Image.new("RGB", (5, 3)); rgb.putdata([(i * 40 % 256, i * 90 % 256, i * 13 % 256) for i in range(15)])
rgb.save(f"{d}/rgb.png"); rgb.convert("L").save(f"{d}/gray.png"); rgb.convert("P").save(f"{d}/palette.png")
rgb.convert("RGBA").save(f"{d}/rgba.png"); rgb.save(f"{d}/interlaced.png", interlace=1)
rgb.convert("1").save(f"{d}/bilevel.png")
rgb.save(f"{d}/rgb.jpg", quality=90); rgb.convert("L").save(f"{d}/gray.jpg")
rgb.resize((17, 9)).save(f"{d}/progressive.jpg", progressive=True)
rgb.resize((16, 16)).save(f"{d}/subsampled.jpg", subsampling=2)
b = open(f"{d}/rgb.png", "rb").read(); open(f"{d}/truncated.png", "wb").write(b[:len(b) // 2])
b = open(f"{d}/rgb.jpg", "rb").read(); open(f"{d}/truncated.jpg", "wb").write(b[:len(b) - 40])
open(f"{d}/not_an_image.png", "wb").write(b"GIF89a\x01\x00\x01\x00")
PY

# ---- args: first byte picks the parser (0 long, 1 int, 2 double, 3 size, 4 int list, 5 double
# list, 6 string list, 7 flags separated by NUL bytes)
a() { printf "$1" >"$C/args/$2"; }
a '\000-42' long; a '\0019999999999999999999' int_big; a '\002 1e308' double_space; a '\0021e-3' double
a '\003224x224' size; a '\003256' size_square; a '\0030x7' size_zero; a '\003x' size_x; a '\00399999999999x1' size_big
a '\0041,2,3' int_list; a '\004,1' int_list_empty; a '\0050.5,2e3,nan' double_list; a '\006resnet50,vgg16,,' str_list
a '\007a\000--input\00064x48\000--check\000-o\000f' flags; a '\007--input=7x\000a\000b\000c' flags_bad
a '\007--check=1\000a' flags_switch_value; a '\007a\000--threads' flags_missing_value; a '\007--\000-x\000y' flags_dashdash

# ---- trace: channel trace CSVs for the fuzz target's devices cam, es1, es2
printf 'time_s,device,up_mbps,down_mbps\n0,es1,50,40\n0.5,es2,10,20\n# comment\n\n1.5,cam,100,100\n' >"$C/trace/good.csv"
printf 'time_s,device,up_mbps,down_mbps\n0,es9,50,40\n' >"$C/trace/unknown_device.csv"
printf 'time_s,device,up_mbps,down_mbps\n-1,es1,0,nan\n' >"$C/trace/bad_numbers.csv"
printf 'time,dev\n0,es1,1,1\n' >"$C/trace/bad_header.csv"
printf 'time_s,device,up_mbps,down_mbps\n' >"$C/trace/no_rows.csv"
printf '\357\273\277time_s,device,up_mbps,down_mbps\r\n0,es1,50,40\r\n0,es1,1e-3,1e9,x\r\n0x1,es2,5,5\r\n\r\n' >"$C/trace/crlf_bom.csv"
echo "corpus written to $C"
