#!/usr/bin/env python3
"""Every layer with FLOPs (conv, linear) of the chosen models, as halo profile placed it under its
platform's measured roof (each layer's `roofline` object in the profile), one CSV line each; and
the platforms' ceilings (peak, sgemm, triad bandwidth per memory level) into --ceilings-out.
Profiles without ceilings are left out with a note on stderr (measured before halo recorded them).
Prints the header, then the rows; no provenance columns (the spec adds them). A profile that has
ceilings but lacks a layer of the models is an error. The device column names the platform in words
(experiments/tools/platforms.py; commas as semicolons): the CPU that measured it, or the GPU.
usage: roofline.py --ceilings-out F --models resnet50,vgg16 PROFILE.json ...
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import platforms  # noqa: E402

COLS = ("platform,platform_idx,device,model,layer,node,class,flops,bytes,intensity_flop_per_byte,level,"
        "bandwidth_gbps,attainable_gflops,achieved_gflops,efficiency,bound,above_roof,reason,impl,time_median_ms,"
        "peak_gflops,profile_date")
CEIL_COLS = "platform,platform_idx,device,isa,threads,peak_gflops,sgemm_gflops,level,level_idx,capacity_bytes,triad_gbps"


def clean(s):
    return str(s).replace(",", ";").replace("\n", " ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profiles", nargs="+")
    ap.add_argument("--models", default="resnet50,vgg16")
    ap.add_argument("--ceilings-out", required=True)
    a = ap.parse_args()
    models = a.models.split(",")
    rows, ceil_rows, idx = [], [], 0
    for path in a.profiles:
        p = json.load(open(path))
        c = p.get("ceilings")
        if not c:
            print(f"  roofline: {os.path.basename(path)}: no ceilings (measured before halo recorded them): left out",
                  file=sys.stderr)
            continue
        idx += 1
        name, plat = p["name"], p["platform"]
        # the platform in words (the CPU that measured it, its ISA cap and threads; a GPU's own name)
        device = (c.get("device", "-") if plat.get("backend") == "cuda"
                  else platforms.platform_label(p)).replace(",", ";")
        sgemm = c.get("sgemm_gflops", "")
        for li, lv in enumerate(c["memory"]["levels"], 1):
            cap = lv.get("capacity_bytes")
            ceil_rows.append(",".join(clean(v) for v in (
                name, idx, device, c["isa"], c["threads"], c["peak_gflops"], sgemm, lv["level"], li,
                "" if cap is None else cap, lv["triad_gbps"])))
        found = set()
        for m in p["models"]:
            if m["model"] not in models or m["input"] != [224, 224]:
                continue
            found.add(m["model"])
            for layer in m["layers"]:
                if layer["macs"] <= 0 or layer["fused"]:
                    continue
                r = layer.get("roofline")
                if r is None:
                    sys.exit(f"{path}: {m['model']} {layer['node']}: a layer with FLOPs and no roofline")
                rows.append(",".join(clean(v) for v in (
                    name, idx, device, m["model"], layer["index"], layer["node"], layer["class"], layer["flops"],
                    r["bytes"], f"{r['intensity_flop_per_byte']:.6g}", r["level"], f"{r['bandwidth_gbps']:.6g}",
                    f"{r['attainable_gflops']:.6g}", f"{r['achieved_gflops']:.6g}", f"{r['efficiency']:.6g}",
                    r["bound"], "yes" if r["above_roof"] else "no", r.get("reason", ""), layer["impl"],
                    f"{layer['time_ms']['median']:.6g}", r["peak_gflops"], plat.get("date", ""))))
        missing = set(models) - found
        if missing:
            sys.exit(f"{os.path.basename(path)}: no 224x224 measurement of {', '.join(sorted(missing))}")
    if not idx:
        sys.exit("roofline: no profile has ceilings")
    with open(a.ceilings_out, "w") as f:
        f.write(CEIL_COLS + "\n" + "\n".join(ceil_rows) + "\n")
    print(COLS)
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
