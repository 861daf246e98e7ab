#!/usr/bin/env python3
"""The testbed's adaptation runs (experiments/specs/adapt_testbed.sh), from `halo run --csv`.
  adapt_testbed.py rows CSV MODE REP DEADLINE_MS TRACE   one row per frame: mode, rep, frame,
      time_s (arrival), latency_ms, deadline_ms, replan (1 where the frame runs another epoch than
      the frame before), then es1..es4's rates (Mbit/s, down) that the trace sets at the arrival
  adapt_testbed.py summary CSV DEADLINE_MS OUT           one line: mean, p50, p99 latency, misses,
      re-plans (from halo run's table output OUT)
  adapt_testbed.py widen PLAN CLUSTER OUT               PLAN with every ES of CLUSTER among its devices
      (those it left out get no work, links at its first ES's rates), so that the run has a rank on
      each and a re-plan can move work to them"""
import json
import csv
import re
import sys

ES = ["es1", "es2", "es3", "es4"]


def frames(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r["frame"] != "all"]


def rates(trace, t, base=100.0):
    now = {e: base for e in ES}
    rows = []
    with open(trace) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or line.startswith("time_s"):
                continue
            ts, dev, _, down = line.split(",")
            rows.append((float(ts), dev, float(down)))
    for ts, dev, down in sorted(rows):
        if ts <= t and dev in now:
            now[dev] = down
    return [now[e] for e in ES]


def pct(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def widen(plan, cluster, out):
    p = json.load(open(plan))
    c = json.load(open(cluster))
    have = {d["name"] for d in p["devices"]}
    es = p["devices"][1]
    for d in c["devices"]:
        if d["name"] in have:
            continue
        dev = {"name": d["name"], "rank": len(p["devices"]), "role": "es",
               "profile": d.get("profile", es.get("profile", "-")), "speed": es.get("speed", 1)}
        if "host" in d:  # the testbed's clusters name hosts, emulated ones do not
            dev["host"] = d["host"]
        dev.update({"uplink_mbps": es["uplink_mbps"], "downlink_mbps": es["downlink_mbps"]})
        p["devices"].append(dev)
    n, links = len(p["devices"]), p["links"]
    bw, lat, k = links["bandwidth_mbps"], links.get("latency_ms"), len(links["bandwidth_mbps"])
    links["bandwidth_mbps"] = [[bw[i][j] if i < k and j < k else bw[0][1] for j in range(n)] for i in range(n)]
    if lat is not None:
        links["latency_ms"] = [[lat[i][j] if i < k and j < k else lat[0][1] for j in range(n)] for i in range(n)]
    json.dump(p, open(out, "w"), indent=1)


def main():
    if sys.argv[1] == "widen":
        widen(*sys.argv[2:5])
    elif sys.argv[1] == "rows":
        path, mode, rep, dl, trace = sys.argv[2:7]
        last = None
        for r in frames(path):
            t = float(r["arrival_ms"]) / 1000
            rp = 1 if last is not None and r["variant"] != last else 0
            last = r["variant"]
            print(",".join([mode, rep, r["frame"], "%.4f" % t, r["latency_ms"], dl, str(rp)] +
                           ["%g" % x for x in rates(trace, t)]))
    else:
        path, dl, out = sys.argv[2], float(sys.argv[3]), sys.argv[4]
        lat = [float(r["latency_ms"]) for r in frames(path)]
        m = re.search(r"^adapt\s+(\d+) re-plans? adopted", open(out).read(), re.M)
        print("mean %.1f ms, p50 %.1f ms, p99 %.1f ms, deadline misses %d of %d, re-plans %s" %
              (sum(lat) / len(lat), pct(lat, 50), pct(lat, 99), sum(x > dl for x in lat), len(lat),
               m.group(1) if m else "-"))


if __name__ == "__main__":
    main()
