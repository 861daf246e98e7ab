#!/usr/bin/env python3
"""Link model accuracy: turns the inferences of `halo run --format json` on real shaped links (the
wall clock, `--link real`) into one line per plan and link model — the measured latency (median
of the timed inferences) beside the model's prediction (the plan's compute_ms) and the model's
replay with the measured compute durations and message sizes (the links' share of the error) —
and summarises a results CSV per method and link model.

usage: link_model.py header
       link_model.py rows RUN.json MODEL INPUT HOSTS MBPS RATES LOAD        (lines, no header)
       link_model.py summary RESULTS.csv                                    (report on stdout)
HOSTS counts the source; MBPS is every access link's rate as tc tbf shapes it; RATES says how
the cluster file gave it to the planner (nominal: halo takes 1448/1514 of it as goodput).
"""
import csv
import json
import statistics as st
import sys

COLS = ("model,input,hosts,n_es,bandwidth_mbps,rates,method,lossless,es_used,link_model,repeat,latency_ms,"
        "latency_min_ms,latency_max_ms,pred_latency_ms,err_pct,replay_latency_ms,replay_err_pct,compute_ms,"
        "pred_compute_ms,compute_err_pct,bytes_moved,host_load_1min")
TARGET_PCT = 10.0


def pct(measured, predicted):
    return 100.0 * (measured - predicted) / predicted if predicted > 0 else 0.0


def rows(run_json, model, size, hosts, mbps, rates, load):
    with open(run_json) as f:
        doc = json.load(f)
    for p in doc["plans"]:
        runs = p["inferences"]
        if not runs:
            sys.exit(f"link_model: {run_json}: no timed inferences for {p['plan']}")
        if "link_models" not in runs[0]:
            sys.exit(f"link_model: {run_json}: no link_models in the inferences (a wall-clock run of this halo?)")
        lat = [r["latency_ms"] for r in runs]
        comp = [sum(d["compute_ms"] for d in r["devices"]) for r in runs]
        pcomp = sum(d["pred_compute_ms"] for d in runs[0]["devices"])
        m_lat = st.median(lat)
        used = sum(1 for d in runs[0]["devices"][1:] if d["pred_compute_ms"] > 0 or d["pred_recv_ms"] > 0)
        for k, lm in enumerate(runs[0]["link_models"]):
            pred = lm["pred_latency_ms"]
            replay = [r["link_models"][k]["replay_latency_ms"] for r in runs]
            # the replay error of each inference against its own replay, then their median
            rerr = st.median(pct(r["latency_ms"], r["link_models"][k]["replay_latency_ms"]) for r in runs)
            print(",".join(str(v) for v in (
                model, size, hosts, int(hosts) - 1, mbps, rates, p["method"], "yes" if p["lossless"] else "no", used,
                lm["link_model"], len(runs), f"{m_lat:.3f}", f"{min(lat):.3f}", f"{max(lat):.3f}", f"{pred:.3f}",
                f"{pct(m_lat, pred):.2f}", f"{st.median(replay):.3f}", f"{rerr:.2f}", f"{st.median(comp):.3f}",
                f"{pcomp:.3f}", f"{pct(st.median(comp), pcomp):.2f}", runs[0]["bytes_moved"], load)))


def p90(v):
    v = sorted(v)
    return v[int(0.9 * (len(v) - 1))]


def transfer_bound(r):
    """The plan's compute, summed over its devices, is less than half its predicted latency: at least
    half of it is transfers even if no compute overlapped them."""
    return float(r["pred_compute_ms"]) < 0.5 * float(r["pred_latency_ms"])


def med(rows, col):
    v = [abs(float(r[col])) for r in rows]
    return st.median(v) if v else None


def cell(v, width):
    return f"{v:>{width - 1}.1f}%" if v is not None else f"{'-':>{width}}"


