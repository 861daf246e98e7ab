#!/usr/bin/env python3
"""The three speedup predictors' errors from results/predicted_vs_measured_speedup.csv (written by
experiments/tools/speedup.py through its spec): DPFP's effective capacity (out of sample), the ratio
of peak FLOP/s, the roofline from the ceilings alone, each |predicted / measured - 1| in %.

  predictors.py CSV --summary    one line per (pair kind, model, predictor): median and max |error|
  predictors.py CSV --markdown   the tables for profiles/README.md: the summary, then every pair
"""
import argparse
import csv
import statistics

PREDICTORS = (("dpfp", "err_pct", "DPFP: FLOPs / effective capacity"),
              ("peak", "peak_err_pct", "peak FLOP/s ratio"),
              ("roofline", "roofline_err_pct", "roofline from the ceilings"))
KINDS = (("isa", "ISA pairs (the reference CPU, ISA caps x threads)"),
         ("isa_other", "ISA pairs of another CPU's set (profiles/<cpu>/, ISA caps x threads)"),
         ("cross_cpu", "cross-CPU pairs (reference profiles vs this host's own)"))


def load(path):
    rows = [r for r in csv.DictReader(open(path)) if r["fit"] == "out_of_sample"]
    for r in rows:
        r.setdefault("pair_kind", "isa")
    return rows


def errors(rows, key):
    return [abs(float(r[key])) for r in rows if r.get(key, "") != ""]


def stats(e):
    if not e:
        return None
    return statistics.median(e), max(e), sum(x <= 10 for x in e), len(e)


def summary(rows):
    for kind, _ in KINDS:
        for model in ("resnet50", "vgg16", None):
            sel = [r for r in rows if r["pair_kind"] == kind and (model is None or r["model"] == model)]
            if not sel:
                continue
            parts = []
            for name, key, _ in PREDICTORS:
                s = stats(errors(sel, key))
                parts.append(f"{name} median {s[0]:.1f} %, max {s[1]:.1f} % ({s[3]} pairs)" if s else f"{name}: no ceilings")
            print(f"  predicted_vs_measured_speedup: {kind:9s} {model or 'both':8s} |error| " + "; ".join(parts))


def markdown(rows):
    print("| pairs | model | predictor | pairs | median \\|error\\| | max \\|error\\| | within 10 % |")
    print("|---|---|---|---:|---:|---:|---:|")
    for kind, title in KINDS:
        for model in ("resnet50", "vgg16", None):
            sel = [r for r in rows if r["pair_kind"] == kind and (model is None or r["model"] == model)]
            if not sel:
                continue
            for name, key, label in PREDICTORS:
                s = stats(errors(sel, key))
                if s:
                    print(f"| {title} | {model or 'both'} | {label} | {s[3]} | {s[0]:.1f} % | {s[1]:.1f} % | {s[2]} |")
                else:
                    print(f"| {title} | {model or 'both'} | {label} | 0 | - | - | - (no ceilings) |")
    print()
    print("| kind | model | from | to | measured | DPFP | error | peak ratio | error | roofline | error |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        def cell(v, pct=False):
            if v == "":
                return "-"
            # an error that rounds to nothing reads +0.0, never -0.0
            return f"{0.0 if abs(float(v)) < 0.05 else float(v):+.1f} %" if pct else f"{float(v):.4f}"
        print(f"| {r['pair_kind']} | {r['model']} | {r['from']} | {r['to']} | {float(r['measured_ratio']):.4f} | "
              f"{float(r['pred_ratio']):.4f} | {cell(r['err_pct'], True)} | {cell(r.get('peak_ratio', ''))} | "
              f"{cell(r.get('peak_err_pct', ''), True)} | {cell(r.get('roofline_ratio', ''))} | "
              f"{cell(r.get('roofline_err_pct', ''), True)} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--summary", action="store_true")
    g.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    rows = load(a.csv)
    (summary if a.summary else markdown)(rows)


if __name__ == "__main__":
    main()
