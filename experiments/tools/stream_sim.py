#!/usr/bin/env python3
"""Picks what the deadline-miss figure needs out of a `halo sim --fps ... --format json` document
and prints CSV lines (no header), one per (method, rate, deadline):
  model,method,fps,deadline_ms,frames,misses,p_miss,ci_lo,ci_hi,throughput_fps,p50_ms,p99_ms
(fps "max": as fast as possible). Exits 1 when the document holds no streams.
usage: stream_sim.py SIM.json
"""
import json
import sys


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: stream_sim.py SIM.json\n")
        return 2
    try:
        with open(argv[1]) as f:
            doc = json.load(f)
        lines = []
        for m in doc["methods"]:
            for r in m["rates"]:
                fps = r["fps"] if isinstance(r["fps"], str) else "%g" % r["fps"]
                for d in r["deadlines"]:
                    lines.append([doc["model"], m["method"], fps, "%g" % d["deadline_ms"], str(doc["frames"]),
                                  str(d["misses"]), "%.9g" % d["p_miss"], "%.9g" % d["ci_lo"], "%.9g" % d["ci_hi"],
                                  "%.4f" % r["throughput_fps"], "%.3f" % r["latency_p50_ms"],
                                  "%.3f" % r["latency_p99_ms"]])
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write(f"stream_sim.py: {argv[1]}: {e}\n")
        return 1
    if not lines:
        sys.stderr.write(f"stream_sim.py: {argv[1]}: no rows\n")
        return 1
    for out in lines:
        print(",".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
