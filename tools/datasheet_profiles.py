#!/usr/bin/env python3
"""Estimated ("datasheet") profiles of GPUs that cannot be measured here, for simulation only.

Each class's effective capacity = the GPU's datasheet peak FP32 x the class's efficiency on a
measured platform, where efficiency = the class's fitted GFLOP/s / that platform's practical peak
(its best single layer's achieved GFLOP/s divided by --best-layer-share, 0.9 by default: the
assumption that the best layer reaches 90 % of peak). Element-wise work is memory-bound: its
capacity is the memory bandwidth / 8 bytes per element (one float read, one written). A fixed
per-layer overhead (--overhead-ms, default 0.01 ms: a kernel launch) is added to every class.
Every profile written is marked "estimated": true, with the basis of every number.

  python3 tools/datasheet_profiles.py profiles/cpu-avx512-2t.json -o profiles/
"""
import argparse
import datetime
import json
import os

# name: (peak FP32 TFLOPS, memory GB/s, SMs, memory GiB, source)
GPUS = {
    "gtx1080ti": ("NVIDIA GeForce GTX 1080 Ti", 11.34, 484, 28, 11, "GP102: 3584 cores x 1582 MHz boost x 2"),
    "rtx2080ti": ("NVIDIA GeForce RTX 2080 Ti", 13.45, 616, 68, 11, "TU102: 4352 cores x 1545 MHz boost x 2"),
    "jetson-agx-xavier": ("NVIDIA Jetson AGX Xavier", 1.41, 137, 8, 32, "Volta iGPU: 512 cores x 1377 MHz x 2"),
    "t4": ("NVIDIA T4", 8.14, 320, 40, 16, "TU104: 2560 cores x 1590 MHz boost x 2"),
    "v100": ("NVIDIA V100 SXM2", 15.7, 900, 80, 16, "GV100: 5120 cores x 1530 MHz boost x 2"),
    "a100": ("NVIDIA A100 SXM4", 19.5, 1555, 108, 40, "GA100: 6912 cores x 1410 MHz boost x 2 (FP32, no TF32)"),
    "h100": ("NVIDIA H100 SXM5", 66.9, 3350, 132, 80, "GH100: 16896 cores x 1980 MHz boost x 2"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("measured", help="a measured profile (its fit gives the per-class efficiency)")
    ap.add_argument("-o", "--out-dir", default="profiles")
    ap.add_argument("--best-layer-share", type=float, default=0.9)
    ap.add_argument("--overhead-ms", type=float, default=0.01)
    args = ap.parse_args()

    with open(args.measured) as f:
        m = json.load(f)
    if m.get("schema") != "halo-profile/1" or "fit" not in m:
        raise SystemExit(f"{args.measured}: not a fitted halo-profile/1 file")
    best = 0.0
    for model in m["models"]:
        for layer in model["layers"]:
            t = layer["time_ms"]["median"]
            if layer["macs"] > 0 and t > 0 and not layer.get("fused"):
                best = max(best, 2 * layer["macs"] / (t * 1e6))
    if best <= 0:
        raise SystemExit(f"{args.measured}: no measured conv or linear layer")
    peak = best / args.best_layer_share
    classes = m["fit"]["classes"]
    for key, (name, tflops, gbps, sms, gib, basis) in GPUS.items():
        fit = {}
        for cls, c in classes.items():
            if cls == "elementwise":
                g = gbps / 8.0
            else:
                g = tflops * 1e3 * min(1.0, c["gflops"] / peak)
            fit[cls] = {"gflops": round(g, 3), "overhead_ms": args.overhead_ms, "r2": 0, "max_rel_err": 0, "n": 0}
        prof = {
            "schema": "halo-profile/1",
            "name": f"datasheet-{key}",
            "estimated": True,
            "note": ("ESTIMATED from the datasheet, not measured: for simulation only. Capacity per class = "
                     f"{tflops} TFLOPS peak FP32 x the class's efficiency on {m['name']} (fitted GFLOP/s / "
                     f"{peak:.1f} GFLOP/s, that platform's best layer / {args.best_layer_share}); element-wise = "
                     f"{gbps} GB/s / 8 B; overhead {args.overhead_ms} ms per layer."),
            "platform": {
                "backend": "cuda",
                "library": "estimated (no measurement)",
                "threads": 1,
                "gpu": {"name": name, "sm_count": sms, "memory_bytes": gib * 2**30, "peak_fp32_tflops": tflops,
                        "memory_gbps": gbps, "peak_basis": basis},
                "efficiency_from": m["name"],
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "fused_ops": m.get("fused_ops", []),
            "models": [],
            "fit": {"classes": fit},
        }
        path = os.path.join(args.out_dir, f"datasheet-{key}.json")
        with open(path, "w") as f:
            json.dump(prof, f, indent=1)
            f.write("\n")
        print(f"wrote {path}: conv3x3 {fit.get('conv3x3', {}).get('gflops', 0):.0f} GFLOP/s (estimated)")


if __name__ == "__main__":
    main()
