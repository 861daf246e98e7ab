#!/usr/bin/env python3
"""ADCNN's deviation per FDSP grid (figure 9): runs `halo plan MODEL --method adcnn --grid G
--deviation N` for each grid and reads what halo measured: the plan's deviation from the model
(max abs error, relative L2 error, top-1 agreement over N seeded inputs) and the codec's real
output (coded and raw bytes of the travelling tile outputs, their ratio). Prints the CSV header,
then one line per (model, grid); no provenance columns (the spec adds them). Progress on stderr.
usage: adcnn.py HALO CLUSTER.json WORKDIR --models resnet50,vgg16 --grids 2,3,...,8
                      --inputs N [--weights-dir DIR]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

COLS = ("model,grid,tiles,depth_stages,last_stage,central_node,inputs,weights,max_abs_err,rel_l2_max,rel_l2_mean,"
        "top1_agree,top1_pct,clip_hi,codec_ratio,coded_bytes,raw_bytes,coded_outputs,coded_bytes_per_inference,"
        "raw_bytes_per_inference,pred_latency_ms,pred_bytes_moved,cluster")
NUM = r"([0-9.eE+-]+)"


def one(halo, cluster, work, model, grid, n, weights):
    plan = os.path.join(work, f"adcnn-{model}-{grid}.json")
    cmd = [halo, "plan", model, "--cluster", cluster, "--method", "adcnn", "--grid", str(grid),
           "--deviation", str(n), "-o", plan] + (["--weights", weights] if weights else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}"
    out = r.stdout
    dev = re.search(r"max abs error " + NUM + r"; relative L2 error " + NUM + r" \(max\), " + NUM +
                    r" \(mean\); top-1 agreement (\d+)/(\d+)", out)
    codec = re.search(r"codec: clip \[" + NUM + ", " + NUM + r"\], (\d+) bits; measured ratio " + NUM + r" \((\d+) coded / "
                      r"(\d+) raw bytes, (\d+) tile outputs\)", out)
    fdsp = re.search(r"FDSP (\d+)x(\d+) grid \(forced by the caller\) over stages 0\.\.(\d+) \(\S+\.\.(\S+)\)", out)
    if not dev or not codec or not fdsp or int(fdsp.group(1)) != grid:
        sys.exit(f"adcnn: cannot read the output of {' '.join(cmd)}:\n{out}")
    p = json.load(open(plan))
    ninp = int(dev.group(5))
    coded, raw = int(codec.group(5)), int(codec.group(6))
    return [model, grid, grid * grid, int(fdsp.group(3)) + 1, fdsp.group(4), p["tail"]["device"], ninp,
            os.path.basename(weights) if weights else "random(seed 0)", dev.group(1), dev.group(2), dev.group(3),
            dev.group(4), f"{100.0 * int(dev.group(4)) / ninp:.1f}", codec.group(2), codec.group(4), coded, raw,
            codec.group(7), f"{coded / ninp:.0f}", f"{raw / ninp:.0f}", f"{p['predicted']['total_ms']:.3f}",
            p["predicted"]["bytes_moved"], os.path.basename(cluster)[:-5]], None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("halo")
    ap.add_argument("cluster")
    ap.add_argument("work")
    ap.add_argument("--models", default="resnet50,vgg16")
    ap.add_argument("--grids", default="2,3,4,5,6,7,8")
    ap.add_argument("--inputs", type=int, default=8)
    ap.add_argument("--weights-dir", default="")
    a = ap.parse_args()
    print(COLS)
    for model in a.models.split(","):
        w = os.path.join(a.weights_dir, f"{model}.safetensors") if a.weights_dir else ""
        if w and not os.path.exists(w):
            print(f"  adcnn_deviation: {model}: no {w}; RANDOM weights", file=sys.stderr)
            w = ""
        for g in (int(x) for x in a.grids.split(",")):
            t0 = time.time()
            row, why = one(a.halo, a.cluster, a.work, model, g, a.inputs, w)
            if row is None:
                # a grid larger than the early blocks' output is not an FDSP grid of this model
                print(f"  adcnn_deviation: {model} {g}x{g}: skipped ({why})", file=sys.stderr)
                continue
            print(",".join(str(v) for v in row), flush=True)
            print(f"  adcnn_deviation: {model} {g}x{g}: rel L2 {float(row[10]):.3g}, top-1 {row[11]}/{row[6]}, "
                  f"ratio {float(row[14]):.3f} ({time.time() - t0:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
