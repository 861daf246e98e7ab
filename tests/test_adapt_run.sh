#!/bin/sh
# halo run --adapt on under real mpirun: a stream that re-plans. resnet18 at 32x32 on 4 identical
# ESs (DPFP over all four), emulated links, the virtual clock with the test hook that replays the
# plans' compute_ms (deterministic timelines; an epoch's plan is replayed at the device's own speed):
#  (a) nothing changes: no re-plan, every frame verified, the timeline that of --adapt off;
#  (b) a straggler (--inject delay: every step of es2 5 ms longer on the virtual clock): the
#      adaptive stream re-plans (trigger straggler, es2), es2 gets less work, and it has fewer
#      deadline misses and a lower mean latency than the static one; every frame verified;
#  (c) a link trace that cuts es1's and es2's links to a tenth for a while (--link-trace): the
#      adaptive stream re-plans (trigger link), misses fewer deadlines and has a lower mean latency
#      than the static one;
#  (d) a dead ES (--inject kill:2@0/20: es2 exits at frame 20 of 60) and (e) a stalled one: the
#      stream goes on over the 3 survivors — 60 of 60 frames delivered and verified, detection and
#      recovery times reported, the median latency after the recovery within 10 % of the fresh plan
#      over the survivors that the source made (its prediction, in the same run), and the survivors
#      end through MPI_Finalize (no PMIX ERROR from mpirun); the stalled rank never wakes, and once
#      the source is over halo's launcher stops the mpirun it holds up (the run still exits 0);
#  (f) bad flags exit 2 with one line.
# usage: test_adapt_run.sh PATH/TO/halo   (SKIP, exit 77, without mpirun or `halo run`)
set -u
HALO=$1
command -v mpirun >/dev/null 2>&1 || { echo "SKIP: mpirun not found (Debian: openmpi-bin)"; exit 77; }
"$HALO" run --help >/dev/null 2>&1 || { echo "SKIP: this halo was built without MPI (no 'halo run')"; exit 77; }
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
. "$(dirname "$0")/cli_lib.sh"

cat >"$tmp/c4.json" <<'JSON'
{"schema": "halo-cluster/1", "name": "adapt4", "source": "cam",
 "devices": [
  {"name": "cam", "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es1", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es2", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es3", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es4", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1}]}
JSON
cat >"$tmp/trace.csv" <<'CSV'
time_s,device,up_mbps,down_mbps
0.4,es1,20,20
0.4,es2,20,20
1.6,es1,200,200
1.6,es2,200,200
CSV
"$HALO" plan resnet18 --cluster "$tmp/c4.json" --input 32x32 --method dpfp --no-select -o "$tmp/p.json" >/dev/null \
    2>"$tmp/err" || { fail "halo plan: $(cat "$tmp/err")"; finish test_adapt_run; }

# col FILE NAME: the values of CSV column NAME of the per-frame rows
col() {
    awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == n) c = i; if ($i == "frame") fc = i } next }
                       $fc != "all" { print $c }' "$1"
}
mean() { awk '{ s += $1; n++ } END { printf "%.6f", n ? s / n : 0 }'; }
misses() { sed -n 's/^  deadline misses *\([0-9]*\) .*/\1/p' "$1"; }

# run NAME ARGS...: the stream (60 frames at 25 fps, deadline 40 ms, verified) into $tmp/NAME.{out,csv}
run() {
    name=$1
    shift
    checks=$((checks + 1))
    if ! HALO_TEST_VCLOCK_PLAN_MS=1 "$HALO" run "$tmp/p.json" --frames 60 --fps 25 --deadline-ms 40 --threads 1 \
        --verify --csv "$tmp/$name.csv" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
        fail "$name: halo run $* failed: $(tail -n 3 "$tmp/$name.err")"
        return 1
    fi
    grep -q "verify: 60 of 60 frames match single-device inference" "$tmp/$name.out" ||
        fail "$name: not every frame verified: $(grep verify "$tmp/$name.out")"
    return 0
}
ADAPT="--adapt on --cluster $tmp/c4.json"

# ---- (a) nothing changes --------------------------------------------------------------------------
if run a-off && run a-on $ADAPT; then
    checks=$((checks + 2))
    grep -q "^adapt     0 re-plans adopted" "$tmp/a-on.out" || fail "(a) re-planned with nothing changed: $(grep -A3 '^adapt' "$tmp/a-on.out")"
    [ "$(col "$tmp/a-on.csv" done_ms | tr '\n' ' ')" = "$(col "$tmp/a-off.csv" done_ms | tr '\n' ' ')" ] ||
        fail "(a) --adapt on's frames are not --adapt off's"
    echo "(a) no change: no re-plan, 60 frames verified, the timeline of --adapt off"
fi

# ---- (b) a straggler ------------------------------------------------------------------------------
if run b-off --inject delay:2:5 && run b-on --inject delay:2:5 $ADAPT; then
    ms=$(misses "$tmp/b-off.out") ma=$(misses "$tmp/b-on.out")
    ls=$(col "$tmp/b-off.csv" latency_ms | mean) la=$(col "$tmp/b-on.csv" latency_ms | mean)
    checks=$((checks + 4))
    grep -qE "^ +t .* straggler es2 " "$tmp/b-on.out" || fail "(b) no re-plan on the straggler: $(grep -A3 '^adapt' "$tmp/b-on.out")"
    [ "${ma:-99}" -lt "${ms:-0}" ] || fail "(b) adaptive misses $ma deadlines, static $ms"
    awk -v a="$la" -v s="$ls" 'BEGIN { exit !(a < s) }' || fail "(b) adaptive mean latency $la ms, static $ls ms"
    # the plan in use at the end gives es2 (rank 2) less work than the first: fewer steps of its in the trace
    last=$(col "$tmp/b-on.csv" variant | tail -n 1)
    [ "${last:-0}" -ge 1 ] || fail "(b) the last frame ran epoch ${last:-?}, not a re-plan"
    echo "(b) straggler: misses static $ms, adaptive $ma; mean latency static $ls ms, adaptive $la ms;" \
        "$(grep -E '^ +t .* straggler' "$tmp/b-on.out" | head -n 1 | tr -s ' ')"
