#!/usr/bin/env python3
"""The planning methods as halo's planners' registry lists them (`halo methods --format json`), so
that the specs, the summary and the figures keep no list of their own. Names in the registry's
order (the order of every comparison and of the figures' colours), with:
  short   the name in text: label, plus " (lossy)" for a lossy method ("ADCNN (lossy)")
  legend  the name in a figure's key: short, plus " (best single device)" for the reference
usage: methods.py HALO names [ROLE]   names, one line, space-separated (only ROLE's: reference|proposed|baseline)
       methods.py HALO csv              names, comma-separated (for --method lists)
       methods.py HALO gnuplot          gnuplot assignments: methods, method_titles, method_proposed,
                                        method_reference
"""
import json
import subprocess
import sys


def load(halo):
    """The registry's methods: dicts with name, label, title, role, lossless, paper, reconstructed."""
    r = subprocess.run([halo, "methods", "--format", "json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{halo} methods --format json: exit {r.returncode}: {r.stderr.strip()}")
    methods = json.loads(r.stdout)["methods"]
    for m in methods:
        m["short"] = m["label"] + ("" if m["lossless"] else " (lossy)")
        m["legend"] = m["short"] + (" (best single device)" if m["role"] == "reference" else "")
    return methods


def by_role(methods, role):
    """The one method with this role (reference: local, proposed: DPFP)."""
    found = [m for m in methods if m["role"] == role]
    if len(found) != 1:
        raise RuntimeError(f"halo methods: expected one method with role {role}, found {len(found)}")
    return found[0]


def main(argv):
    if len(argv) < 3 or argv[2] not in ("names", "csv", "gnuplot"):
        sys.exit(__doc__)
    methods = load(argv[1])
    if argv[2] == "names":
        print(" ".join(m["name"] for m in methods if len(argv) < 4 or m["role"] == argv[3]))
    elif argv[2] == "csv":
        print(",".join(m["name"] for m in methods))
    else:
        for m in methods:
            if any(c in m["legend"] for c in "'\"\\"):
                sys.exit(f"methods.py: {m['name']}: a quote or backslash in its legend: {m['legend']!r}")
        titles = " ".join(f"'{m['legend']}'" for m in methods)
        print(f"methods='{' '.join(m['name'] for m in methods)}'; method_titles=\"{titles}\"; "
              f"method_proposed='{by_role(methods, 'proposed')['name']}'; "
              f"method_reference='{by_role(methods, 'reference')['name']}'")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (RuntimeError, ValueError, KeyError) as e:
        sys.exit(f"methods.py: {e}")
