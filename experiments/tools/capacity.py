#!/usr/bin/env python3
"""Per-layer achieved capacity from committed halo profiles (no measurement): one CSV line per
conv/linear layer of each model on each platform, with the profile's fitted capacity of the
layer's class beside it, and the platform's measured ceilings (peak FP32 FLOP/s of the FMA kernel,
the library's sgemm; empty for a profile measured before halo recorded ceilings). Prints the header, then the rows (no provenance columns: the spec adds
them), sorted by platform, class and FLOPs so that each (platform, class) fit is one contiguous,
monotonic series for gnuplot's lines. usage: capacity.py PROFILE.json [...] --models resnet50,vgg16
"""
import argparse
import json
import os
import sys

# classes with FLOPs (FLOP = 2 MAC), in the order the figure groups them
CLASSES = ["conv3x3", "conv1x1", "conv_strided", "depthwise", "linear"]
COLS = ("platform,platform_idx,model,layer,node,class,class_idx,macs,flops,time_min_ms,time_median_ms,"
        "time_p90_ms,gflops,fit_gflops,fit_overhead_ms,fit_r2,fit_ms,impl,isa_cap,threads,library,"
        "profile_commit,profile_date,peak_gflops,sgemm_gflops")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profiles", nargs="+")
    ap.add_argument("--models", default="resnet50,vgg16")
    a = ap.parse_args()
    models = a.models.split(",")
    print(COLS)
    for pi, path in enumerate(a.profiles, 1):
        p = json.load(open(path))
        if p.get("estimated"):
            sys.exit(f"{path}: an estimated (datasheet) profile has no measured layers")
        plat = p["platform"]
        fit = p["fit"]["classes"]
        ceil = p.get("ceilings") or {}
        found = set()
        rows = []
        for m in p["models"]:
            if m["model"] not in models or m["input"] != [224, 224]:
                continue
            found.add(m["model"])
            for layer in m["layers"]:
                if layer["flops"] <= 0 or layer["fused"]:
                    continue
                cls = layer["class"]
                if cls not in CLASSES:
                    sys.exit(f"{path}: {m['model']} {layer['node']}: class {cls} has FLOPs but no place in the figure")
                t = layer["time_ms"]
                f = fit[cls]
                gflops = layer["flops"] / (t["median"] * 1e6)
                fit_ms = f["overhead_ms"] + layer["flops"] / (f["gflops"] * 1e6)
                rows.append((CLASSES.index(cls), layer["flops"], m["model"], layer["index"], ",".join(str(v) for v in (
                    p["name"], pi, m["model"], layer["index"], layer["node"], cls, CLASSES.index(cls) + 1,
                    layer["macs"], layer["flops"], f"{t['min']:.6f}", f"{t['median']:.6f}", f"{t['p90']:.6f}",
                    f"{gflops:.4f}", f"{f['gflops']:.4f}", f"{f['overhead_ms']:.6f}", f"{f['r2']:.4f}",
                    f"{fit_ms:.6f}", layer["impl"].replace(",", ";"), plat["isa_cap"], plat["threads"],
                    plat["library"].replace(",", ";"), plat["commit"], plat["date"], ceil.get("peak_gflops", ""),
                    ceil.get("sgemm_gflops", "")))))
        for r in sorted(rows):
            print(r[-1])
        missing = set(models) - found
        if missing:
            sys.exit(f"{os.path.basename(path)}: no 224x224 measurement of {', '.join(sorted(missing))}")


if __name__ == "__main__":
    main()