fi

# ---- (c) links that change ------------------------------------------------------------------------
if run c-off --link-trace "$tmp/trace.csv" && run c-on --link-trace "$tmp/trace.csv" $ADAPT; then
    ms=$(misses "$tmp/c-off.out") ma=$(misses "$tmp/c-on.out")
    ls=$(col "$tmp/c-off.csv" latency_ms | mean) la=$(col "$tmp/c-on.csv" latency_ms | mean)
    checks=$((checks + 4))
    grep -qE "^ +t .* link " "$tmp/c-on.out" || fail "(c) no re-plan on the links: $(grep -A3 '^adapt' "$tmp/c-on.out")"
    [ "${ma:-99}" -lt "${ms:-0}" ] || fail "(c) adaptive misses $ma deadlines, static $ms"
    [ "${ms:-0}" -gt 0 ] || fail "(c) the trace made no static frame miss: it tests nothing"
    awk -v a="$la" -v s="$ls" 'BEGIN { exit !(a < s) }' || fail "(c) adaptive mean latency $la ms, static $ls ms"
    echo "(c) link trace: misses static $ms, adaptive $ma; mean latency static $ls ms, adaptive $la ms;" \
        "$(grep -E '^ +t .* link' "$tmp/c-on.out" | head -n 1 | tr -s ' ')"
fi

# ---- (d, e) a dead ES, a stalled ES ---------------------------------------------------------------
for fault in kill stall; do
    if run "$fault" --inject "$fault:2@0/20" $ADAPT; then
        line=$(grep '^recovery' "$tmp/$fault.out")
        fresh=$(sed -n 's/^ *t .* dead .* predicted *inf -> *\([0-9.]*\) ms.*/\1/p' "$tmp/$fault.out" | head -n 1)
        restart=$(echo "$line" | sed -n 's/.*frames \([0-9]*\)\.\. ran again.*/\1/p')
        det=$(echo "$line" | sed -n 's/.*named at [0-9.]* ms, \([0-9.]*\) ms after the last result.*/\1/p')
        rec=$(echo "$line" | sed -n 's/.*(recovery \([0-9.-]*\) ms after detection).*/\1/p')
        checks=$((checks + 5))
        [ -n "$line" ] || fail "($fault) no recovery reported: $(grep -A3 '^adapt' "$tmp/$fault.out")"
        # the survivors end through MPI_Finalize without its fence (the launcher's async_mpi_finalize):
        # no rank leaves without it, which mpirun would report as PMIX ERROR lines
        ! grep -q 'PMIX ERROR' "$tmp/$fault.err" || fail "($fault) $(grep -m1 'PMIX ERROR' "$tmp/$fault.err")"
        # the stalled rank never wakes: once the source is over, halo's launcher stops mpirun
        if [ "$fault" = stall ]; then
            checks=$((checks + 1))
            grep -q 'the source ended [0-9]* s ago and mpirun has not: .*stopping mpirun' "$tmp/$fault.err" ||
                fail "(stall) the launcher did not stop the mpirun the stalled rank holds: $(tail -n 2 "$tmp/$fault.err")"
        fi
        [ "$(col "$tmp/$fault.csv" frame | wc -l)" -eq 60 ] || fail "($fault) not 60 frames in the CSV"
        [ -n "$fresh" ] && [ -n "$restart" ] || { fail "($fault) no re-plan over the survivors: $line"; continue; }
        med=$(col "$tmp/$fault.csv" latency_ms | awk -v r="$restart" 'NR > r + 1 { print }' | sort -g |
              awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        awk -v m="$med" -v p="$fresh" 'BEGIN { d = m - p; if (d < 0) d = -d; exit !(d <= 0.1 * p) }' ||
            fail "($fault) median latency after the recovery $med ms, the fresh plan over the survivors $fresh ms"
        echo "($fault) 60 of 60 verified; es2 named $det ms after the last result (wall), frames $restart.. again," \
            "first result $rec ms after detection; median latency after $med ms, fresh plan over 3 survivors $fresh ms"
    fi
done

# ---- (f) bad flags --------------------------------------------------------------------------------
expect 2 "--adapt: 'maybe': expected on or off" run "$tmp/p.json" --frames 5 --adapt maybe
expect 2 "--adapt on needs --cluster F" run "$tmp/p.json" --frames 5 --adapt on
expect 2 "--adapt-gain needs --adapt on" run "$tmp/p.json" --frames 5 --adapt-gain 0.2
expect 2 "--adapt on needs --frames N" run "$tmp/p.json" --adapt on --cluster "$tmp/c4.json"
expect 2 "--link-trace needs --frames N" run "$tmp/p.json" --link-trace "$tmp/trace.csv"
expect 2 "--adapt-hold" run "$tmp/p.json" --frames 5 --adapt on --cluster "$tmp/c4.json" --adapt-hold 0
finish test_adapt_run