def summary(results):
    rs = list(csv.DictReader(open(results)))
    rs = [r for r in rs if r.get("latency_ms")]
    if not rs:
        print("no measured rows (the testbed did not run: see the spec's notes)")
        return
    models = list(dict.fromkeys(r["link_model"] for r in rs))
    methods = list(dict.fromkeys(r["method"] for r in rs))
    n_cfg = len({(r["model"], r["hosts"], r["bandwidth_mbps"]) for r in rs})
    print(f"{len(rs) // len(models)} plans ({n_cfg} configurations: model x hosts x Mbit/s; every method), "
          f"{sum(int(r['repeat']) for r in rs) // len(models)} timed inferences on shaped links "
          f"(rates {rs[0]['rates']}: tbf's line rate, halo's goodput = x 1448/1514)")
    print("median |measured - predicted| / predicted per method; 'plan': the model with the profile's compute "
          "(what the planner predicts); 'tb': the same over the transfer-bound plans (compute summed over the "
          "devices < half the predicted latency; their count in 'tb n'); 'replay': the model with the measured compute")
    head = f"{'method':<12}" + "".join(f"{m + ' plan':>11}{m + ' tb':>10}{m + ' replay':>13}" for m in models) + \
        f"{'compute':>9}{'plans':>7}{'tb n':>6}"
    print(head)
    verdict = {m: {"plan": [], "tb": [], "replay": []} for m in models}
    for meth in methods + ["all"]:
        line = f"{meth:<12}"
        for m in models:
            sel = [r for r in rs if r["link_model"] == m and (meth == "all" or r["method"] == meth)]
            e, tb, er = med(sel, "err_pct"), med([r for r in sel if transfer_bound(r)], "err_pct"), med(sel, "replay_err_pct")
            if meth != "all":
                for k, v in (("plan", e), ("tb", tb), ("replay", er)):
                    if v is not None:
                        verdict[m][k].append(v)
            line += cell(e, 11) + cell(tb, 10) + cell(er, 13)
        sel = [r for r in rs if r["link_model"] == models[0] and (meth == "all" or r["method"] == meth)]
        line += f"{med(sel, 'compute_err_pct'):>8.1f}%{len(sel):>7}{sum(1 for r in sel if transfer_bound(r)):>6}"
        print(line)
    yes = lambda v: "yes" if v and max(v) <= TARGET_PCT else "no"
    for m in models:
        sel = [r for r in rs if r["link_model"] == m]
        print(f"{m}: plan median {med(sel, 'err_pct'):.1f} % (p90 "
              f"{p90([abs(float(r['err_pct'])) for r in sel]):.1f} %, signed {st.median(float(r['err_pct']) for r in sel):+.1f} %), "
              f"transfer-bound plans {med([r for r in sel if transfer_bound(r)], 'err_pct') or 0:.1f} %, "
              f"replay median {med(sel, 'replay_err_pct'):.1f} % (p90 "
              f"{p90([abs(float(r['replay_err_pct'])) for r in sel]):.1f} %, signed "
              f"{st.median(float(r['replay_err_pct']) for r in sel):+.1f} %); every method <= {TARGET_PCT:.0f} %: "
              f"plan {yes(verdict[m]['plan'])}, transfer-bound plans {yes(verdict[m]['tb'])}, "
              f"replay {yes(verdict[m]['replay'])}")
    for key, name in (("bandwidth_mbps", "Mbit/s"), ("hosts", "hosts"), ("model", "model")):
        parts = []
        for m in models:
            groups = {}
            for r in rs:
                if r["link_model"] == m:
                    groups.setdefault(r[key], []).append(abs(float(r["replay_err_pct"])))
            parts.append(f"{m} " + ", ".join(f"{k} {st.median(v):.1f} %" for k, v in
                                               sorted(groups.items(), key=lambda kv: (len(kv[0]), kv[0]))))
        print(f"median |replay error| per {name}: " + "; ".join(parts))


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
