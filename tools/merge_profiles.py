#!/usr/bin/env python3
"""Merges profiles of one platform measured in several rounds into one, to spread the host's
speed drift evenly when several platforms are measured one after another (round 1: A B C, round
2: A B C, ...). Per layer and model: median of the rounds' medians (min of mins, median of p90s);
tiles: median per fraction. Ceilings: those of the round with the highest FP32 peak (a ceiling is
what the hardware reaches, and another process on the machine only ever lowers it). The fit and
the per-layer rooflines are removed: run `halo fit OUT` afterwards (it refits and, from the
ceilings and each layer's bytes, writes the rooflines again).

  python3 tools/merge_profiles.py -o profiles/cpu-avx2-2t.json r1/cpu-avx2-2t.json r2/... r3/...
"""
import argparse
import json
import statistics


def merge_stats(stats):
    return {"min": min(s["min"] for s in stats), "median": statistics.median(s["median"] for s in stats),
            "p90": statistics.median(s["p90"] for s in stats)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("profiles", nargs="+")
    args = ap.parse_args()
    docs = [json.load(open(p)) for p in args.profiles]
    base = docs[0]
    for d, p in zip(docs, args.profiles):
        if d.get("schema") != "halo-profile/1":
            raise SystemExit(f"{p}: not a halo-profile/1 file")
        if (d["platform"].get("backend"), d["platform"].get("threads"), d["platform"].get("isa_cap")) != (
                base["platform"].get("backend"), base["platform"].get("threads"), base["platform"].get("isa_cap")):
            raise SystemExit(f"{p}: another platform than {args.profiles[0]}")
    out = dict(base)
    out.pop("fit", None)
    ceilings = [d["ceilings"] for d in docs if d.get("ceilings")]
    if ceilings and len(ceilings) != len(docs):
        raise SystemExit("some rounds have ceilings and some do not: measure every round the same way")
    if ceilings:
        out["ceilings"] = max(ceilings, key=lambda c: c["peak_gflops"])
    out["settings"] = dict(base.get("settings", {}))
    out["settings"]["rounds"] = len(docs)
    out["settings"]["merged"] = ("median over rounds of each round's median (min of mins, median of p90s); "
                                 "rounds of all platforms interleaved in time; ceilings of the round with the "
                                 "highest peak")
    models = []
    for mi, m in enumerate(base["models"]):
        ms = [d["models"][mi] for d in docs]
        if any(x["model"] != m["model"] or x["input"] != m["input"] for x in ms):
            raise SystemExit(f"models[{mi}]: the rounds measured different models")
        nm = dict(m)
        nm["latency_ms"] = merge_stats([x["latency_ms"] for x in ms])
        layers = []
        for li, layer in enumerate(m["layers"]):
            ls = [x["layers"][li] for x in ms]
            nl = dict(layer)
            nl["time_ms"] = merge_stats([x["time_ms"] for x in ls])
            t = nl["time_ms"]["median"]
            nl["gflops"] = 2 * layer["macs"] / (t * 1e6) if t > 0 else 0
            tiles = []
            for ti, tile in enumerate(layer.get("tiles", [])):
                vals = [x["tiles"][ti]["time_ms"] for x in ls if ti < len(x.get("tiles", []))
                        and abs(x["tiles"][ti]["fraction"] - tile["fraction"]) < 1e-12]
                tiles.append({"fraction": tile["fraction"], "time_ms": statistics.median(vals)})
            nl["tiles"] = tiles
            nl.pop("roofline", None)  # a round's; halo fit writes the merged one
            layers.append(nl)
        nm["layers"] = layers
        models.append(nm)
    out["models"] = models
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out} from {len(docs)} rounds")


if __name__ == "__main__":
    main()
