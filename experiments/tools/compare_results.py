#!/usr/bin/env python3
"""Compares two results folders of experiments/reproduce.sh (e.g. a baseline and a new run) row by
row: every CSV both hold, every column but provenance (commit, host, date) must be identical in
rows whose kind is predicted or simulated; rows of kind measured vary with timing noise and are
only counted. Files without a kind column (the FLOP tables) are compared whole; halo run's raw
rows (runtime_accuracy_runs.csv) on their prediction columns only (pred_*, and what identifies a
row). summary.md is compared without its provenance lines. What is priced by this host's own
profile (results/host-profile.json: measured on the machine that ran, so it differs between hosts
and between measurements) is counted, not compared, like measured rows: the cross-CPU pairs of
predicted_vs_measured_speedup.csv, halo run's rows of plans priced by it (their files start with
host-), the summary's homo-4-host column and the lines about this host. Prints one line per file
and exits 1 when anything differs.
usage: compare_results.py BASELINE_DIR NEW_DIR
"""
import csv
import os
import sys

PROVENANCE = {"commit", "host", "date"}
RUN_KEYS = ("method", "model", "input_size", "input", "input_seed", "n_es", "clock", "link", "inference", "device",
            "lossless")


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def host_priced(name, row):
    """A row whose numbers come from this host's own profile."""
    if name == "runtime_accuracy_runs.csv":
        return os.path.basename(row.get("plan", "")).startswith("host-")
    return row.get("pair_kind") == "cross_cpu" or row.get("pricing") == "host"


def compare_csv(name, a_rows, b_rows):
    """(rows compared exactly, measured rows skipped, differences as text)"""
    diffs, exact, skipped = [], 0, 0
    if len(a_rows) != len(b_rows):
        return 0, 0, [f"{len(a_rows)} rows vs {len(b_rows)}"]
    if name == "runtime_accuracy_runs.csv":
        cols = [c for c in (a_rows[0].keys() if a_rows else []) if c.startswith("pred_") or c in RUN_KEYS]
    else:
        cols = None
    for i, (a, b) in enumerate(zip(a_rows, b_rows), 2):
        if set(a) != set(b):
            return exact, skipped, [f"columns differ: {sorted(set(a) ^ set(b))}"]
        if cols is None and a.get("kind") == "measured" and b.get("kind") == "measured":
            skipped += 1
            continue
        if host_priced(name, a) and host_priced(name, b):
            skipped += 1
            continue
        keys = cols if cols is not None else [k for k in a if k not in PROVENANCE]
        if name == "runtime_accuracy_runs.csv":
            if os.path.basename(a["plan"]) != os.path.basename(b["plan"]):
                diffs.append(f"line {i}: plan {a['plan']} vs {b['plan']}")
        for k in keys:
            if a[k] != b[k]:
                diffs.append(f"line {i}: {k}: {a[k]!r} vs {b[k]!r}")
        exact += 1
    return exact, skipped, diffs


HOST_LINES = ("- commit:", "- date (UTC):", "- host:", "- profiles:", "- runtime_accuracy", "- roofline, host",
              "- predicted_vs_measured_speedup, cross-CPU", "- **homo-4-host")


def without_host_column(lines):
    """The summary's tables without their homo-4-host column (priced by this host's own profile)."""
    out, col = [], None
    for line in lines:
        cells = line.split(" | ")
        if line.startswith("| method |"):
            col = next((i for i, c in enumerate(cells) if c.startswith("homo-4-host")), None)
        elif not line.startswith("|"):
            col = None
        if col is not None and line.startswith("|") and len(cells) > col:
            cells = cells[:col] + cells[col + 1:]
        out.append(" | ".join(cells))
    return out


def compare_md(a_path, b_path):
    def lines(p):
        with open(p) as f:
            # bullets about this host, and the best-setting line (homo-4-host is one of its candidates)
            return without_host_column([l for l in f.read().splitlines() if not l.startswith(HOST_LINES)
                                        and not (l.startswith("- ") and ("homo-4-host" in l or "DPFP's best here" in l))])
    a, b = lines(a_path), lines(b_path)
    return [f"line {i}: {x!r} vs {y!r}" for i, (x, y) in enumerate(zip(a, b), 1) if x != y] + \
        ([f"{len(a)} lines vs {len(b)}"] if len(a) != len(b) else [])


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    base, new = argv[1], argv[2]
    bad = False
    names = sorted(set(os.listdir(base)) | set(os.listdir(new)))
    for name in names:
        pa, pb = os.path.join(base, name), os.path.join(new, name)
        if not (os.path.isfile(pa) and os.path.isfile(pb)):
            if name.endswith((".csv", ".md")):
                print(f"{name}: only in {base if os.path.isfile(pa) else new}")
                bad = True
            continue
        if name.endswith(".md"):
            d = compare_md(pa, pb)
            print(f"{name}: {'identical' if not d else 'DIFFERS'} (provenance lines left out)")
        elif name.endswith(".csv"):
            exact, skipped, d = compare_csv(name, read(pa), read(pb))
            print(f"{name}: {'identical' if not d else 'DIFFERS'}: {exact} rows compared exactly"
                  + (f", {skipped} measured or host-priced rows skipped" if skipped else ""))
        else:
            continue
        for line in d[:10]:
            print(f"    {line}")
        bad |= bool(d)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
