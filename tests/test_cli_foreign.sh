#!/bin/sh
# The line halo plan, halo sim and halo run print on stderr when a device's profile was measured on
# another CPU model (or under another oneDNN ISA cap) than this host's: present for a copy of a
# committed profile that names another CPU, absent for a copy that names this host's CPU, present
# again when ONEDNN_MAX_CPU_ISA caps this host differently, a note (not a warning) for a datasheet
# profile, nothing for an inline capacity or under HALO_QUIET_FOREIGN=1. Also: a plan that falls back
# to one device prints "latency reduction 0.0 %", never "-0.0".
# usage: test_cli_foreign.sh PATH/TO/halo
set -u
HALO=$1
. "$(dirname "$0")/cli_lib.sh"
unset ONEDNN_MAX_CPU_ISA HALO_QUIET_FOREIGN

# this host's CPU model as halo names it (hwloc), from the provenance of a cheap halo sim
cat >"$tmp/inline.json" <<'JSON'
{"schema": "halo-cluster/1", "name": "inline", "source": "cam",
 "devices": [
  {"name": "cam", "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.5},
  {"name": "es1", "capacity": {"gflops": 40}, "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2},
  {"name": "es2", "capacity": {"gflops": 40}, "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2}]}
JSON
"$HALO" sim resnet18 --cluster "$tmp/inline.json" --sizes 64 --draws 10 --deadline-ms 100 --format json >"$tmp/sim.json" 2>"$tmp/sim.err" ||
    { cat "$tmp/sim.err"; echo "FAIL: halo sim on an inline cluster"; exit 1; }
host_cpu=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["provenance"]["cpu_model"])' "$tmp/sim.json")
checks=$((checks + 1))
[ -s "$tmp/sim.err" ] && fail "halo sim on inline capacities printed on stderr: $(cat "$tmp/sim.err")"

# copies of a committed profile: one measured on another CPU, one on this host's (uncapped)
python3 - profiles/cpu-avx512-2t.json "$tmp" "$host_cpu" <<'PY'
import json, sys
src, tmp, host = sys.argv[1:]
for name, cpu in (("other", "Test CPU 9000 (not this host)"), ("here", host)):
    p = json.load(open(src))
    p["platform"]["cpu_model"] = cpu
    p["platform"]["isa_cap"] = "none"
    json.dump(p, open(f"{tmp}/{name}.json", "w"))
    devs = [{"name": "cam", "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.5}]
    devs += [{"name": f"es{i}", "profile": f"{name}.json", "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2}
             for i in (1, 2)]
    json.dump({"schema": "halo-cluster/1", "name": name, "source": "cam", "devices": devs}, open(f"{tmp}/c-{name}.json", "w"))
# one that does not say which CPU measured it
p = json.load(open(src))
del p["platform"]["cpu_model"]
json.dump(p, open(f"{tmp}/nocpu.json", "w"))
devs = [{"name": "cam", "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.5},
        {"name": "es1", "profile": "nocpu.json", "uplink_mbps": 500, "downlink_mbps": 500, "latency_ms": 0.2}]
json.dump({"schema": "halo-cluster/1", "name": "nocpu", "source": "cam", "devices": devs}, open(f"{tmp}/c-nocpu.json", "w"))
PY
sed "s|capacity\": {\"gflops\": 40}|profile\": \"$(pwd)/profiles/datasheet-t4.json\"|" "$tmp/inline.json" >"$tmp/c-gpu.json"

# no_line CMD...: exit 0 and no foreign-profile line on stderr
no_line() {
    checks=$((checks + 1))
    "$HALO" "$@" >"$tmp/out" 2>"$tmp/err" || { fail "halo $*: exit $?"; sed 's/^/    /' "$tmp/err" >&2; return; }
    if grep -q "profile .* was measured on\|is ESTIMATED" "$tmp/err"; then
        fail "halo $*: a foreign-profile line where none belongs:"
        sed 's/^/    /' "$tmp/err" >&2
    fi
}

for cmd in plan sim; do
    case $cmd in
        plan) args="resnet18 --input 64x64" ;;
        sim) args="resnet18 --sizes 64 --draws 10 --deadline-ms 100" ;;
    esac
    # shellcheck disable=SC2086
    {
        expect 0 "halo $cmd: warning: devices es1, es2: profile $tmp/other.json was measured on Test CPU 9000 (not this host), not on this host ($host_cpu)" \
            $cmd $args --cluster "$tmp/c-other.json"
        no_line $cmd $args --cluster "$tmp/c-here.json"
        export ONEDNN_MAX_CPU_ISA=AVX2
        expect 0 "was measured on $host_cpu (oneDNN uncapped), not on this host ($host_cpu, oneDNN capped at AVX2)" \
            $cmd $args --cluster "$tmp/c-here.json"
        unset ONEDNN_MAX_CPU_ISA
        export HALO_QUIET_FOREIGN=1
        no_line $cmd $args --cluster "$tmp/c-other.json"
        unset HALO_QUIET_FOREIGN
        expect 0 "halo $cmd: note: devices es1, es2: profile $(pwd)/profiles/datasheet-t4.json is ESTIMATED from a datasheet" \
            $cmd $args --cluster "$tmp/c-gpu.json"
        no_line $cmd $args --cluster "$tmp/inline.json"
        expect 0 "halo $cmd: warning: device es1: profile $tmp/nocpu.json records no platform.cpu_model: which CPU measured it is unknown, so it may not predict this host ($host_cpu)" \
            $cmd $args --cluster "$tmp/c-nocpu.json"
    }
done
checks=$((checks + 1))
if HALO_QUIET_FOREIGN=0 "$HALO" plan resnet18 --input 64x64 --cluster "$tmp/c-other.json" 2>&1 >/dev/null | grep -q "warning"; then :; else
    fail "HALO_QUIET_FOREIGN=0 hid the warning"
fi
checks=$((checks + 1))
n=$("$HALO" plan resnet18 --input 64x64 --cluster "$tmp/c-other.json" --method all --deviation 0 2>&1 >/dev/null | grep -c "warning")
[ "$n" = 1 ] || fail "halo plan --method all: $n warning lines for one foreign profile (want 1)"

# halo run: the plan's devices, from the cluster file the plan names (SKIP the part without MPI)
if command -v mpirun >/dev/null 2>&1 && "$HALO" run --help >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
    for c in other here; do
        "$HALO" plan resnet18 --input 64x64 --no-select --cluster "$tmp/c-$c.json" -o "$tmp/p-$c.json" >/dev/null 2>&1 ||
            fail "halo plan -o for halo run ($c)"
    done
    expect 0 "halo run: warning: devices es1, es2: profile $tmp/other.json was measured on Test CPU 9000" \
        run "$tmp/p-other.json" --backend ref --repeat 1 --warmup 0
    no_line run "$tmp/p-here.json" --backend ref --repeat 1 --warmup 0
    # two plans on one cluster: one line
    checks=$((checks + 1))
    n=$("$HALO" run "$tmp/p-other.json" "$tmp/p-other.json" --backend ref --repeat 1 --warmup 0 2>&1 >/dev/null | grep -c "warning")
    [ "$n" = 1 ] || fail "halo run of two plans on one cluster: $n warning lines (want 1)"
else
    echo "halo run part skipped: no mpirun or no 'halo run' in this build"
fi

# a plan no faster than one device: resnet152 on 16 ESs at 100 Mbps, where the reduction is a
# rounding error below zero (-2e-14 %), prints 0.0
python3 experiments/tools/clusters.py "$tmp/c16.json" c16 16 100 2 profiles/cpu-avx512-2t.json
checks=$((checks + 1))
HALO_QUIET_FOREIGN=1 "$HALO" plan resnet152 --cluster "$tmp/c16.json" >"$tmp/out" 2>&1
if ! grep -q "latency reduction 0.0 %" "$tmp/out" || grep -q -- "-0\.0" "$tmp/out"; then
    fail "halo plan resnet152 on 16 ESs at 100 Mbps: want 'latency reduction 0.0 %', no '-0.0':"
    grep "reduction" "$tmp/out" | sed 's/^/    /' >&2
fi
finish test_cli_foreign
