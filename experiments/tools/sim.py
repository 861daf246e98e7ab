#!/usr/bin/env python3
"""Picks what the failure-probability figure needs out of a `halo sim --format json` document and
prints it as CSV lines (no header), one per (method, deadline), formatted as halo's own CSV
(`halo sim --format csv`) formats them:
  model,sizes,size_label,method,deadline_ms,draws,failures,p_fail,ci_lo,ci_hi,p50_ms,p90_ms,p99_ms
usage: sim.py SIM.json SIZE_LABEL
"""
import json
import sys


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: sim.py SIM.json SIZE_LABEL\n")
        return 2
    try:
        with open(argv[1]) as f:
            doc = json.load(f)
        sizes = ";".join(f"{h}x{w}" for h, w in doc["sizes"])
        lines = []
        for m in doc["methods"]:
            for d in m["deadlines"]:
                lines.append([doc["model"], sizes, argv[2], m["method"], "%g" % d["deadline_ms"], str(doc["draws"]),
                              str(d["failures"]), "%.9g" % d["p_fail"], "%.9g" % d["ci_lo"], "%.9g" % d["ci_hi"],
                              "%.6f" % m["p50_ms"], "%.6f" % m["p90_ms"], "%.6f" % m["p99_ms"]])
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write(f"sim.py: {argv[1]}: {e}\n")
        return 1
    if not lines:
        sys.stderr.write(f"sim.py: {argv[1]}: no rows\n")
        return 1
    for out in lines:
        if any("," in v for v in out):
            sys.stderr.write(f"sim.py: {argv[1]}: a value holds a comma: {out}\n")
            return 1
        print(",".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
