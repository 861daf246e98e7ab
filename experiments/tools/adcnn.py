#!/usr/bin/env python3
"""ADCNN's deviation per FDSP grid (figure 9): runs `halo plan MODEL --method adcnn --grid G
--deviation N --format json` for each grid and reads what halo measured: the plan's deviation from
the model (max abs error, relative L2 error, top-1 agreement over N seeded inputs) and the codec's
real output (coded and raw bytes of the travelling tile outputs, their ratio); the FDSP block is
the plan's first (zero-padded) block, its last stage named by `halo flops --per stage --format
json`. Numbers are written as halo's table writes them (%.6g, %g, %.4f). Prints the CSV header,
then one line per (model, grid); no provenance columns (the spec adds them). Progress on stderr.
usage: adcnn.py HALO CLUSTER.json WORKDIR --models resnet50,vgg16 --grids 2,3,...,8
                      --inputs N [--weights-dir DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import time

COLS = ("model,grid,tiles,depth_stages,last_stage,central_node,inputs,weights,max_abs_err,rel_l2_max,rel_l2_mean,"
        "top1_agree,top1_pct,clip_hi,codec_ratio,coded_bytes,raw_bytes,coded_outputs,coded_bytes_per_inference,"
        "raw_bytes_per_inference,pred_latency_ms,pred_bytes_moved,cluster")


def stage_names(halo, model):
    r = subprocess.run([halo, "flops", model, "--per", "stage", "--format", "json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"adcnn: halo flops {model}: exit {r.returncode}: {r.stderr.strip()}")
    return {row["index"]: row["name"] for row in json.loads(r.stdout)["rows"]}


def one(halo, cluster, work, model, grid, n, weights, names):
    plan = os.path.join(work, f"adcnn-{model}-{grid}.json")
    cmd = [halo, "plan", model, "--cluster", cluster, "--method", "adcnn", "--grid", str(grid),
           "--deviation", str(n), "-o", plan, "--format", "json"] + (["--weights", weights] if weights else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}"
    try:
        j = json.loads(r.stdout)
        dev, codec, p = j["deviation"], j["deviation"]["codec"], j["plan"]
        fdsp = p["blocks"][0]
        depth = fdsp["stages"][1]
        if fdsp["mode"] != "zero_pad" or fdsp["stages"][0] != 0 or len(fdsp["parts"]) != grid * grid:
            raise ValueError(f"the first block is not a {grid}x{grid} FDSP block: {fdsp['mode']}, "
                             f"stages {fdsp['stages']}, {len(fdsp['parts'])} parts")
    except (ValueError, KeyError, TypeError, IndexError) as e:
        sys.exit(f"adcnn: cannot read the output of {' '.join(cmd)}: {e}:\n{r.stdout[:2000]}")
    ninp = dev["inputs"]
    coded, raw = codec["coded_bytes"], codec["raw_bytes"]
    return [model, grid, grid * grid, depth, names[depth - 1], p["tail"]["device"], ninp,
            os.path.basename(weights) if weights else "random(seed 0)", "%.6g" % dev["max_abs_err"],
            "%.6g" % dev["rel_l2_max"], "%.6g" % dev["rel_l2_mean"], dev["top1_agree"],
            f"{100.0 * dev['top1_agree'] / ninp:.1f}", "%g" % codec["clip_hi"], "%.4f" % codec["ratio"], coded, raw,
            codec["tile_outputs"], f"{coded / ninp:.0f}", f"{raw / ninp:.0f}", f"{p['predicted']['total_ms']:.3f}",
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
        names = stage_names(a.halo, model)
        w = os.path.join(a.weights_dir, f"{model}.safetensors") if a.weights_dir else ""
        if w and not os.path.exists(w):
            print(f"  adcnn_deviation: {model}: no {w}; RANDOM weights", file=sys.stderr)
            w = ""
        for g in (int(x) for x in a.grids.split(",")):
            t0 = time.time()
            row, why = one(a.halo, a.cluster, a.work, model, g, a.inputs, w, names)
            if row is None:
                # a grid larger than the early blocks' output is not an FDSP grid of this model
                print(f"  adcnn_deviation: {model} {g}x{g}: skipped ({why})", file=sys.stderr)
                continue
            print(",".join(str(v) for v in row), flush=True)
            print(f"  adcnn_deviation: {model} {g}x{g}: rel L2 {float(row[10]):.3g}, top-1 {row[11]}/{row[6]}, "
                  f"ratio {float(row[14]):.3f} ({time.time() - t0:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
