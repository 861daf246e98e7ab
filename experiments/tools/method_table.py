#!/usr/bin/env python3
"""Turns the comparison table of `halo plan MODEL --method all` (read on stdin) into CSV lines
  method,latency_ms,speedup,reduction_pct,bytes_moved,redundant_pct,lossless,es_used
(no header; lossless yes|no). speedup and reduction_pct are recomputed from the latencies against
the table's local row (the table rounds them to 2 and 1 digits). Exits 1 when the table is not
there or a row does not parse, so a change of halo's output format stops the spec instead of
emptying a figure. parse() is also used by summary.py.
"""
import sys

HEADER = ["method", "latency_ms", "speedup", "reduction_pct", "bytes_moved", "redundant_pct", "lossless", "ESs"]


def parse(text):
    """Rows of the table as dicts (keys as in the CSV line above); ValueError when it is not there."""
    lines = text.splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.split() == HEADER)
    except StopIteration:
        raise ValueError("no 'method latency_ms ...' table")
    rows = []
    for l in lines[start + 1:]:
        f = l.split()
        if not f:
            break
        if len(f) != len(HEADER) or not f[2].endswith("x"):
            raise ValueError(f"cannot parse row '{l}'")
        rows.append({"method": f[0], "latency_ms": float(f[1]), "bytes_moved": int(f[4]),
                     "redundant_pct": float(f[5]), "lossless": "yes" if f[6] == "yes" else "no", "es_used": int(f[7])})
    local = [r["latency_ms"] for r in rows if r["method"] == "local"]
    if not local or local[0] <= 0:
        raise ValueError("the table has no local row")
    for r in rows:
        r["speedup"] = local[0] / r["latency_ms"]
        r["reduction_pct"] = 100 * (1 - r["latency_ms"] / local[0])
    return rows


def main():
    try:
        rows = parse(sys.stdin.read())
    except ValueError as e:
        sys.stderr.write(f"method_table.py: {e}\n")
        return 1
    for r in rows:
        print(f"{r['method']},{r['latency_ms']:.3f},{r['speedup']:.4f},{r['reduction_pct']:.2f},{r['bytes_moved']},"
              f"{r['redundant_pct']:.2f},{r['lossless']},{r['es_used']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
