# Links that change during a stream, on real links: latency per frame over time, static vs
# adaptive, with the links' rates underneath. The namespace testbed (tools/netns_cluster.sh: a
# network namespace per device, veths on a bridge, tc tbf at 100 Mbit/s on every uplink and
# downlink, TCP between the ranks; the cluster gives the tbf line rates as "nominal", halo takes
# 1448/1514 of them as goodput), resnet18 at 128x128 on the source and 4 identical ESs priced by a
# profile of this host measured by the spec at one thread (`halo profile --backend cpu --threads 1
# --models resnet18 --input 128x128`, as the runs compute), so that the first plan matches the
# host; DPFP's plan (on this host's profile: the whole network on es1, ~12 ms predicted), with
# the ESs it left out added to its devices without work (experiments/tools/adapt_testbed.py
# widen), so that every ES has a rank and a re-plan can move work to one; `halo run --clock wall
# --link real --threads 1`, 80 frames at 8 frames/s, deadline 1.5 x the first plan's predicted
# latency (an application's budget: its plan with half again as headroom), --verify. The trace cuts
# es1's and es2's links (the plan's ES and the next in line) to a quarter (25 Mbit/s) from 2 s to
# 7 s of the stream: `netns_cluster.sh run --link-trace` changes their tbf rates while the stream runs (from
# the stream's start; each change lags its row by the time tc takes, tens of ms). Static:
# --adapt off (DPFP's plan throughout); adaptive: --adapt on with halo's default controller (EWMA of
# each step's compute time and of each message's rate relative to the link model: the frame's
# messages replayed through the plan's link model at their post times, the rate the prediction
# used times predicted over measured time, so that a link at its planned rate reads as that rate
# whatever its sharing; a message the receiver saw more than 10 % of its interval after its last
# poll is skipped, since it was computing; the first frame of a re-planned epoch is not taken as
# speed, since it pays the backend's first use of new tiles; gain >= 10 % held 3 checks, 2 s
# apart; urgent at 1.5x worse). The two alternate, AT_REPS pairs (default 3; --quick 1). The host is shared: a frozen
# rank shows as a slow link to the estimator and as a latency spike in both modes, so the pairs
# are the figure, not one run. Each run's adapt lines (re-plans, their times and triggers, links
# observed and skipped) are in the spec's notes.
# kind = measured (wall clock, real links).
# Without root, network namespaces or tc tbf: no rows, a note says why.
# env: AT_REPS, AT_FRAMES, AT_FPS, AT_DEADLINE_MS.
SPEC_TITLE="Latency per frame under a link trace on real tbf links (namespace testbed), static vs adaptive"

at_testbed()
{
    at_why=
    [ "$(id -u)" = 0 ] || { at_why="not root"; return 1; }
    command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || { at_why="no ip/tc (iproute2)"; return 1; }
    command -v mpirun >/dev/null 2>&1 || { at_why="no mpirun"; return 1; }
    ip netns add "atprobe$$" 2>/dev/null || { at_why="no network namespaces"; return 1; }
    ip netns exec "atprobe$$" tc qdisc add dev lo root tbf rate 1mbit burst 4kb latency 10ms 2>/dev/null ||
        { ip netns del "atprobe$$"; at_why="no tc tbf"; return 1; }
    ip netns del "atprobe$$"
}

