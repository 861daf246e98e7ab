#!/usr/bin/env python3
"""Writes a homogeneous cluster file (schema halo-cluster/1) for the sweeps of the figure specs,
in the form tools/make_clusters.py gives profiles/clusters/homo-N-fast.json, but with the
profile referenced by absolute path so the file can live in a scratch folder.

usage: clusters.py OUT.json NAME N_ES MBPS LATENCY_MS PROFILE.json
  every ES and the source (camera) get MBPS up and down and LATENCY_MS per hop.
"""
import json
import os
import sys


def main(argv):
    if len(argv) != 7:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    out, name, n, mbps, lat, profile = argv[1], argv[2], int(argv[3]), float(argv[4]), float(argv[5]), argv[6]
    profile = os.path.abspath(profile)
    if n < 1 or mbps <= 0 or lat < 0 or not os.path.isfile(profile):
        sys.stderr.write(f"clusters.py: bad arguments: {argv[1:]}\n")
        return 2
    link = {"uplink_mbps": mbps, "downlink_mbps": mbps, "latency_ms": lat}
    devices = [dict(name="camera", **link)]
    devices += [dict(name=f"es{i + 1}", profile=profile, **link) for i in range(n)]
    cluster = {"schema": "halo-cluster/1", "name": name,
               "note": f"{n} identical ESs on {os.path.basename(profile)}; {mbps:g} Mbps, {lat:g} ms per hop "
                       "(written by experiments/tools/clusters.py)",
               "source": "camera", "devices": devices}
    with open(out, "w") as f:
        json.dump(cluster, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
