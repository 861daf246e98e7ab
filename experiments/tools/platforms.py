#!/usr/bin/env python3
"""The CPU a profile was measured on, in words, and the key of this host's cached profile.

Every figure that names a CPU takes its words from here: the committed profiles are reference
platforms labelled by the CPU that measured them ("Intel Xeon (AMX: Sapphire Rapids or later),
2 cores, oneDNN capped at AVX2"), the host's profile by the CPU of the machine that ran it
("AMD EPYC (Zen 5), 2 cores").
A label is the profile's platform.cpu_model without trademarks, its platform.cpu_uarch when it has
one (halo records cpu_model from hwloc, which names no microarchitecture: `annotate` adds it to a
profile measured here from /proc/cpuinfo's family and model), the process's cores, and the oneDNN
ISA cap and thread count when they narrow the platform.

The key (`key`, `same`) says which host profile may be reused: CPU model, vendor, family and model,
the cores this process may use, the oneDNN library halo links (its version, asked from the library
itself), halo's commit (and, for a build of a modified tree, the binary's hash) and the settings the
profile was measured with. Nothing in it is timed.

usage: platforms.py label PROFILE.json [--cpu]     the platform (--cpu: the CPU alone), one line
       platforms.py key HALO SETTINGS               this host's key, JSON on stdout
       platforms.py same KEY.json HALO SETTINGS     exit 0 when KEY.json is this host's key; else
                                                   exit 1 and say on stdout what differs
       platforms.py annotate PROFILE.json           add platform.cpu_uarch (this host's), in place
       platforms.py host                            this host's CPU in words (from /proc/cpuinfo)
"""
import ctypes
import hashlib
import json
import os
import re
import subprocess
import sys

# AMD families (cpu family, first model, last model) -> microarchitecture
AMD = [(0x17, 0x00, 0x2F, "Zen / Zen+"), (0x17, 0x30, 0xFF, "Zen 2"),
       (0x19, 0x00, 0x0F, "Zen 3"), (0x19, 0x10, 0x1F, "Zen 4"), (0x19, 0x20, 0x5F, "Zen 3"),
       (0x19, 0x60, 0xAF, "Zen 4"), (0x1A, 0x00, 0xFF, "Zen 5")]
# Intel family 6 models -> microarchitecture (server parts first; the client ones halo may meet)
INTEL = {0x3F: "Haswell", 0x4F: "Broadwell", 0x55: "Skylake / Cascade Lake", 0x6A: "Ice Lake",
         0x6C: "Ice Lake", 0x8F: "Sapphire Rapids", 0xCF: "Emerald Rapids", 0xAD: "Granite Rapids",
         0xAE: "Granite Rapids", 0xAF: "Sierra Forest", 0x8C: "Tiger Lake", 0x8D: "Tiger Lake",
         0x97: "Alder Lake", 0x9A: "Alder Lake", 0xB7: "Raptor Lake", 0xBA: "Raptor Lake",
         0xBF: "Raptor Lake", 0x9E: "Coffee Lake", 0x8E: "Kaby Lake / Whiskey Lake"}
ISA = {"AVX512_CORE": "AVX-512", "AVX512_CORE_AMX": "AVX-512 + AMX", "AVX2": "AVX2", "SSE41": "SSE4.1",
       "AVX": "AVX", "AVX512_CORE_BF16": "AVX-512 (bf16)", "AVX512_CORE_VNNI": "AVX-512 (VNNI)"}


def cpuinfo():
    """vendor, family, model and model name of the first processor in /proc/cpuinfo ({} elsewhere)."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                k, _, v = line.partition(":")
                info[k.strip()] = v.strip()
    except OSError:
        return {}
    out = {"vendor": info.get("vendor_id", ""), "model_name": info.get("model name", "")}
    for k, name in (("cpu family", "family"), ("model", "model")):
        try:
            out[name] = int(info.get(k, ""))
        except ValueError:
            pass
    return out


def uarch(ci):
    """The microarchitecture of /proc/cpuinfo's family and model, or '' when this table lacks it."""
    fam, mod = ci.get("family"), ci.get("model")
    if fam is None or mod is None:
        return ""
    if ci.get("vendor") == "AuthenticAMD":
        return next((u for f, lo, hi, u in AMD if f == fam and lo <= mod <= hi), "")
    if ci.get("vendor") == "GenuineIntel" and fam == 6:
        return INTEL.get(mod, "")
    return ""


def short_cpu(model):
    """'Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.0GHz' -> 'Intel Xeon Platinum 8480+'."""
    s = re.sub(r"\((R|TM|tm)\)", "", model or "unknown CPU")
    s = re.sub(r"@.*$", "", s)
    s = re.sub(r"\b\d+-Core\b|\bProcessor\b|\bCPU\b", "", s)
    return " ".join(s.split()) or "unknown CPU"


