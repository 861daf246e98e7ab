#!/usr/bin/env python3
"""Reads plan files (schema halo-plan/1, written by `halo plan ... -o F`) and prints one CSV line
per plan (no header):
  method,latency_ms,local_ms,local_device,speedup,reduction_pct,es_selected,es_computing,
  computing_devices,n_blocks,bytes_moved,redundant_pct,lossless
es_selected counts the ESs the plan was made for (its device list less the source); es_computing
counts those that compute rows in some block or run the tail (a selected ES may be given no rows);
computing_devices lists them, separated by spaces. usage: plan.py PLAN.json ...
"""
import json
import sys


def summary(path):
    with open(path) as f:
        p = json.load(f)
    if p.get("schema") != "halo-plan/1":
        raise ValueError(f"{path}: schema: expected halo-plan/1")
    pred = p["predicted"]
    es = [d["name"] for d in p["devices"] if d.get("role") != "source"]
    computing = []
    for b in p["blocks"]:
        for q in b["parts"]:
            if q["out"][1] > q["out"][0] and q["out"][3] > q["out"][2] and q["device"] not in computing:
                computing.append(q["device"])
    tail = p.get("tail", {}).get("device")
    if tail and tail not in computing and tail in es:
        computing.append(tail)
    # as in `halo plan`'s table: redundant MACs in % of the model's; total_macs is the plan's own
    # (model + redundant)
    model_macs = pred["total_macs"] - pred["redundant_macs"]
    red = 100.0 * pred["redundant_macs"] / model_macs if model_macs > 0 else 0.0
    # a plan as fast as local is off by a rounding error: 0.00, never -0.00
    reduction = 0.0 if abs(pred["latency_reduction_pct"]) < 0.005 else pred["latency_reduction_pct"]
    return [p["method"], f"{pred['total_ms']:.3f}", f"{pred['local_ms']:.3f}", pred["local_device"],
            f"{pred['speedup']:.4f}", f"{reduction:.2f}", str(len(es)), str(len(computing)),
            " ".join(computing), str(len(p["blocks"])), str(pred["bytes_moved"]), f"{red:.2f}",
            "yes" if p["lossless"] else "no"]


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: plan.py PLAN.json ...\n")
        return 2
    for path in argv[1:]:
        try:
            print(",".join(summary(path)))
        except (OSError, ValueError, KeyError, TypeError) as e:
            sys.stderr.write(f"plan.py: {path}: {e}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