# at_run LINKS: the pairs on real links (the testbed; figure adapt_testbed) or on emulated ones
# (halo run --clock virtual with the same trace; figure adapt_emulated, experiments/specs/adapt_emulated.sh)
at_run()
{
    local links name clock where csv d reps frames fps dl rep mode extra out prof
    links=$1
    name=adapt_testbed clock=wall where="4 namespace ESs"
    [ "$links" = emulated ] && name=adapt_emulated clock=virtual where="4 ESs over emulated links (virtual clock)"
    csv="$results/$name.csv"
    d="$work/$name"
    mkdir -p "$d"
    reps=${AT_REPS:-3}
    [ "$quick" = 1 ] && reps=${AT_REPS:-1}
    frames=${AT_FRAMES:-80} fps=${AT_FPS:-8}
    exp_csv_begin "$csv" "mode,rep,frame,time_s,latency_ms,deadline_ms,replan,es1_mbps,es2_mbps,es3_mbps,es4_mbps"
    if [ "$links" = real ]; then
        at_testbed || { exp_note "NOT MEASURED: the testbed needs root, network namespaces and tc tbf ($at_why)"; return 0; }
    else
        command -v mpirun >/dev/null 2>&1 || { exp_note "NOT MEASURED: no mpirun"; return 0; }
    fi
    prof="$d/host-1t.json"
    exp_note "profile: halo profile --backend cpu --threads 1 --models resnet18 --input 128x128"
    "$halo" profile --backend cpu --threads 1 --models resnet18 --input 128x128 --repeat 5 --warmup 2 \
        --tile-heights 1,0.5,0.25 --no-ceilings --name host-1t -o "$prof" >"$d/profile.log" 2>&1 ||
        { tail -n 5 "$d/profile.log" >&2; return 1; }
    # the testbed's devices are its namespaces' hosts; emulated ones all run here
    at_host() { [ "$links" = real ] && printf '"host": "%s", ' "$1"; }
    cat >"$d/c4.json" <<JSON
{"schema": "halo-cluster/1", "name": "${links}4", "source": "cam", "rates": "nominal",
 "devices": [
  {"name": "cam", $(at_host cam)"uplink_mbps": 100, "downlink_mbps": 100},
  {"name": "es1", $(at_host es1)"profile": "$prof", "uplink_mbps": 100, "downlink_mbps": 100},
  {"name": "es2", $(at_host es2)"profile": "$prof", "uplink_mbps": 100, "downlink_mbps": 100},
  {"name": "es3", $(at_host es3)"profile": "$prof", "uplink_mbps": 100, "downlink_mbps": 100},
  {"name": "es4", $(at_host es4)"profile": "$prof", "uplink_mbps": 100, "downlink_mbps": 100}]}
JSON
    cat >"$d/quarter-two.csv" <<'CSV'
time_s,device,up_mbps,down_mbps
# es1 and es2 at a quarter of their rates from 2 s to 7 s of the stream, then back
2,es1,25,25
2,es2,25,25
7,es1,100,100
7,es2,100,100
CSV
    "$halo" plan resnet18 --cluster "$d/c4.json" --input 128x128 --method dpfp -o "$d/plan-dpfp.json" >/dev/null
    python3 "$root/experiments/tools/adapt_testbed.py" widen "$d/plan-dpfp.json" "$d/c4.json" "$d/plan.json"
    dl=${AT_DEADLINE_MS:-$(python3 -c 'import json, math, sys; print(math.ceil(1.5 * json.load(open(sys.argv[1]))["predicted"]["total_ms"]))' "$d/plan.json")}
    exp_note "resnet18 128x128 on $where, $frames frames at $fps fps, deadline $dl ms (1.5 x the plan's predicted latency unless AT_DEADLINE_MS), es1 and es2 at 25 Mbit/s from 2 s to 7 s; $reps pair(s)"
    for rep in $(seq 1 "$reps"); do
        for mode in static adaptive; do
            extra=
            [ "$mode" = adaptive ] && extra="--adapt on --cluster $d/c4.json"
            out="$d/$mode-$rep"
            if [ "$links" = real ]; then
                "$root/tools/netns_cluster.sh" run "$d/c4.json" --prefix "halo-at$$" --halo "$halo" \
                    --link-trace "$d/quarter-two.csv" -- "$d/plan.json" --backend cpu --threads 1 --clock wall --link real \
                    --frames "$frames" --fps "$fps" --deadline-ms "$dl" --timeout-ms 60000 --verify --csv "$out.csv" \
                    $extra >"$out.out" 2>"$out.err" || { tail -n 5 "$out.err" >&2; return 1; }
            else
                "$halo" run "$d/plan.json" --backend cpu --threads 1 --clock virtual --link-trace "$d/quarter-two.csv" \
                    --frames "$frames" --fps "$fps" --deadline-ms "$dl" --verify --csv "$out.csv" \
                    $extra >"$out.out" 2>"$out.err" || { tail -n 5 "$out.err" >&2; return 1; }
            fi
            grep -q "verify: $frames of $frames frames match" "$out.out" ||
                { echo "$name: $mode $rep: not every frame verified" >&2; return 1; }
            python3 "$root/experiments/tools/adapt_testbed.py" rows "$out.csv" "$mode" "$rep" "$dl" "$d/quarter-two.csv" \
                >"$out.rows"
            while IFS= read -r row; do
                exp_row "$csv" "$row" measured "$clock" cpu
            done <"$out.rows"
            exp_note "$mode $rep: $(python3 "$root/experiments/tools/adapt_testbed.py" summary "$out.csv" "$dl" "$out.out")"
            # the adapt line and the lines under it (links observed, re-plans)
            [ "$mode" = adaptive ] && awk '/^adapt / { on = 1; print; next } on && /^          / { print; next } { on = 0 }' \
                "$out.out" | while IFS= read -r l; do exp_note "  $l"; done
        done
    done
    exp_plot "$name"
}

spec_run()
{
    at_run real
}
