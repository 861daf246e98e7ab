#!/usr/bin/env python3
"""Every ordered pair of profiles x model: the speedup ratio `halo predict --format json` gives (out
of sample: leave-one-model-out, halo's default; and --in-sample when asked) beside the measured
ratio of the profiles' median latencies. Times keep the 3 decimals these CSVs have always had and
the ratios are computed from them. Prints the CSV header, then one line per (model, from, to, fit);
no provenance columns (the spec adds them). Progress on stderr.
usage: speedup.py HALO --models resnet50,vgg16 [--in-sample] PROFILE.json ...
"""
import argparse
import itertools
import json
import subprocess
import sys

COLS = ("model,from,to,fit,pred_from_ms,pred_to_ms,pred_ratio,measured_from_ms,measured_to_ms,measured_ratio,"
        "err_pct,from_profile_date,to_profile_date")


def ms3(x):
    """x at 3 decimals (correctly rounded, as printf's %.3f)."""
    return float(f"{x:.3f}")


def predict(halo, a, b, model, in_sample):
    """(predicted from ms, predicted to ms), (measured from ms, measured to ms), at 3 decimals."""
    cmd = [halo, "predict", "--from", a, "--to", b, model, "--format", "json"] + (["--in-sample"] if in_sample else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"speedup: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    try:
        j = json.loads(r.stdout)
        pred = [ms3(j[k]["predicted_ms"]) for k in ("from", "to")]
        meas = [ms3(j[k]["measured_ms"]) for k in ("from", "to")]
    except (ValueError, KeyError, TypeError) as e:
        sys.exit(f"speedup: {' '.join(cmd)}: no predicted and measured times ({e}):\n{r.stdout}")
    return pred, meas


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
            (ta, tb), (ma, mb) = predict(a.halo, fa, fb, model, ins)
            mr = ma / mb
            print(",".join(str(v) for v in (
                model, info[fa][0], info[fb][0], fit, f"{ta:.3f}", f"{tb:.3f}", f"{ta / tb:.6f}", f"{ma:.3f}",
                f"{mb:.3f}", f"{mr:.6f}", f"{100 * ((ta / tb) / mr - 1):.3f}", info[fa][1], info[fb][1])))


if __name__ == "__main__":
    main()
