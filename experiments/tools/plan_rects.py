#!/usr/bin/env python3
"""Lays out one plan (schema halo-plan/1) for the plan picture: one CSV line (no header) per
(block, ES) that computes rows, and one for the tail:
  block,label,first_stage,last_stage,h_in,h_out,device,profile,dev_index,n_devs,out_y0,out_y1,
  in_y0,in_y1,halo_y0,halo_y1,f0,f1,g0,g1,macs,compute_ms,total_ms,local_ms,redundant_pct
out_y* are the ES's output rows of the block; in_y* the input rows it reads; halo_y* the input
rows mapped to the block's output coordinates (in_y * h_out / h_in), i.e. how far the ES's
receptive field reaches beyond its own share; f* and g* are out_y* and halo_y* as fractions of
h_out (the picture's y). The tail row has block = number of blocks, out = in = the whole tensor.
dev_index numbers the plan's ESs 1..N in the plan's order (the colour of each ES).
usage: plan_rects.py PLAN.json STAGES.json  (STAGES.json: `halo flops MODEL --per stage --format json`)
"""
import json
import os
import sys


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: plan_rects.py PLAN.json STAGES.json\n")
        return 2
    with open(argv[1]) as f:
        p = json.load(f)
    with open(argv[2]) as f:
        names = {r["index"]: r["name"] for r in json.load(f)["rows"]}
    if p.get("schema") != "halo-plan/1":
        sys.stderr.write(f"plan_rects.py: {argv[1]}: schema: expected halo-plan/1\n")
        return 1
    es = [d for d in p["devices"] if d.get("role") != "source"]
    index = {d["name"]: i + 1 for i, d in enumerate(es)}
    profile = {d["name"]: os.path.splitext(os.path.basename(d.get("profile", "-")))[0] for d in es}
    pred = p["predicted"]
    model_macs = pred["total_macs"] - pred["redundant_macs"]
    common = [f"{pred['total_ms']:.3f}", f"{pred['local_ms']:.3f}",
              f"{100.0 * pred['redundant_macs'] / model_macs:.2f}" if model_macs > 0 else "0"]
    h_in = p["input"][0]
    out = []

    def first(i):  # a stage named "a..b" (the stem) starts at a
        return str(names.get(i, i)).split("..")[0]

    def last(i):
        return str(names.get(i, i)).split("..")[-1]

    for b, blk in enumerate(p["blocks"]):
        s0, s1 = blk["stages"][0], blk["stages"][1] - 1
        label = names.get(s0, str(s0)) if s0 == s1 else f"{first(s0)}..{last(s1)}"
        h_out = max(q["out"][1] for q in blk["parts"])
        for q in blk["parts"]:
            y0, y1 = q["out"][0], q["out"][1]
            if y1 <= y0:
                continue
            i0, i1 = q["in"][0], q["in"][1]
            g0, g1 = i0 * h_out / h_in, i1 * h_out / h_in
            out.append([b, label, s0, s1, h_in, h_out, q["device"], profile[q["device"]], index[q["device"]], len(es),
                        y0, y1, i0, i1, f"{g0:.4f}", f"{g1:.4f}", f"{y0 / h_out:.5f}", f"{y1 / h_out:.5f}",
                        f"{g0 / h_out:.5f}", f"{g1 / h_out:.5f}", q.get("macs", 0), f"{q.get('compute_ms', 0):.3f}"]
                       + common)
        h_in = h_out
    t = p["tail"]
    s0, s1 = t["stages"][0], t["stages"][1] - 1
    out.append([len(p["blocks"]), f"tail: {first(s0)}..{last(s1)}", s0, s1, h_in, h_in, t["device"],
                profile[t["device"]], index[t["device"]], len(es), 0, h_in, 0, h_in, 0, h_in, 0, 1, 0, 1, 0,
                f"{t.get('compute_ms', 0):.3f}"] + common)
    for r in out:
        if any("," in str(v) for v in r):
            sys.stderr.write(f"plan_rects.py: a value holds a comma: {r}\n")
            return 1
        print(",".join(str(v) for v in r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
