#!/usr/bin/env python3
"""Runtime accuracy (figure 7): turns the inferences of `halo run --format json` into one line per
plan (measured latency median, min and max over the timed inferences beside the plan's prediction;
compute and transfer summed over devices beside theirs), and summarises a results CSV.

usage: runtime.py header
       runtime.py rows RUN.json MODEL N_ES MBPS LATENCY_MS SPEEDS PROFILE LOAD STEAL_PCT PRICING PROFILE_CPU
                                                                         (lines, no header)
       runtime.py summary RESULTS.csv                                    (report on stdout)
PRICING says whose profile priced the ESs: host (this host's own, the figure's) or reference (a
committed profile of another CPU, beside it); PROFILE_CPU names that profile's CPU (no commas).
The summary is of the host-priced rows, then the error of each pricing side by side.
"""
import csv
import json
import statistics as st
import sys

COLS = ("model,n_es,bandwidth_mbps,link_latency_ms,es_speeds,method,lossless,es_used,repeat,latency_ms,"
        "latency_min_ms,latency_max_ms,pred_latency_ms,err_pct,compute_ms,pred_compute_ms,compute_err_pct,"
        "recv_ms,pred_recv_ms,transfer_err_pct,bytes_moved,pred_bytes_moved,overhead_frac,profile,host_load_1min,host_steal_pct,"
        "pricing,profile_cpu")
# a run during which the hypervisor took less CPU time than this from the VM counts as quiet
STEAL_QUIET_PCT = 10


def pct(measured, predicted):
    return 100.0 * (measured - predicted) / predicted if predicted > 0 else 0.0


def rows(run_json, model, n_es, mbps, lat, speeds, profile, load, steal, pricing, profile_cpu):
    with open(run_json) as f:
        doc = json.load(f)
    for p in doc["plans"]:
        runs = p["inferences"]
        if not runs:
            sys.exit(f"runtime: {run_json}: no timed inferences for {p['plan']}")
        plan = json.load(open(p["plan"]))
        lat_ms = [r["latency_ms"] for r in runs]
        pred = runs[0]["pred_latency_ms"]
        comp = [sum(d["compute_ms"] for d in r["devices"]) for r in runs]
        recv = [sum(d["recv_ms"] for d in r["devices"]) for r in runs]
        pcomp = sum(d["pred_compute_ms"] for d in runs[0]["devices"])
        precv = sum(d["pred_recv_ms"] for d in runs[0]["devices"])
        m_lat, m_comp, m_recv = st.median(lat_ms), st.median(comp), st.median(recv)
        print(",".join(str(v) for v in (
            model, n_es, mbps, lat, speeds.replace(" ", "/"), p["method"], "yes" if p["lossless"] else "no",
            len(plan["devices"]) - 1, len(runs), f"{m_lat:.3f}", f"{min(lat_ms):.3f}", f"{max(lat_ms):.3f}",
            f"{pred:.3f}", f"{pct(m_lat, pred):.2f}", f"{m_comp:.3f}", f"{pcomp:.3f}", f"{pct(m_comp, pcomp):.2f}",
            f"{m_recv:.3f}", f"{precv:.3f}", f"{pct(m_recv, precv):.3f}", runs[0]["bytes_moved"],
            runs[0]["pred_bytes_moved"], f"{st.median(r['overhead_frac'] for r in runs):.5f}", profile, load, steal,
            pricing, profile_cpu.replace(",", ";"))))


def signed1(x):
    """x with one decimal and its sign, never "-0.0"."""
    return f"{0.0 if abs(x) < 0.05 else x:+.1f}"


def summary(results):
    every = list(csv.DictReader(open(results)))
    if not every:
        sys.exit(f"runtime: {results}: no rows")
    # a CSV from before the pricing column is all one pricing
    pricings = list(dict.fromkeys(r.get("pricing") or "host" for r in every))
    rs = [r for r in every if (r.get("pricing") or "host") == pricings[0]]
    print(f"priced by the {pricings[0]} profile ({rs[0].get('profile_cpu') or rs[0]['profile']}):")
    lat = [abs(float(r["err_pct"])) for r in rs]
    comp = [abs(float(r["compute_err_pct"])) for r in rs]
    xfer = [abs(float(r["transfer_err_pct"])) for r in rs if float(r["pred_recv_ms"]) > 0]
    signed = [float(r["err_pct"]) for r in rs]
    print(f"{len(rs)} plans (model x ES count x bandwidth x method), {sum(int(r['repeat']) for r in rs)} timed inferences")
    print(f"latency  |measured - predicted| / predicted: median {st.median(lat):.1f} %, "
          f"p90 {sorted(lat)[int(0.9 * (len(lat) - 1))]:.1f} %, max {max(lat):.1f} %; "
          f"signed median {signed1(st.median(signed))} % (negative: faster than predicted)")
    print(f"compute  |sum measured - sum predicted| / predicted (all devices): median {st.median(comp):.1f} %, "
          f"max {max(comp):.1f} %")
    if xfer:
        print(f"transfer |sum measured - sum predicted| / predicted (receive time): median {st.median(xfer):.2f} %, "
              f"max {max(xfer):.2f} %")
    print(f"runtime overhead (max over ranks, / latency): median {100 * st.median(float(r['overhead_frac']) for r in rs):.2f} %")
    quiet = [abs(float(r["err_pct"])) for r in rs if float(r["host_steal_pct"] or 0) < STEAL_QUIET_PCT]
    busy = [abs(float(r["err_pct"])) for r in rs if float(r["host_steal_pct"] or 0) >= STEAL_QUIET_PCT]
    for name, e in ((f"VM steal < {STEAL_QUIET_PCT} %", quiet), (f"VM steal >= {STEAL_QUIET_PCT} %", busy)):
        if e:
            print(f"latency error where {name} during the run: median {st.median(e):.1f} %, max {max(e):.1f} % "
                  f"({len(e)} plans)")
    for key, name in (("model", "model"), ("method", "method"), ("n_es", "ESs"), ("bandwidth_mbps", "Mbps")):
        groups = {}
        for r in rs:
            groups.setdefault(r[key], []).append(abs(float(r["err_pct"])))
        print(f"median |latency error| per {name}: " +
              ", ".join(f"{k} {st.median(v):.1f} %" for k, v in sorted(groups.items())))
    if len(pricings) > 1:
        parts = []
        for pr in pricings:
            sel = [r for r in every if (r.get("pricing") or "host") == pr]
            e = [abs(float(r["err_pct"])) for r in sel]
            c = [abs(float(r["compute_err_pct"])) for r in sel]
            parts.append(f"{pr} profile {sel[0]['profile']} ({sel[0].get('profile_cpu', '')}): median {st.median(e):.1f} % "
                         f"(signed {signed1(st.median(float(r['err_pct']) for r in sel))} %, compute {st.median(c):.1f} %, "
                         f"{len(sel)} plans)")
        print("latency |measured - predicted| / predicted by whose profile priced the ESs: " + "; ".join(parts))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "header":
        print(COLS)
    elif len(sys.argv) == 13 and sys.argv[1] == "rows":
        rows(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
