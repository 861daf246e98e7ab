#!/usr/bin/env python3
"""Stream accuracy: turns the streams of `halo run --frames N --format json` into one line per plan
(measured steady-state throughput and latency beside the cost model's prediction for the same
arrivals, frames verified), and summarises a results CSV.

usage: stream.py header
       stream.py rows RUN.json MODEL N_ES MBPS LATENCY_MS PROFILE LOAD   (lines, no header)
       stream.py summary RESULTS.csv                                     (report on stdout)
"""
import csv
import json
import statistics as st
import sys

COLS = ("model,n_es,bandwidth_mbps,link_latency_ms,method,lossless,es_used,frames,inflight,warmup_frames,"
        "throughput_fps,pred_throughput_fps,throughput_err_pct,latency_p50_ms,pred_latency_p50_ms,latency_p99_ms,"
        "pred_latency_p99_ms,verified_frames,failed_frames,profile,host_load_1min")


def pct(measured, predicted):
    return 100.0 * (measured - predicted) / predicted if predicted > 0 else 0.0


def rows(run_json, model, n_es, mbps, lat, profile, load):
    with open(run_json) as f:
        doc = json.load(f)
    for p in doc["plans"]:
        s = p.get("stream")
        if not s:
            sys.exit(f"stream: {run_json}: no stream for {p['plan']}")
        plan = json.load(open(p["plan"]))
        m, q, v = s["measured"], s["predicted"], s["verify"] or {}
        es_used = len({d for b in plan["blocks"] for d in (pt["device"] for pt in b["parts"])} |
                      {plan["tail"]["device"]})
        print(",".join(str(x) for x in (
            model, n_es, mbps, lat, p["method"], "yes" if p["lossless"] else "no", es_used, s["n_frames"], s["inflight"],
            s["warmup_frames"], f"{m['throughput_fps']:.4f}", f"{q['throughput_fps']:.4f}",
            f"{pct(m['throughput_fps'], q['throughput_fps']):.2f}", f"{m['latency_p50_ms']:.3f}",
            f"{q['latency_p50_ms']:.3f}", f"{m['latency_p99_ms']:.3f}", f"{q['latency_p99_ms']:.3f}",
            v.get("frames", 0) - v.get("failed", 0) if v and p["lossless"] else 0, v.get("failed", 0) if v else 0,
            profile, load)))


def summary(results):
    rs = list(csv.DictReader(open(results)))
    if not rs:
        sys.exit(f"stream: {results}: no rows")
    err = [abs(float(r["throughput_err_pct"])) for r in rs]
    signed = [float(r["throughput_err_pct"]) for r in rs]
    frames = sum(int(r["frames"]) for r in rs)
    verified = sum(int(r["verified_frames"]) for r in rs)
    lossy = sum(int(r["frames"]) for r in rs if r["lossless"] == "no")
    print(f"{len(rs)} plans (model x ES count x bandwidth x method), {frames} frames")
    print(f"steady-state throughput |measured - predicted| / predicted: median {st.median(err):.1f} % "
          f"(target <= 10 %), p90 {sorted(err)[int(0.9 * (len(err) - 1))]:.1f} %, max {max(err):.1f} %; "
          f"signed median {st.median(signed):+.1f} % (negative: slower than predicted)")
    print(f"frames verified against single-device inference: {verified} of {frames - lossy} lossless "
          f"({lossy} frames of lossy plans reported, not checked)")
    for key, name in (("model", "model"), ("method", "method"), ("n_es", "ESs"), ("bandwidth_mbps", "Mbps")):
        groups = {}
        for r in rs:
            groups.setdefault(r[key], []).append(abs(float(r["throughput_err_pct"])))
        print(f"median |throughput error| per {name}: " +
              ", ".join(f"{k} {st.median(v):.1f} %" for k, v in sorted(groups.items())))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "header":
        print(COLS)
    elif len(sys.argv) == 9 and sys.argv[1] == "rows":
        rows(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
