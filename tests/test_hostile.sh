#!/bin/sh
# Hostile environments and extreme-but-valid inputs that tests/bad_inputs cannot express (it runs
# one command per case and wants exit 2 or 1): output files that are device nodes, symbolic
# links, folders or FIFOs; a full device; FIFOs nobody writes given where a regular file is
# required; a JSON input that never ends; links at the bounds' extremes (planning must end);
# `--method all` on inputs some methods cannot plan; the status file of `halo run` after a
# signal; bad input under the user's own mpirun with the flags the README gives; --draws beyond
# the exact-percentile limit; a long trace (sampling must not scan it per draw).
# Device nodes are made with mknod in a scratch folder (private copies of /dev/null and
# /dev/full; nothing under /dev is touched): those checks SKIP without root, the mpirun ones
# without mpirun or the run command.   usage: test_hostile.sh PATH/TO/halo
set -u
HALO=$1
case $HALO in /*) ;; *) HALO=$(pwd)/$HALO ;; esac
here=$(cd "$(dirname "$0")" && pwd)
CLUSTER=$here/data/small-cluster.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
checks=0
skips=""

fail() {
    echo "FAIL: $1" >&2
    [ -s err ] && sed 's/^/    stderr: /' err | head -n 5 >&2
    fails=$((fails + 1))
}
ok() { checks=$((checks + 1)); }
skip() { case " $skips " in *" $1 "*) ;; *) skips="$skips $1" ;; esac; }

# expect STATUS TEXT CMD...: exit STATUS within 60 s; for 2, one line on stderr containing TEXT
expect() {
    want=$1 text=$2
    shift 2
    timeout 60 "$HALO" "$@" >out 2>err </dev/null
    got=$?
    if [ "$got" -ne "$want" ]; then fail "halo $*: exit $got, want $want"; return; fi
    if [ -n "$text" ] && ! grep -qF -- "$text" err; then fail "halo $*: stderr lacks '$text'"; return; fi
    if [ "$want" -eq 2 ] && [ "$(wc -l <err)" -ne 1 ]; then fail "halo $*: $(wc -l <err) lines on stderr, want 1"; return; fi
    ok
}

python3 - "$CLUSTER" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("channel", None)
json.dump(c, open("c.json", "w"))
# the slowest links the bounds allow, and the longest latencies: plans and simulations must end
for d in c["devices"]:
    d["uplink_mbps"] = d["downlink_mbps"] = 1e-3
    d["latency_ms"] = 5e5
n = len(c["devices"])
c["links"] = {"latency_ms": [[0 if i == j else 1e6 for j in range(n)] for i in range(n)],
              "bandwidth_mbps": [[0 if i == j else (1e-3 if (i + j) % 2 else 1e9) for j in range(n)] for i in range(n)]}
json.dump(c, open("slow.json", "w"))
# a valid trace with CRLF line ends, a byte order mark and a blank last line; and a long one
c = json.load(open("c.json"))
c["channel"] = {"model": "trace", "file": "crlf.csv"}
json.dump(c, open("crlf.json", "w"))
open("crlf.csv", "wb").write(b"\xef\xbb\xbftime_s,device,up_mbps,down_mbps\r\n0,es1,100,100\r\n1,es2,50,50\r\n\r\n")
for rows in (2000, 200000):
    c["channel"] = {"model": "trace", "file": "long%d.csv" % rows, "interval_s": 0.5}
    json.dump(c, open("long%d.json" % rows, "w"))
    with open("long%d.csv" % rows, "w") as f:
        f.write("time_s,device,up_mbps,down_mbps\n")
        for i in range(rows):
            f.write("%d,es%d,%d,%d\n" % (i // 3, 1 + i % 3, 50 + i % 200, 60 + i % 100))
PY

# ---- outputs: -o never replaces what is not a regular file, follows links, checks every write
"$HALO" plan resnet18 --cluster c.json --input 64x64 -o plan.json >/dev/null 2>err || fail "plan -o plan.json"
if mknod mynull c 1 3 2>/dev/null && mknod myfull c 1 7 2>/dev/null; then
    expect 0 "" plan resnet18 --cluster c.json --input 64x64 -o mynull
    [ -c mynull ] && ok || fail "plan -o mynull replaced the device node"
    expect 0 "" fit "$here/bad_inputs/profile/good.json" -o mynull
    [ -c mynull ] && ok || fail "fit -o mynull replaced the device node"
    expect 2 "myfull: cannot write: No space left on device" plan resnet18 --cluster c.json --input 64x64 -o myfull
    [ -c myfull ] && ok || fail "plan -o myfull replaced the device node"
    expect 2 "myfull: cannot write" sim resnet18 --cluster c.json --input 32x32 --deadline-ms 50 --draws 10 --csv myfull
    expect 2 "myfull: cannot write" infer resnet18 --backend ref --input 32x32 --out myfull
    timeout 60 "$HALO" flops resnet50 --per node --format csv >myfull 2>err
    [ $? -eq 2 ] && grep -q "stdout: cannot write" err && ok || fail "flops > a full device: exit 0 or no message"
    timeout 60 "$HALO" models >myfull 2>err
    [ $? -eq 2 ] && ok || fail "models > a full device did not fail"
    if "$HALO" run --help >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then
        expect 2 "myfull: cannot write" run plan.json --backend ref --warmup 0 --csv myfull
        expect 2 "myfull: cannot write" run plan.json --backend ref --warmup 0 --trace myfull
    fi
else
    skip "device-nodes(needs-root)"
fi
echo '{}' >target.json
ln -s target.json link.json
expect 0 "" fit "$here/bad_inputs/profile/good.json" -o link.json
[ -L link.json ] && grep -q halo-profile target.json && ok || fail "fit -o link.json did not write through the link"
cp "$here/bad_inputs/profile/good.json" real.json
ln -s real.json inplace.json
expect 0 "" fit inplace.json
[ -L inplace.json ] && grep -q '"fit"' real.json && ok || fail "fit in place through a link replaced the link"
ln -s not-yet.json dangling.json
expect 0 "" plan resnet18 --cluster c.json --input 64x64 -o dangling.json
[ -L dangling.json ] && [ -f not-yet.json ] && ok || fail "plan -o to a dangling link did not create its target"
chmod 640 plan.json
expect 0 "" plan resnet18 --cluster c.json --input 64x64 -o plan.json
[ "$(stat -c %a plan.json)" = 640 ] && ok || fail "replacing plan.json lost its mode"
mkdir folder
expect 2 "folder: is a directory" plan resnet18 --cluster c.json --input 64x64 -o folder
# /dev/stdout is the descriptor stdout already is: the plan comes after the table, nothing replaced
timeout 60 "$HALO" plan resnet18 --cluster c.json --input 64x64 -o /dev/stdout >stdout.txt 2>err
grep -q '"schema":.*"halo-plan/1"' stdout.txt && grep -q "predicted latency" stdout.txt && ok ||
    fail "plan -o /dev/stdout did not write the table and the plan to stdout"
ls -- *.tmp-* >/dev/null 2>&1 && fail "temporary files left behind: $(ls -- *.tmp-*)" || ok

# ---- FIFOs: refused at once where a regular file is required; read where a pipe may be
mkfifo fifo
expect 2 "fifo: cannot write: a FIFO that no process reads" plan resnet18 --cluster c.json --input 64x64 -o fifo
expect 2 "fifo: not a regular file" infer resnet18 --backend ref --input 32x32 --image fifo
expect 2 "fifo: not a regular file" infer resnet18 --backend ref --weights fifo
expect 2 "fifo: not a regular file" infer resnet18 --backend ref --input 32x32 --input-raw fifo
python3 -c "
import json; c = json.load(open('c.json')); c['channel'] = {'model': 'trace', 'file': 'fifo'}; json.dump(c, open('tf.json', 'w'))"
expect 2 "fifo: not a regular file" sim resnet18 --cluster tf.json --input 32x32 --deadline-ms 50 --draws 10
(cat c.json >fifo &)
expect 0 "" plan resnet18 --cluster fifo --input 64x64
(cat fifo >fromfifo.json &)
sleep 1
expect 0 "" plan resnet18 --cluster c.json --input 64x64 -o fifo
sleep 1
grep -q halo-plan/1 fromfifo.json && ok || fail "plan -o to a FIFO with a reader wrote nothing through it"

# ---- JSON inputs of any size end with a message
expect 2 "/dev/zero: not a regular file" plan resnet18 --cluster /dev/zero
cat /dev/zero | timeout 60 "$HALO" plan resnet18 --cluster /dev/stdin >out 2>err
[ $? -eq 2 ] && grep -q "larger than the 100 MiB" err && ok || fail "an endless pipe as --cluster: no size limit"

# ---- links at the bounds: every planner and the simulator end, and print finite numbers
for s in 1x1 8x8 64x64 224x224; do
    expect 0 "" plan resnet18 --cluster slow.json --input $s --method all
    grep -qiE "nan|inf" out && fail "plan --method all on slow.json at $s printed nan or inf" || ok
done
expect 0 "" sim resnet18 --cluster slow.json --input 64x64 --deadline-ms 50 --draws 20 --method dpfp,modnn,adcnn
# a method that cannot plan an input is a row of the comparison, not its end
expect 0 "" plan resnet18 --cluster c.json --input 1x1 --method all
grep -q "ftp .* n/a" out && ok || fail "plan --method all at 1x1: ftp is not shown as n/a"

# ---- traces: CRLF, byte order mark and a blank line read; a long trace is not scanned per draw
expect 0 "" sim resnet18 --cluster crlf.json --input 32x32 --deadline-ms 50 --draws 10
t0=$(date +%s%N)
expect 0 "" sim resnet18 --cluster long2000.json --input 32x32 --deadline-ms 50 --draws 20000 --method local
t1=$(date +%s%N)
expect 0 "" sim resnet18 --cluster long200000.json --input 32x32 --deadline-ms 50 --draws 20000 --method local
t2=$(date +%s%N)
# 100 x the rows: with a scan per draw about 100 x the time; with a search per draw, reading the
# file dominates the difference
ratio=$(( (t2 - t1) / ((t1 - t0) / 1000 + 1) ))
[ "$ratio" -lt 20000 ] && ok || fail "a trace of 200000 rows took $ratio/1000 x the time of 2000 rows"

# ---- --draws beyond the exact limit: bounded memory, the histogram is said
expect 0 "" sim resnet18 --cluster c.json --input 32x32 --deadline-ms 50 --draws 4200000 --method local
grep -q "percentiles from a histogram" out && ok || fail "sim --draws 4200000 does not say its percentiles are binned"

# ---- halo run: signals leave no status file; the user's own mpirun gets a meaningful status
if "$HALO" run --help >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then
    mkdir run-tmp
    TMPDIR=$tmp/run-tmp timeout -s TERM 4 "$HALO" run plan.json --backend ref --inject stall:1 --timeout-ms 60000 \
        >/dev/null 2>&1
    [ $? -eq 124 ] && ok || fail "halo run under timeout did not end by the signal"
    sleep 1
    left=$(ls run-tmp | grep halo-run-status)
    [ -z "$left" ] && ok || fail "halo run left $left in TMPDIR after SIGTERM"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    n=$(python3 -c "import json; print(len(json.load(open('plan.json'))['devices']))")
    timeout 120 mpirun --oversubscribe --bind-to none --mca orte_abort_on_non_zero_status 0 -np $((n - 1)) \
        "$HALO" run plan.json --backend ref >/dev/null 2>err
    [ $? -eq 2 ] && grep -q "MPI ranks were started" err && ok || fail "own mpirun with too few ranks: exit not 2"
    python3 -c "import json; p = json.load(open('plan.json')); p['lossless'] = False; json.dump(p, open('lie.json', 'w'))"
    timeout 120 mpirun --oversubscribe --bind-to none --mca orte_abort_on_non_zero_status 0 -np "$n" \
        "$HALO" run lie.json --backend ref >/dev/null 2>err
    [ $? -eq 2 ] && grep -q "lossless: says false" err && ok || fail "own mpirun with a bad plan: exit not 2"
    timeout 120 mpirun --oversubscribe --bind-to none --mca orte_abort_on_non_zero_status 0 -np "$n" \
        "$HALO" run plan.json --backend ref --warmup 0 --verify >out 2>err
    [ $? -eq 0 ] && grep -q "verify OK" out && ok || fail "own mpirun with a good plan did not verify"
else
    skip "run(needs-MPI)"
fi

[ -n "$skips" ] && echo "test_hostile: skipped:$skips"
if [ "$fails" -ne 0 ]; then
    echo "test_hostile: $fails of $((checks + fails)) checks FAILED" >&2
    exit 1
fi
if [ "$checks" -eq 0 ]; then
    echo "test_hostile: SKIP: nothing could be checked"
    exit 77
fi
echo "test_hostile: all $checks checks passed"
