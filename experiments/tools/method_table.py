#!/usr/bin/env python3
"""Turns the comparison of `halo plan MODEL --method all --format json` (read on stdin) into CSV
lines
  method,latency_ms,speedup,reduction_pct,bytes_moved,redundant_pct,lossless,es_used
(no header; lossless yes|no). latency_ms keeps the 3 decimals these CSVs have always had, and
speedup and reduction_pct are computed from those latencies against the local reference, so a
figure's numbers agree with its own latency column. Exits 1 when the document is not a
comparison, so a change of halo's output stops the spec instead of emptying a figure. rows() is
also used by summary.py.
"""
import json
import sys


def ms3(x):
    """x at the 3 decimals of the CSVs (correctly rounded, as printf's %.3f)."""
    return float(f"{x:.3f}")


def rows(doc):
    """The methods of a comparison document as dicts (keys as in the CSV line above); ValueError
    when it is not one."""
    try:
        methods = doc["methods"]
        out = [{"method": m["method"], "latency_ms": ms3(m["latency_ms"]), "bytes_moved": int(m["bytes_moved"]),
                "redundant_pct": m["redundant_pct"], "lossless": "yes" if m["lossless"] else "no",
                "es_used": int(m["es_used"])} for m in methods]
        local = ms3(doc["local_ms"])
    except (KeyError, TypeError) as e:
        raise ValueError(f"not a `halo plan --method all --format json` document (no {e})")
    if local <= 0 or not out:
        raise ValueError("the comparison has no methods or no local reference")
    for r in out:
        r["speedup"] = local / r["latency_ms"]
        r["reduction_pct"] = 100 * (1 - r["latency_ms"] / local)
    return out


def main():
    try:
        rs = rows(json.load(sys.stdin))
    except ValueError as e:  # json.JSONDecodeError is one
        sys.stderr.write(f"method_table.py: {e}\n")
        return 1
    for r in rs:
        # a plan as fast as local is off by a rounding error: 0.00, never -0.00
        red = 0.0 if abs(r["reduction_pct"]) < 0.005 else r["reduction_pct"]
        print(f"{r['method']},{r['latency_ms']:.3f},{r['speedup']:.4f},{red:.2f},{r['bytes_moved']},"
              f"{r['redundant_pct']:.2f},{r['lossless']},{r['es_used']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
