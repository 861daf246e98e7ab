#!/usr/bin/env python3
"""Writes the example clusters in profiles/clusters/ (run from the repository root).

Homogeneous clusters of 1, 2, 4 and 8 ESs on a fast (1000 Mbps, 0.2 ms) and a slow (100 Mbps,
2 ms, Wi-Fi-like) network, all ESs on the reference profile cpu-avx512-2t; heterogeneous mixes of
the reference ISA-cap/thread platforms (the committed profiles, measured on an Intel Xeon: a fixed
platform, not the machine that reads them); a Rayleigh-fading variant for halo sim; and GPU clusters made of
datasheet (estimated) profiles, for simulation only. Profiles are referenced relative to the
cluster file's folder (../NAME.json).
"""
import json
import os

OUT = "profiles/clusters"
# the CPU that measured the committed profiles (experiments/tools/platforms.py words it the same)
REF = "measured on an Intel Xeon with AMX (Sapphire Rapids or later), 2 cores"


def device(name, profile, mbps, lat, speed=None):
    d = {"name": name, "profile": f"../{profile}.json", "uplink_mbps": mbps, "downlink_mbps": mbps, "latency_ms": lat}
    if speed is not None:
        d["speed"] = speed
    return d


def source(mbps, lat):
    return {"name": "camera", "uplink_mbps": mbps, "downlink_mbps": mbps, "latency_ms": lat}


def write(name, note, devices, src_mbps, src_lat, channel=None):
    c = {"schema": "halo-cluster/1", "name": name, "note": note, "source": "camera",
         "devices": [source(src_mbps, src_lat)] + devices}
    if channel:
        c["channel"] = channel
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(c, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}/{name}.json")


def main():
    os.makedirs(OUT, exist_ok=True)
    nets = {"fast": (1000, 0.2, "1000 Mbps wired LAN, 0.2 ms per hop"),
            "slow": (100, 2.0, "100 Mbps Wi-Fi-like links, 2 ms per hop")}
    for n in (1, 2, 4, 8):
        for net, (mbps, lat, desc) in nets.items():
            write(f"homo-{n}-{net}",
                  f"{n} identical ESs on the reference profile cpu-avx512-2t ({REF}; oneDNN capped at AVX-512, 2 threads); {desc}",
                  [device(f"es{i + 1}", "cpu-avx512-2t", mbps, lat) for i in range(n)], mbps, lat)
    mix4 = ["cpu-avx512-2t", "cpu-avx2-2t", "cpu-avx512-1t", "cpu-sse41-2t"]
    mix8 = mix4 + ["cpu-avx2-1t", "cpu-sse41-1t", "cpu-avx512-2t", "cpu-avx2-2t"]
    for net, (mbps, lat, desc) in nets.items():
        write(f"hetero-4-{net}", f"4 ESs, each a different reference platform of {REF} (ISA cap x threads); " + desc,
              [device(f"es{i + 1}", p, mbps, lat) for i, p in enumerate(mix4)], mbps, lat)
        write(f"hetero-8-{net}", f"8 ESs, mixes of the 6 reference platforms of {REF}; " + desc,
              [device(f"es{i + 1}", p, mbps, lat) for i, p in enumerate(mix8)], mbps, lat)
    write("homo-8-rayleigh",
          "8 identical ESs on the reference profile cpu-avx512-2t on wireless links with Rayleigh block fading: W = 40 MHz, mean SNR 20 dB "
          "per access link; the bandwidth fields, which the planners use, are a link's mean rate "
          "E[W log2(1 + SNR |h|^2)] = 235 Mbps",
          [device(f"es{i + 1}", "cpu-avx512-2t", 235, 1.0) for i in range(8)], 235, 1.0,
          channel={"model": "rayleigh", "bandwidth_mhz": 40, "snr_db": 20})
    write("gpu-xavier-4", "ESTIMATED: 4 Jetson AGX Xavier (datasheet profiles, simulation only); 1000 Mbps LAN",
          [device(f"xavier{i + 1}", "datasheet-jetson-agx-xavier", 1000, 0.2) for i in range(4)], 1000, 0.2)
    write("gpu-hetero-4", "ESTIMATED: GTX 1080 Ti + Jetson AGX Xavier x2 + T4 (datasheet profiles, simulation only), "
          "as in HALP's setting; 1000 Mbps LAN",
          [device("gtx1080ti", "datasheet-gtx1080ti", 1000, 0.2), device("xavier1", "datasheet-jetson-agx-xavier", 1000, 0.2),
           device("xavier2", "datasheet-jetson-agx-xavier", 1000, 0.2), device("t4", "datasheet-t4", 1000, 0.2)], 1000, 0.2)


if __name__ == "__main__":
    main()
