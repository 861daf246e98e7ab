#!/usr/bin/env python3
"""Every ordered pair of profiles x model: the speedup ratio `halo predict` gives (out of sample:
leave-one-model-out, halo's default; and --in-sample when asked) beside the measured ratio of the
profiles' median latencies. Prints the CSV header, then one line per (model, from, to, fit); no
provenance columns (the spec adds them). Progress on stderr.
usage: speedup.py HALO --models resnet50,vgg16 [--in-sample] PROFILE.json ...
"""
import argparse
import itertools
import json
import re
import subprocess
import sys

COLS = ("model,from,to,fit,pred_from_ms,pred_to_ms,pred_ratio,measured_from_ms,measured_to_ms,measured_ratio,"
        "err_pct,from_profile_date,to_profile_date")
NUM = r"([0-9.eE+-]+)"


def predict(halo, a, b, model, in_sample):
    cmd = [halo, "predict", "--from", a, "--to", b, model] + (["--in-sample"] if in_sample else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"speedup: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    out = r.stdout
    times = re.findall(r"^  \S+\s+" + NUM + " ms$", out, re.M)
    pred = re.search(r"predicted ratio " + NUM, out)
    meas = re.search(r"measured \(median latency\): " + NUM + " ms / " + NUM + " ms = ratio " + NUM, out)
    if len(times) != 2 or not pred or not meas:
        sys.exit(f"speedup: cannot read the output of {' '.join(cmd)}:\n{out}")
    return [float(t) for t in times], float(pred.group(1)), [float(meas.group(i)) for i in (1, 2, 3)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("halo")
    ap.add_argument("profiles", nargs="+")
    ap.add_argument("--models", default="resnet50,vgg16")
    ap.add_argument("--in-sample", action="store_true", help="also the in-sample predictions")
    a = ap.parse_args()
    info = {}
    for p in a.profiles:
        j = json.load(open(p))
        if j.get("estimated"):
            sys.exit(f"{p}: estimated (datasheet) profile: nothing measured to compare with")
        info[p] = (j["name"], j["platform"]["date"])
    print(COLS)
    fits = [("out_of_sample", False)] + ([("in_sample", True)] if a.in_sample else [])
    for model in a.models.split(","):
        print(f"  predicted_vs_measured_speedup: {model}: {len(a.profiles) * (len(a.profiles) - 1)} ordered pairs x {len(fits)} fit(s)",
              file=sys.stderr)
        for (fa, fb), (fit, ins) in itertools.product(itertools.permutations(a.profiles, 2), fits):
            (ta, tb), pred, (ma, mb, mr) = predict(a.halo, fa, fb, model, ins)
            mr = ma / mb  # the printed ratio has 4 decimals; recompute from the printed times
            print(",".join(str(v) for v in (
                model, info[fa][0], info[fb][0], fit, f"{ta:.3f}", f"{tb:.3f}", f"{ta / tb:.6f}", f"{ma:.3f}",
                f"{mb:.3f}", f"{mr:.6f}", f"{100 * ((ta / tb) / mr - 1):.3f}", info[fa][1], info[fb][1])))


if __name__ == "__main__":
    main()
