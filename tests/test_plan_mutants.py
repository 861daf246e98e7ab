#!/usr/bin/env python3
"""One-field mutants of real plans through `halo run` (the plan validator's property test).

Makes three real plans (resnet18 dpfp, vgg11 modnn, mobilenet_v2 adcnn: lossless, star and lossy
with a codec; 32x32 on tests/data/small-cluster.json), lists every way to change one field of each
(a number +-1, 0, -1, negated, huge, 1e999; a string emptied, changed, made long or given an escape
sequence; a type changed to string, null, boolean, array or object; an array emptied, shortened or
grown; a key removed) and runs a seeded random sample of them. Each mutant must either be rejected
by `halo run` before anything runs (exit 2, exactly one line on stderr, 'halo run: ...') or run to
completion and verify against single-device inference (exit 0, 'verify OK', or 'verify LOSSY' for
the lossy plan): never a crash, a hang, a second line of errors or an accepted plan that fails at
run time. The predicted timeline's events are left out of the base plans (as tests/bad_inputs
does): the loader never reads them, and every mutant of them would only repeat a full run.

usage: test_plan_mutants.py PATH/TO/halo   (HALO_MUTANTS=N mutants, default 300, 100 under the
sanitizers; HALO_MUTANTS_SEED)
Exit 77 (SKIP) when this halo has no `run` (built without MPI).
"""
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HALO = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "data", "small-cluster.json")
# under the sanitizers (tests/run_sanitized.sh sets HALO_SANITIZE) each run is several times slower
N = int(os.environ.get("HALO_MUTANTS", "100" if os.environ.get("HALO_SANITIZE") else "300"))
SEED = int(os.environ.get("HALO_MUTANTS_SEED", "20261207"))
PLANS = [("resnet18", "dpfp"), ("vgg11", "modnn"), ("mobilenet_v2", "adcnn")]
RAW = "__raw_json__:"  # a string value that is written into the file as raw JSON text


def leaves(obj, path=()):
    """Every value of obj with its path (a tuple of keys and indices), containers included."""
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from leaves(v, path + (i,))


def new_values(v):
    """The values one field is mutated to."""
    out = [None, "x", [], {}]
    if isinstance(v, bool):
        out += [not v, 0, "true"]
    elif isinstance(v, (int, float)):
        out += [v + 1, v - 1, 0, -1, -v, v * 2, 1e308, 1e-300, RAW + "1e999", str(v), "NaN", True]
    elif isinstance(v, str):
        out += ["", v + "x", "a" * 300, "es\u001b[2J", 0, True]
    elif isinstance(v, list):
        out += [v[:-1], v + v[-1:], [v[0]] if v else [0], 0, "[]"] if v else [[0], 0]
    elif isinstance(v, dict):
        out += [0, "{}"]
    return [x for x in out if x != v or type(x) != type(v)]


def mutants(plan):
    """(description, mutated plan) for every one-field change of plan."""
    for path, v in leaves(plan):
        if not path:
            continue
        for nv in new_values(v):
            yield "%s = %s" % (fmt_path(path), json.dumps(nv)[:40]), ("set", path, nv)
        if isinstance(path[-1], str):
            yield "%s removed" % fmt_path(path), ("del", path, None)


def fmt_path(path):
    s = ""
    for p in path:
        s += "[%d]" % p if isinstance(p, int) else ("." if s else "") + p
    return s


def apply(plan, op):
    kind, path, nv = op
    p = copy.deepcopy(plan)
    obj = p
    for k in path[:-1]:
        obj = obj[k]
    if kind == "del":
        del obj[path[-1]]
    else:
        obj[path[-1]] = nv
    text = json.dumps(p, indent=1)
    return text.replace('"' + RAW + '1e999"', "1e999")


def main():
    if subprocess.run([HALO, "run", "--help"], capture_output=True).returncode != 0:
        print("test_plan_mutants: SKIP: this halo has no run command (built without MPI)")
        return 77
    work = tempfile.mkdtemp(prefix="halo_mutants_")
    bases = []
    for model, method in PLANS:
        path = os.path.join(work, "%s-%s.json" % (model, method))
        r = subprocess.run([HALO, "plan", model, "--cluster", CLUSTER, "--input", "32x32", "--method", method,
                            "-o", path], capture_output=True, text=True)
        if r.returncode != 0:
            print("test_plan_mutants: FAILED: cannot make the %s %s plan: %s" % (model, method, r.stderr), file=sys.stderr)
            return 1
        p = json.load(open(path))
        p.get("predicted", {}).pop("events", None)
        bases.append(("%s-%s" % (model, method), p))
    every = [(name, d, op, p) for name, p in bases for d, op in mutants(p)]
    rng = random.Random(SEED)
    sample = rng.sample(every, min(N, len(every)))
    print("test_plan_mutants: %d one-field mutants of %d plans; running %d (seed %d)" % (len(every), len(bases),
                                                                                      len(sample), SEED))
    fails, rejected, accepted = [], 0, 0
    t0 = time.time()
    for i, (name, desc, op, plan) in enumerate(sample):
        mpath = os.path.join(work, "m%04d.json" % i)
        with open(mpath, "w") as f:
            f.write(apply(plan, op))
        try:
            r = subprocess.run([HALO, "run", mpath, "--backend", "ref", "--verify", "--warmup", "0", "--timeout-ms",
                                "30000"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            fails.append((name, desc, "no answer within 120 s (a hang)", ""))
            continue
        err = r.stderr.strip("\n")
        lines = err.split("\n") if err else []
        if r.returncode == 2 and len(lines) == 1 and lines[0].startswith("halo run: "):
            rejected += 1
        elif r.returncode == 0 and ("verify OK" in r.stdout or (name.endswith("adcnn") and "verify LOSSY" in r.stdout)):
            accepted += 1
        else:
            fails.append((name, desc, "exit %d, %d line(s) on stderr" % (r.returncode, len(lines)), err[-600:]))
    dt = time.time() - t0
    for name, desc, what, err in fails:
        print("FAIL: %s: %s: %s" % (name, desc, what), file=sys.stderr)
        for line in err.split("\n")[-6:]:
            print("    stderr: " + line, file=sys.stderr)
    print("test_plan_mutants: %d rejected with one line (exit 2), %d ran and verified, %d failed; %.0f s" %
          (rejected, accepted, len(fails), dt))
    if not fails:
        subprocess.run(["rm", "-rf", work])
    else:
        print("test_plan_mutants: the mutants are in %s" % work, file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
