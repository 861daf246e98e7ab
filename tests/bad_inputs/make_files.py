#!/usr/bin/env python3
"""Writes the malformed files of tests/bad_inputs/ (committed; tests do not run this).

Each file is one thing wrong with an otherwise valid file: cluster/, profile/, plan/ (JSON),
weights/ (safetensors for resnet18), image/ (PNG, JPEG), trace/ (channel trace CSV), raw/ (raw
input tensors). cases.txt says which command reads each and the message it must give.
usage: python3 tests/bad_inputs/make_files.py [PLAN.json]   (PLAN.json: a valid resnet18 64x64 plan
of tests/data/small-cluster.json, e.g. from `halo plan resnet18 --cluster tests/data/small-cluster.json
--input 64x64 --no-select -o PLAN.json`; without it plan/ is left as it is)
"""
import copy
import json
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    os.makedirs(os.path.join(HERE, kind), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(HERE, kind, name), mode) as f:
        f.write(data)


def dump(obj):
    return json.dumps(obj, indent=1) + "\n"


# ---- cluster ------------------------------------------------------------------------------------
CLUSTER = {
    "schema": "halo-cluster/1", "name": "bad", "source": "cam",
    "devices": [
        {"name": "cam", "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.5},
        {"name": "es1", "capacity": {"gflops": 40}, "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2},
        {"name": "es2", "capacity": {"gflops": 30}, "uplink_mbps": 400, "downlink_mbps": 400},
    ],
}


def cluster(name, edit):
    c = copy.deepcopy(CLUSTER)
    edit(c)
    write("cluster", name, dump(c))


write("cluster", "truncated.json", dump(CLUSTER)[:150])
write("cluster", "empty.json", "")
write("cluster", "binary.json", bytes(range(256)))
write("cluster", "not_object.json", "[1, 2, 3]\n")
write("cluster", "deep.json", "[" * 5000 + "]" * 5000 + "\n")
cluster("bad_schema.json", lambda c: c.update(schema="halo-cluster/2"))
cluster("no_schema.json", lambda c: c.pop("schema"))
cluster("schema_number.json", lambda c: c.update(schema=1))
cluster("unknown_field.json", lambda c: c.update(devcies=[]))
cluster("device_unknown_field.json", lambda c: c["devices"][1].update(gflops=40))
cluster("bw_string.json", lambda c: c["devices"][1].update(uplink_mbps="fast"))
cluster("bw_negative.json", lambda c: c["devices"][2].update(downlink_mbps=-5))
cluster("host_space.json", lambda c: c["devices"][1].update(host="es 1"))
cluster("host_empty.json", lambda c: c["devices"][2].update(host=""))
cluster("host_number.json", lambda c: c["devices"][0].update(host=7))
cluster("bw_missing.json", lambda c: c["devices"][2].pop("downlink_mbps"))
cluster("latency_range.json", lambda c: c["devices"][1].update(latency_ms=1e7))
cluster("speed_zero.json", lambda c: c["devices"][1].update(speed=0))
cluster("source_unknown.json", lambda c: c.update(source="phone"))
cluster("source_missing.json", lambda c: c.pop("source"))
cluster("devices_object.json", lambda c: c.update(devices={"cam": {}}))
cluster("device_not_object.json", lambda c: c["devices"].__setitem__(1, "es1"))
cluster("name_twice.json", lambda c: c["devices"][2].update(name="es1"))
cluster("name_empty.json", lambda c: c["devices"][2].update(name=""))
cluster("name_newline.json", lambda c: (c["devices"][1].update(name="es\n1"), c["devices"][2].update(name="es\n1")))
cluster("only_source.json", lambda c: c.update(devices=c["devices"][:1]))
cluster("no_capacity.json", lambda c: c["devices"][1].pop("capacity"))
cluster("profile_and_capacity.json", lambda c: c["devices"][1].update(profile="p.json"))
cluster("gflops_zero.json", lambda c: c["devices"][1]["capacity"].update(gflops=0))
cluster("capacity_class.json", lambda c: c["devices"][1]["capacity"].update(classes={"conv9x9": 10}))
cluster("capacity_class_value.json", lambda c: c["devices"][1]["capacity"].update(classes={"conv3x3": -1}))
cluster("profile_missing.json", lambda c: (c["devices"][1].pop("capacity"), c["devices"][1].update(profile="no-such-profile.json")))
cluster("profile_bad.json", lambda c: (c["devices"][1].pop("capacity"), c["devices"][1].update(profile="../profile/bad_schema.json")))
cluster("links_rows.json", lambda c: c.update(links={"bandwidth_mbps": [[0, 1], [1, 0]]}))
cluster("links_negative.json", lambda c: c.update(links={"latency_ms": [[0, 1, 1], [1, 0, -1], [1, 1, 0]]}))
cluster("links_unknown.json", lambda c: c.update(links={"bandwidth": []}))
cluster("rates_unknown.json", lambda c: c.update(rates="line"))
cluster("channel_not_object.json", lambda c: c.update(channel="rayleigh"))
cluster("channel_model.json", lambda c: c.update(channel={"model": "fading"}))
cluster("channel_rayleigh_missing.json", lambda c: c.update(channel={"model": "rayleigh", "snr_db": 10}))
cluster("channel_rayleigh_device.json", lambda c: c.update(channel={"model": "rayleigh", "bandwidth_mhz": 20, "snr_db": 10, "devices": {"es9": {"snr_db": 3}}}))
cluster("channel_snr_range.json", lambda c: c.update(channel={"model": "rayleigh", "bandwidth_mhz": 20, "snr_db": 500}))
for t in ("missing", "header", "device", "time", "rate", "text", "empty", "no_rows", "long_line", "extra_field",
          "hex", "trailing_text"):
    cluster(f"trace_{t}.json", lambda c, t=t: c.update(channel={"model": "trace", "file": f"../trace/{t}.csv"}))
cluster("trace_folder.json", lambda c: c.update(channel={"model": "trace", "file": "../trace"}))
with open(os.path.join(HERE, "cluster", "huge_number.json"), "w") as f:
    f.write(dump(CLUSTER).replace('"uplink_mbps": 400', '"uplink_mbps": 1e999'))
# bounds that keep the cost model finite: a bandwidth of 1e-15 Mbit/s or a links latency of 1e16 ms made
# DPFP loop forever; capacity classes of 1e400 (read as inf) or 1e-300 priced layers at 0 ms or forever
cluster("bw_tiny.json", lambda c: [d.update(uplink_mbps=1e-15, downlink_mbps=1e-15) for d in c["devices"]])
cluster("links_latency_huge.json", lambda c: c.update(links={"latency_ms": [[0 if i == j else 1e16 for j in range(3)] for i in range(3)]}))
cluster("links_bw_tiny.json", lambda c: c.update(links={"bandwidth_mbps": [[0, 1e-300, 1], [1, 0, 1], [1, 1, 0]]}))
cluster("capacity_class_tiny.json", lambda c: c["devices"][1]["capacity"].update(classes={"conv3x3": 1e-300}))
with open(os.path.join(HERE, "cluster", "capacity_class_inf.json"), "w") as f:
    c = copy.deepcopy(CLUSTER)
    c["devices"][1]["capacity"]["classes"] = {"conv3x3": 1}
    f.write(dump(c).replace('"conv3x3": 1', '"conv3x3": 1e400'))
# what cJSON let through: a key given twice (cJSON took the first, Python and jq the last), data after
# the document, a NUL inside a name (cut there by every C string function), control characters
with open(os.path.join(HERE, "cluster", "dup_key.json"), "w") as f:
    f.write(dump(CLUSTER).replace('"uplink_mbps": 400,', '"uplink_mbps": 400, "uplink_mbps": -5,'))
with open(os.path.join(HERE, "cluster", "dup_source.json"), "w") as f:
    f.write(dump(CLUSTER).replace('"source": "cam",', '"source": "cam", "source": "es9",'))
write("cluster", "trailing.json", dump(CLUSTER) + '{"schema": "garbage"} and more\n')
write("cluster", "trailing_nul.json", dump(CLUSTER) + "\0garbage")
cluster("source_nul.json", lambda c: c.update(source="cam\0evil"))
cluster("name_escape.json", lambda c: c["devices"][2].update(name="es\x1b[2J"))
cluster("name_long.json", lambda c: c["devices"][2].update(name="e" * 300))
# leniency: a note of any JSON, links diagonals that are not numbers, fields the channel model ignores
cluster("note_object.json", lambda c: c.update(note={"a": 1}))
cluster("links_diagonal.json", lambda c: c.update(links={"latency_ms": [["x", 1, 1], [1, 0, 1], [1, 1, 0]]}))
cluster("channel_static_extra.json", lambda c: c.update(channel={"model": "static", "bandwidth_mhz": 20}))
write("cluster", "many_devices.json", json.dumps(dict(CLUSTER, devices=CLUSTER["devices"][:1] + [
    {"name": "e%d" % i, "capacity": {"gflops": 1}, "uplink_mbps": 1, "downlink_mbps": 1} for i in range(1, 1100)])) + "\n")

# ---- trace --------------------------------------------------------------------------------------
H = "time_s,device,up_mbps,down_mbps\n"
write("trace", "header.csv", "time,device,up,down\n0,es1,10,10\n")
write("trace", "device.csv", H + "0,es1,10,10\n1,es7,10,10\n")
write("trace", "time.csv", H + "-1,es1,10,10\n")
write("trace", "rate.csv", H + "0,es1,10,0\n")
write("trace", "text.csv", H + "0,es1,fast,10\n")
write("trace", "empty.csv", "")
write("trace", "no_rows.csv", H)
write("trace", "long_line.csv", H + "0,es1,10," + "1" * 1100 + "\n")
write("trace", "extra_field.csv", H + "0,es1,100,100,garbage\n")
write("trace", "hex.csv", H + "0x10,es1,100,100\n")
write("trace", "trailing_text.csv", H + "1,es2,50,50 and more\n")

# ---- profile ------------------------------------------------------------------------------------
PROFILE = {
    "schema": "halo-profile/1", "name": "bad", "estimated": True,
    "platform": {"backend": "ref", "library": "ref", "threads": 1},
    "models": [{
        "model": "resnet18", "input": [64, 64],
        "latency_ms": {"min": 10, "median": 11, "p90": 12},
        "layers": [{"index": 0, "node": "conv1", "op": "conv", "class": "conv_strided", "macs": 9633792,
                    "time_ms": {"min": 1, "median": 1.1, "p90": 1.2},
                    "tiles": [{"fraction": 0.25, "time_ms": 0.3}, {"fraction": 0.5, "time_ms": 0.6}]}],
    }],
    "fit": {"classes": {c: {"gflops": 1.0, "overhead_ms": 0.01} for c in
                        ("conv3x3", "conv1x1", "conv_strided", "depthwise", "conv_other", "linear", "elementwise")},
            "tile_penalty": {"fractions": [0.5], "conv3x3": [1.1]}},
}


def profile(name, edit):
    p = copy.deepcopy(PROFILE)
    edit(p)
    write("profile", name, dump(p))


L0 = lambda p: p["models"][0]["layers"][0]
write("profile", "truncated.json", dump(PROFILE)[:300])
write("profile", "empty.json", "")
profile("good.json", lambda p: None)
profile("bad_schema.json", lambda p: p.update(schema="halo-profile/0"))
profile("no_name.json", lambda p: p.pop("name"))
profile("unknown_field.json", lambda p: p.update(modles=[]))
profile("platform_string.json", lambda p: p.update(platform="ref"))
profile("threads_zero.json", lambda p: p["platform"].update(threads=0))
profile("input_shape.json", lambda p: p["models"][0].update(input=[64]))
profile("stats_order.json", lambda p: L0(p)["time_ms"].update(min=5))
profile("stats_missing.json", lambda p: L0(p).pop("time_ms"))
profile("op_unknown.json", lambda p: L0(p).update(op="conv3d"))
profile("class_unknown.json", lambda p: L0(p).update(**{"class": "conv9x9"}))
profile("macs_negative.json", lambda p: L0(p).update(macs=-1))
profile("index_fraction.json", lambda p: L0(p).update(index=1.5))
profile("tiles_order.json", lambda p: L0(p).update(tiles=[{"fraction": 0.5, "time_ms": 1}, {"fraction": 0.25, "time_ms": 1}]))
profile("tiles_fraction.json", lambda p: L0(p).update(tiles=[{"fraction": 1.5, "time_ms": 1}]))
profile("prices_nothing.json", lambda p: (p.update(models=[]), p.pop("fit")))
profile("fit_class.json", lambda p: p["fit"]["classes"].update(conv9x9={"gflops": 1, "overhead_ms": 0}))
profile("fit_gflops.json", lambda p: p["fit"]["classes"]["conv3x3"].update(gflops=0))
profile("penalty_count.json", lambda p: p["fit"]["tile_penalty"].update(conv3x3=[1, 2]))
profile("penalty_fractions.json", lambda p: p["fit"]["tile_penalty"].update(fractions=[0.5, 0.25]))
profile("fused_ops.json", lambda p: p.update(fused_ops=["relu", "softmax"]))
CEIL = {"schema": "halo-ceilings/1", "threads": 1, "isa": "avx2", "peak_gflops": 100,
        "memory": {"levels": [{"level": "L1", "capacity_bytes": 32768, "triad_gbps": 200},
                              {"level": "DRAM", "capacity_bytes": None, "triad_gbps": 20}]}}
profile("ceilings_good.json", lambda p: p.update(ceilings=copy.deepcopy(CEIL)))
profile("ceilings_schema.json", lambda p: p.update(ceilings=dict(CEIL, schema="halo-ceilings/0")))
profile("ceilings_peak.json", lambda p: p.update(ceilings={k: v for k, v in CEIL.items() if k != "peak_gflops"}))
profile("ceilings_last_level.json", lambda p: (p.update(ceilings=copy.deepcopy(CEIL)),
                                               p["ceilings"]["memory"]["levels"][1].update(capacity_bytes=1e9)))
profile("ceilings_not_object.json", lambda p: p.update(ceilings=[100]))
profile("no_conv1x1.json", lambda p: (p.update(models=[]), p["fit"]["classes"].pop("conv1x1"),
                                      p["fit"]["classes"].pop("conv3x3"), p["fit"]["classes"].pop("conv_other"),
                                      p["fit"]["classes"].pop("conv_strided")))
# times and counts that reached the fit unchecked: 1e-300 ms gave 1e301 GFLOP/s (a fit no reader
# takes); a layer of a model at 8192x8192 measured at the 1e-6 ms floor gives 3e11 GFLOP/s; a model
# latency of 0 gave NaN ratios in predict
T = lambda v: {"min": v, "median": v, "p90": v}
profile("time_tiny.json", lambda p: L0(p).update(time_ms=T(1e-300)))
profile("fit_range.json", lambda p: (p["models"][0].update(input=[8192, 8192], latency_ms=T(1)),
                                     L0(p).update(macs=64 * 3 * 49 * 4096 * 4096, time_ms=T(1e-6), tiles=[])))
profile("latency_zero.json", lambda p: p["models"][0].update(latency_ms=T(0)))
profile("input_fraction.json", lambda p: p["models"][0].update(input=[64.7, 64.2]))
profile("model_unknown.json", lambda p: p["models"][0].update(model="resnet19"))
profile("node_wrong.json", lambda p: L0(p).update(node="nope"))
profile("index_huge.json", lambda p: L0(p).update(index=1 << 30))
profile("macs_wrong.json", lambda p: L0(p).update(macs=9e18))
profile("tile_heights.json", lambda p: p.update(settings={"tile_heights": ["x", -1, 5, None]}))
profile("name_escape.json", lambda p: p.update(name="bad\u001b[2J"))
with open(os.path.join(HERE, "profile", "dup_name.json"), "w") as f:
    f.write(dump(PROFILE).replace('"name": "bad",', '"name": "bad", "name": "worse",', 1))

# ---- weights (resnet18): a header that names a few tensors; the loader checks it before data ---
def st(name, header, data=b"", length=None):
    h = json.dumps(header).encode()
    write("weights", name, struct.pack("<Q", len(h) if length is None else length) + h + data)


C1 = 64 * 3 * 7 * 7 * 4
st("conv1_only.safetensors", {"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, C1]}}, bytes(C1))
st("wrong_shape.safetensors", {"conv1.weight": {"dtype": "F32", "shape": [64, 3, 3, 3], "data_offsets": [0, 6912]}}, bytes(6912))
st("wrong_dtype.safetensors", {"conv1.weight": {"dtype": "I32", "shape": [64, 3, 7, 7], "data_offsets": [0, C1]}}, bytes(C1))
st("unknown_dtype.safetensors", {"conv1.weight": {"dtype": "F31", "shape": [64, 3, 7, 7], "data_offsets": [0, C1]}}, bytes(C1))
st("unexpected.safetensors", {"conv1.gamma": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(4))
st("past_end.safetensors", {"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, C1]}}, bytes(100))
st("size_mismatch.safetensors", {"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, 100]}}, bytes(100))
st("overlap.safetensors", {"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, C1]},
                           "bn1.weight": {"dtype": "F32", "shape": [64], "data_offsets": [256, 512]}}, bytes(C1))
st("begin_after_end.safetensors", {"bn1.weight": {"dtype": "F32", "shape": [64], "data_offsets": [512, 256]}}, bytes(512))
st("offsets_type.safetensors", {"bn1.weight": {"dtype": "F32", "shape": [64], "data_offsets": "0-256"}}, bytes(256))
st("shape_negative.safetensors", {"bn1.weight": {"dtype": "F32", "shape": [-64], "data_offsets": [0, 256]}}, bytes(256))
st("shape_rank9.safetensors", {"bn1.weight": {"dtype": "F32", "shape": [1] * 9, "data_offsets": [0, 4]}}, bytes(4))
st("shape_huge.safetensors", {"bn1.weight": {"dtype": "F32", "shape": [1 << 40, 1 << 40], "data_offsets": [0, 4]}}, bytes(4))
st("missing_dtype.safetensors", {"bn1.weight": {"shape": [64], "data_offsets": [0, 256]}}, bytes(256))
st("metadata.safetensors", {"__metadata__": {"format": 7}}, b"")
st("header_not_object.safetensors", [1, 2], b"")
st("header_json.safetensors", {"bn1.weight": 1}, b"", None)
write("weights", "header_invalid.safetensors", struct.pack("<Q", 20) + b'{"bn1.weight": {"dt' + b"\x00" * 4)
st("header_len.safetensors", {"bn1.weight": {"dtype": "F32", "shape": [64], "data_offsets": [0, 256]}}, bytes(256), length=1 << 50)
write("weights", "short.safetensors", b"\x10\x00\x00")
write("weights", "empty.safetensors", b"")
st("twice.safetensors", {"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, C1]}}, bytes(C1))
with open(os.path.join(HERE, "weights", "twice.safetensors"), "rb") as f:
    raw = f.read()
h = b'{"bn1.weight":{"dtype":"F32","shape":[64],"data_offsets":[0,256]},"bn1.weight":{"dtype":"F32","shape":[64],"data_offsets":[256,512]}}'
write("weights", "twice.safetensors", struct.pack("<Q", len(h)) + h + bytes(512))
f64 = struct.pack("<d", 1e300) + bytes(8 * 63)
st("f64_range.safetensors", {"bn1.weight": {"dtype": "F64", "shape": [64], "data_offsets": [0, 512]}}, f64)
# values no parameter may have: NaN and infinities (F32, F16, F64), a negative running variance; a
# tensor name with \u0000 (it loaded as the name before it); a header with data after its JSON
st("nan_conv1.safetensors", {"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, C1]}},
   struct.pack("<f", float("nan")) + bytes(C1 - 4))
st("inf_f16.safetensors", {"bn1.bias": {"dtype": "F16", "shape": [64], "data_offsets": [0, 128]}},
   bytes(2 * 5) + b"\x00\x7c" + bytes(2 * 58))
st("nan_f64.safetensors", {"bn1.bias": {"dtype": "F64", "shape": [64], "data_offsets": [0, 512]}},
   bytes(8) + struct.pack("<d", float("nan")) + bytes(8 * 62))
st("neg_var.safetensors", {"bn1.running_var": {"dtype": "F32", "shape": [64], "data_offsets": [0, 256]}},
   struct.pack("<64f", *([1.0] * 3 + [-1.0] + [1.0] * 60)))
st("name_nul.safetensors", {"fc.bias\0junk": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}, bytes(4000))
h = json.dumps({"bn1.weight": {"dtype": "F32", "shape": [64], "data_offsets": [0, 256]}}).encode() + b" x"
write("weights", "header_trailing.safetensors", struct.pack("<Q", len(h)) + h + bytes(256))


# ---- image ----------------------------------------------------------------------------------------
def png(w, h, rows, color=2, depth=8, crc_ok=True):
    def chunk(t, d, ok=True):
        c = zlib.crc32(t + d) & 0xffffffff
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", c if ok else c ^ 1)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows), crc_ok) +
            chunk(b"IEND", b""))


good = png(2, 2, b"\x00" + b"\x80" * 6 + b"\x00" + b"\x40" * 6)
write("image", "good.png", good)
write("image", "truncated.png", good[:40])
write("image", "bad_crc.png", png(2, 2, b"\x00" + b"\x80" * 6 + b"\x00" + b"\x40" * 6, crc_ok=False))
write("image", "zero_width.png", png(0, 2, b"\x00\x00"))
write("image", "bomb.png", png(100000, 100000, b"\x00" * 10))
write("image", "strip.png", png(200000, 1, b"\x00" + b"\x80" * 600000))
write("image", "bad_depth.png", png(2, 2, b"\x00" * 14, color=2, depth=3))
write("image", "no_idat.png", b"\x89PNG\r\n\x1a\n" + good[8:33] + good[-12:])
write("image", "gif.png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,"
      b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
write("image", "empty.jpg", b"")
write("image", "text.jpg", "this is not an image\n")
# JPEG: the fuzz corpus's 5x3 JPEG with its frame header claiming 65500 x 65500 (a bomb), and a
# file cut after the SOI marker
with open(os.path.join(HERE, "..", "fuzz", "corpus", "image", "rgb.jpg"), "rb") as f:
    jpg = bytearray(f.read())
sof = jpg.index(b"\xff\xc0")
jpg[sof + 5:sof + 9] = struct.pack(">HH", 65500, 65500)
write("image", "bomb.jpg", bytes(jpg))
write("image", "truncated.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")

# ---- rates (halo run --rates, halo-rates/1) for the plan's 4 devices ------------------------------
R4 = [[0 if i == j else 100 for j in range(4)] for i in range(4)]
write("rates", "truncated.json", '{"schema": "halo-rates/1", "bandwidth_mbps": [[0,100')
write("rates", "schema.json", dump({"schema": "halo-rates/2"}))
write("rates", "rows.json", dump({"schema": "halo-rates/1", "bandwidth_mbps": [[0, 1], [1, 0]]}))
neg = copy.deepcopy(R4)
neg[2][3] = -1
write("rates", "negative.json", dump({"schema": "halo-rates/1", "bandwidth_mbps": neg}))
write("rates", "devices.json", dump({"schema": "halo-rates/1", "devices": ["cam", "es1", "es2", "es3"], "bandwidth_mbps": R4}))
write("rates", "unknown.json", dump({"schema": "halo-rates/1", "bandwidth_mbps": R4, "speed": 3}))
write("rates", "trailing.json", dump({"schema": "halo-rates/1", "bandwidth_mbps": R4}) + "{}\n")
write("rates", "latency_huge.json", dump({"schema": "halo-rates/1", "bandwidth_mbps": R4,
                                          "latency_ms": [[0 if i == j else 1e308 for j in range(4)] for i in range(4)]}))
write("rates", "bandwidth_tiny.json", dump({"schema": "halo-rates/1",
                                            "bandwidth_mbps": [[0 if i == j else 1e-300 for j in range(4)] for i in range(4)]}))

# ---- hostfiles (halo run --hostfile) for the plan's 4 ranks -----------------------------------------
write("hostfile", "bad_host.txt", "cam\nes2\nes1;rm\nes3\n")
write("hostfile", "short.txt", "# the plan has 4 ranks\ncam slots=1\nes2\n\nes1\n")

# ---- raw input tensors (infer --input-raw) ---------------------------------------------------------
write("raw", "short.f32", bytes(4 * 100))
write("raw", "nan.f32", struct.pack("<f", 0.5) * 100 + struct.pack("<f", float("nan")) + struct.pack("<f", 0.5) * (3 * 32 * 32 - 101))
# finite but so large that float32 overflows inside the network: the logits are not finite
write("raw", "huge.f32", struct.pack("<f", 3e38) * (3 * 32 * 32))

# ---- plan (halo run) -------------------------------------------------------------------------------
if len(sys.argv) > 1:
    PLAN = json.load(open(sys.argv[1]))
    PLAN.pop("events", None)
    PLAN.get("predicted", {}).pop("events", None)

    def plan(name, edit):
        p = copy.deepcopy(PLAN)
        edit(p)
        write("plan", name, dump(p))

    B0 = lambda p: p["blocks"][0]
    P0 = lambda p: p["blocks"][0]["parts"][0]
    write("plan", "truncated.json", dump(PLAN)[:400])
    plan("good.json", lambda p: None)
    plan("bad_schema.json", lambda p: p.update(schema="halo-plan/9"))
    plan("unknown_field.json", lambda p: p.update(blocs=[]))
    plan("link_model_unknown.json", lambda p: p.update(link_model="bogus"))
    plan("rates_unknown.json", lambda p: p.update(rates="line"))
    plan("host_bad.json", lambda p: p["devices"][1].update(host="es1;reboot"))
    plan("model_unknown.json", lambda p: p.update(model="resnet19"))
    plan("input_zero.json", lambda p: p.update(input=[0, 64]))
    plan("one_device.json", lambda p: p.update(devices=p["devices"][:1]))
    plan("device_unknown.json", lambda p: P0(p).update(device="es9"))
    plan("rect_inverted.json", lambda p: P0(p).update(out=[5, 2, 0, 4]))
    plan("rect_outside.json", lambda p: P0(p).update(out=[0, 1000, 0, 1000]))
    plan("mode_unknown.json", lambda p: B0(p).update(mode="lossy"))
    plan("stages_gap.json", lambda p: B0(p).update(stages=[1, B0(p)["stages"][1]]))
    plan("links_negative.json", lambda p: p["links"]["bandwidth_mbps"][0].__setitem__(1, -1))
    plan("links_missing.json", lambda p: p.pop("links"))
    plan("parts_overlap.json", lambda p: B0(p)["parts"].append(copy.deepcopy(B0(p)["parts"][0])))
    plan("lossless_lie.json", lambda p: p.update(lossless=False))
    plan("compress_no_codec.json", lambda p: B0(p).update(compress=True))
    plan("sources_empty.json", lambda p: P0(p).update(sources=[]))
    plan("in_wrong.json", lambda p: P0(p).update(**{"in": [0, 1, 0, 1]}))
    plan("tail_device.json", lambda p: p["tail"].update(device="nowhere"))
    plan("rank_order.json", lambda p: p["devices"][1].update(rank=7))
    plan("tail_nodes.json", lambda p: p["tail"].update(nodes=[p["tail"]["nodes"][0], p["tail"]["nodes"][1] - 1]))
    # one reader for every JSON file: a key twice, data after the document; names and MACs
    with open(os.path.join(HERE, "plan", "dup_model.json"), "w") as f:
        f.write(dump(PLAN).replace('"model": "resnet18",', '"model": "resnet18", "model": "vgg11",', 1))
    plan("device_empty.json", lambda p: p["devices"][3].update(name=""))
    plan("method_escape.json", lambda p: p.update(method="dpfp\x1b[31m"))
    plan("macs_tiny.json", lambda p: P0(p).update(macs=1e-300))
    plan("macs_wrong.json", lambda p: P0(p).update(macs=P0(p)["macs"] + 1))
    plan("tail_nodes_inverted.json", lambda p: p["tail"].update(nodes=[p["tail"]["nodes"][0], 0]))
