#!/usr/bin/env python3
"""Rows for the adaptation figures from `halo sim --adapt --format csv` (one row per frame and
mode): mode, frame, time_s (arrival), latency_ms, deadline_ms, replan (1 where the frame runs
another plan than the frame before it, in the same mode), then the named per-ES columns in the
order asked (e.g. es1_mbps es2_mbps). usage: adapt_rows.py FILE COLUMN..."""
import csv
import sys


def main():
    path, cols = sys.argv[1], sys.argv[2:]
    last = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            mode = r["mode"]
            plan = r["plan"]
            replan = 1 if mode in last and last[mode] != plan else 0
            last[mode] = plan
            vals = [mode, r["frame"], "%.4f" % (float(r["arrival_ms"]) / 1000), r["latency_ms"], r["deadline_ms"],
                    str(replan)]
            vals += [r[c] for c in cols]
            print(",".join(vals))


if __name__ == "__main__":
    main()
