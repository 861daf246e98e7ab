#!/usr/bin/env python3
"""Turns the comparison of `halo plan MODEL --method all --format json` (read on stdin), or one
method's document (`--method M --format json`), into CSV lines of its stream figures (no header),
one per method:
  method,objective,latency_1_ms,period_ms,throughput_fps,rate_fps,p50_ms,p99_ms,feasible,es_used
latency_1_ms is one frame alone; period_ms and throughput_fps the steady state with frames as fast
as possible; p50_ms and p99_ms the latency (arrival to result) with frames arriving at rate_fps (the
objective's rate, the highest rate within its latency bound, or the plan's own throughput).
feasible yes|no: the plan meets the objective's bound. Exits 1 when the document has no stream
figures, so a change of halo's output stops the spec instead of emptying a figure.
usage: stream_table.py [METHOD,...] <compare.json    (only these methods when given)
"""
import json
import sys


def main(argv):
    only = set(argv[1].split(",")) if len(argv) > 1 else None
    try:
        doc = json.load(sys.stdin)
        kind = doc["objective"]["kind"]
        rows = []
        for m in doc["methods"] if "methods" in doc else [doc]:
            if only and m["method"] not in only:
                continue
            s = m["stream"]
            rows.append(f"{m['method']},{kind},{s['single_frame_latency_ms']:.3f},{s['period_ms']:.4f},"
                        f"{s['throughput_fps']:.4f},{s['rate_fps']:.4f},{s['latency_p50_ms']:.3f},"
                        f"{s['latency_p99_ms']:.3f},{'yes' if s['feasible'] else 'no'},{int(m['es_used'])}")
    except (ValueError, KeyError, TypeError) as e:
        sys.stderr.write(f"stream_table.py: not a `halo plan --method all --format json` document with streams ({e})\n")
        return 1
    if not rows:
        sys.stderr.write("stream_table.py: no methods\n")
        return 1
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
