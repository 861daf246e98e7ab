#!/usr/bin/env python3
"""Picks the columns the failure-probability figure needs out of a `halo sim --csv` file and
prints them as CSV lines (no header):
  model,sizes,size_label,method,deadline_ms,draws,failures,p_fail,ci_lo,ci_hi,p50_ms,p90_ms,p99_ms
usage: sim.py SIM.csv SIZE_LABEL
"""
import csv
import sys

COLS = ["model", "sizes", None, "method", "deadline_ms", "draws", "failures", "p_fail", "ci_lo", "ci_hi",
        "p50_ms", "p90_ms", "p99_ms"]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: sim.py SIM.csv SIZE_LABEL\n")
        return 2
    n = 0
    with open(argv[1], newline="") as f:
        for row in csv.DictReader(f):
            try:
                out = [argv[2] if c is None else row[c] for c in COLS]
            except KeyError as e:
                sys.stderr.write(f"sim.py: {argv[1]}: no column {e}\n")
                return 1
            if any("," in v for v in out):
                sys.stderr.write(f"sim.py: {argv[1]}: a value holds a comma: {out}\n")
                return 1
            print(",".join(out))
            n += 1
    if n == 0:
        sys.stderr.write(f"sim.py: {argv[1]}: no rows\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