def process_cores_here():
    """Cores (not hardware threads) of the CPUs this process may run on."""
    cpus = os.sched_getaffinity(0)
    cores = set()
    for c in cpus:
        base = f"/sys/devices/system/cpu/cpu{c}/topology/"
        try:
            with open(base + "physical_package_id") as f1, open(base + "core_id") as f2:
                cores.add((f1.read().strip(), f2.read().strip()))
        except OSError:
            cores.add(("?", str(c)))
    return len(cores)


def cpu_label(profile):
    """'AMD EPYC (Zen 5), 2 cores' for a profile (the JSON as a dict)."""
    plat = profile.get("platform", {})
    if profile.get("estimated"):
        return f"{profile.get('name', '?')} (ESTIMATED from a datasheet)"
    name = short_cpu(plat.get("cpu_model") or plat.get("topology", {}).get("cpu_model"))
    ua = plat.get("cpu_uarch", "")
    cores = plat.get("topology", {}).get("process_cores") or plat.get("topology", {}).get("cores")
    return name + (f" ({ua})" if ua else "") + (f", {cores} core{'s' if cores != 1 else ''}" if cores else "")


def platform_label(profile):
    """cpu_label, then the oneDNN ISA cap and the thread count where they narrow the platform."""
    plat = profile.get("platform", {})
    out = cpu_label(profile)
    if profile.get("estimated"):
        return out
    cap = (plat.get("isa_cap") or "none").upper()
    if cap not in ("NONE", "ALL", ""):
        out += f", oneDNN capped at {ISA.get(cap, cap)}"
    threads = plat.get("threads")
    cores = plat.get("topology", {}).get("process_cores")
    if threads and cores and threads != cores:
        out += f", {threads} thread{'s' if threads != 1 else ''}"
    return out


def onednn_version(halo):
    """'oneDNN 2.6.3' from the libdnnl that halo links (asked through dnnl_version), or the library's
    resolved file name when it cannot be asked; '' without oneDNN."""
    try:
        ldd = subprocess.run(["ldd", halo], capture_output=True, text=True).stdout
    except OSError:
        return ""
    m = re.search(r"(libdnnl\S*) => (\S+)", ldd)
    if not m:
        return ""
    path = m.group(2)

    class Version(ctypes.Structure):
        _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int),
                    ("hash", ctypes.c_char_p), ("cpu_runtime", ctypes.c_uint), ("gpu_runtime", ctypes.c_uint)]
    try:
        lib = ctypes.CDLL(path)
        lib.dnnl_version.restype = ctypes.POINTER(Version)
        v = lib.dnnl_version().contents
        h = v.hash.decode() if v.hash else ""
        return f"oneDNN {v.major}.{v.minor}.{v.patch}" + (f" ({h})" if h and h != "N/A" else "")
    except (OSError, AttributeError, ValueError):
        return os.path.realpath(path)


def host_key(halo, settings):
    ci = cpuinfo()
    ver = subprocess.run([halo, "--version"], capture_output=True, text=True).stdout.strip()
    m = re.search(r"\(([^)]*)\)", ver)
    commit = m.group(1) if m else ver
    key = {"cpu_model": ci.get("model_name", ""), "vendor": ci.get("vendor", ""), "family": ci.get("family"),
           "model": ci.get("model"), "cpu_uarch": uarch(ci), "process_cores": process_cores_here(),
           "onednn": onednn_version(halo), "halo_commit": commit, "settings": settings}
    if commit.endswith("-dirty"):
        # a build of a modified tree keeps its commit's name: its binary tells builds apart
        with open(halo, "rb") as f:
            key["halo_binary_sha256"] = hashlib.sha256(f.read()).hexdigest()[:16]
    return key


def main(argv):
    if len(argv) >= 3 and argv[1] == "label":
        with open(argv[2]) as f:
            p = json.load(f)
        print(cpu_label(p) if "--cpu" in argv[3:] else platform_label(p))
    elif len(argv) == 4 and argv[1] == "key":
        print(json.dumps(host_key(argv[2], argv[3]), indent=1))
    elif len(argv) == 5 and argv[1] == "same":
        try:
            with open(argv[2]) as f:
                old = json.load(f)
        except (OSError, ValueError):
            print("no key recorded")
            return 1
        new = host_key(argv[3], argv[4])
        diff = [f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        if diff:
            print("; ".join(diff))
            return 1
    elif len(argv) == 3 and argv[1] == "annotate":
        with open(argv[2]) as f:
            p = json.load(f)
        ua = uarch(cpuinfo())
        if ua:
            p["platform"]["cpu_uarch"] = ua
            with open(argv[2] + ".tmp", "w") as f:
                json.dump(p, f, indent=1)
                f.write("\n")
            os.replace(argv[2] + ".tmp", argv[2])
    elif len(argv) == 2 and argv[1] == "host":
        ci = cpuinfo()
        ua = uarch(ci)
        n = process_cores_here()
        print(short_cpu(ci.get("model_name")) + (f" ({ua})" if ua else "") + f", {n} core{'s' if n != 1 else ''}")
    else:
        sys.stderr.write(__doc__.split("\n\n")[-1] + "\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
