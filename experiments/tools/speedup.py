#!/usr/bin/env python3
"""Every ordered pair of profiles x model: the speedup ratio `halo predict --format json` gives by
its three predictors — DPFP's (FLOPs / fitted effective capacity per class; out of sample:
leave-one-model-out, halo's default; and --in-sample when asked), the ratio of the platforms' peak
FLOP/s and the roofline from their ceilings alone (both empty when a profile has no ceilings) —
beside the measured ratio of the profiles' median latencies. DPFP's times keep the 3 decimals these
CSVs have always had and its ratio is computed from them. --cross HOST.json adds the pairs of
every profile with HOST (both ways: pair_kind cross_cpu, the others isa; --kind names the pairs
within the profiles otherwise, e.g. isa_other for another CPU's set). Prints the CSV header,
then one line per (model, from, to, fit); no provenance columns (the spec adds them). Progress on
stderr.
usage: speedup.py HALO --models resnet50,vgg16 [--in-sample] [--kind K] [--cross HOST.json [--others P.json]...] PROFILE.json ...
"""
import argparse
import itertools
import json
import subprocess
import sys

COLS = ("model,from,to,fit,pred_from_ms,pred_to_ms,pred_ratio,measured_from_ms,measured_to_ms,measured_ratio,"
        "err_pct,from_profile_date,to_profile_date,pair_kind,peak_ratio,peak_err_pct,roofline_from_ms,roofline_to_ms,"
        "roofline_ratio,roofline_err_pct")


def ms3(x):
    """x at 3 decimals (correctly rounded, as printf's %.3f)."""
    return float(f"{x:.3f}")


def predict(halo, a, b, model, in_sample):
    """(predicted from ms, predicted to ms), (measured from ms, measured to ms), at 3 decimals, and the
    peak and roofline predictors ({} when a profile has no ceilings)."""
    cmd = [halo, "predict", "--from", a, "--to", b, model, "--format", "json"] + (["--in-sample"] if in_sample else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"speedup: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    try:
        j = json.loads(r.stdout)
        pred = [ms3(j[k]["predicted_ms"]) for k in ("from", "to")]
        meas = [ms3(j[k]["measured_ms"]) for k in ("from", "to")]
        rivals = {p["name"]: p for p in j["predictors"] if p["ratio"] is not None}
    except (ValueError, KeyError, TypeError) as e:
        sys.exit(f"speedup: {' '.join(cmd)}: no predicted and measured times ({e}):\n{r.stdout}")
    return pred, meas, rivals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("halo")
    ap.add_argument("profiles", nargs="+")
    ap.add_argument("--models", default="resnet50,vgg16")
    ap.add_argument("--in-sample", action="store_true", help="also the in-sample predictions")
    ap.add_argument("--kind", default="isa", help="pair_kind of the pairs within PROFILE.json ... (default isa)")
    ap.add_argument("--cross", help="a profile of another CPU: its pairs with every profile too")
    ap.add_argument("--others", action="append", default=[],
                    help="a profile of yet another CPU, paired with --cross only (repeatable)")
    a = ap.parse_args()
    info = {}
    for p in a.profiles + a.others + ([a.cross] if a.cross else []):
        j = json.load(open(p))
        if j.get("estimated"):
            sys.exit(f"{p}: estimated (datasheet) profile: nothing measured to compare with")
        info[p] = (j["name"], j["platform"]["date"])
    print(COLS)
    fits = [("out_of_sample", False)] + ([("in_sample", True)] if a.in_sample else [])
    pairs = [(fa, fb, a.kind) for fa, fb in itertools.permutations(a.profiles, 2)]
    if a.cross:
        pairs += [(p, a.cross, "cross_cpu") for p in a.profiles + a.others]
        pairs += [(a.cross, p, "cross_cpu") for p in a.profiles + a.others]
    for model in a.models.split(","):
        print(f"  predicted_vs_measured_speedup: {model}: {len(pairs)} ordered pairs x {len(fits)} fit(s)", file=sys.stderr)
        for (fa, fb, kind), (fit, ins) in itertools.product(pairs, fits):
            (ta, tb), (ma, mb), riv = predict(a.halo, fa, fb, model, ins)
            mr = ma / mb
            pk, rf = riv.get("peak_flops"), riv.get("roofline")
            print(",".join(str(v) for v in (
                model, info[fa][0], info[fb][0], fit, f"{ta:.3f}", f"{tb:.3f}", f"{ta / tb:.6f}", f"{ma:.3f}",
                f"{mb:.3f}", f"{mr:.6f}", f"{100 * ((ta / tb) / mr - 1):.3f}", info[fa][1], info[fb][1], kind,
                f"{pk['ratio']:.6f}" if pk else "", f"{100 * (pk['ratio'] / mr - 1):.3f}" if pk else "",
                f"{rf['from_ms']:.6f}" if rf else "", f"{rf['to_ms']:.6f}" if rf else "",
                f"{rf['ratio']:.6f}" if rf else "", f"{100 * (rf['ratio'] / mr - 1):.3f}" if rf else "")))


if __name__ == "__main__":
    main()
