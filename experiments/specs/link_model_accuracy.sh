# Link models against real shaped links: every method's plan runs with `halo run --clock wall
# --link real` across hosts made of network namespaces on this machine (tools/netns_cluster.sh: a
# veth per host on a bridge, tc tbf on each host's uplink and downlink at the cluster's rate, TCP
# between the ranks, one rank per host, every message sent eagerly as halo's launcher sets Open MPI
# up to), and its measured latency stands beside what each link model of halo's table says: fifo
# (one message at a time per uplink and downlink), fair (concurrent transfers share a link max-min
# fairly, as TCP flows do) and tcp (one in-order stream per pair, the pairs' streams fair-shared).
# Three figures per model: the plan's prediction (the model with the profile's compute_ms: what
# the planner relies on), the same over the transfer-bound plans only (the plan's compute summed
# over its devices under half its predicted latency: what the link model decides), and the replay
# (the model with the compute durations and message sizes measured in that inference: the links'
# own share of the error, free of compute that the shared host ran slower than its profile said —
# 2 cores for up to 4 ranks, and a computing rank slows when the other core is busy).
# Transfer-bound plans: resnet18 and resnet50 at 128x128, one compute thread per rank
# (--threads 1, so that ranks do not fight over the cores), every method of halo's registry
# (`halo methods`; all ESs offered, --no-select), the ESs priced by a profile of this host measured
# at 1 thread and 128x128 (halo profile --threads 1). Rates: the cluster file gives each access
# link's tbf line rate as "nominal"; halo takes 1448/1514 of it as goodput (TCP over Ethernet).
# Swept (default): 2, 3 and 4 hosts (the source + 1..3 ESs) x 20, 50 and 200 Mbit/s x both models,
# 1 warm-up + 5 timed inferences per plan, one halo run per configuration (every link model's
# prediction and replay come from each inference's report). --quick: resnet18, 3 hosts, 50 Mbit/s,
# 1 timed inference. The testbed needs root, network namespaces and tc tbf; without them the rows
# are the plans' predictions only (kind predicted, measured columns empty) and a note says so.
# env: LM_MODELS, LM_HOSTS, LM_BANDWIDTHS (Mbit/s), LM_INPUT, LM_REPEAT, LM_METHODS.
SPEC_TITLE="link models (fifo, fair share, tcp) vs real TCP over tbf-shaped links between namespace hosts (halo run, wall clock)"

# lm_cluster FILE HOSTS MBPS PROFILE  writes a cluster: the source and HOSTS-1 ESs, one host each
lm_cluster()
{
    python3 - "$@" <<'PY'
import json, sys
f, hosts, mbps, profile = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
devs = [{"name": "cam", "host": "cam", "uplink_mbps": mbps, "downlink_mbps": mbps, "latency_ms": 0}]
for i in range(1, hosts):
    devs.append({"name": f"es{i}", "host": f"es{i}", "profile": profile, "uplink_mbps": mbps,
                 "downlink_mbps": mbps, "latency_ms": 0})
json.dump({"schema": "halo-cluster/1", "name": f"netns-{hosts}-{mbps:g}mbit", "source": "cam", "rates": "nominal",
           "note": "tbf line rates on veths between network namespaces (tools/netns_cluster.sh)",
           "devices": devs}, open(f, "w"), indent=1)
PY
}

# lm_testbed  whether this machine can make the testbed (root, namespaces, tbf); sets lm_why
lm_testbed()
{
    lm_why=
    [ "$(id -u)" = 0 ] || { lm_why="not root"; return 1; }
    command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || { lm_why="no ip/tc (iproute2)"; return 1; }
    command -v mpirun >/dev/null 2>&1 || { lm_why="no mpirun"; return 1; }
    ip netns add "lmprobe$$" 2>/dev/null || { lm_why="no network namespaces"; return 1; }
    ip netns exec "lmprobe$$" tc qdisc add dev lo root tbf rate 1mbit burst 4kb latency 10ms 2>/dev/null ||
        { ip netns del "lmprobe$$"; lm_why="no tc tbf"; return 1; }
    ip netns del "lmprobe$$"
}

spec_run()
{
    lm_csv="$results/link_model_accuracy.csv"
    lm_tool="$root/experiments/tools/link_model.py"
    lm_models=${LM_MODELS:-resnet18 resnet50} lm_hosts=${LM_HOSTS:-2 3 4} lm_bws=${LM_BANDWIDTHS:-20 50 200}
    lm_repeat=${LM_REPEAT:-5} lm_input=${LM_INPUT:-128x128}
    if [ "$quick" = 1 ]; then
        lm_models=${LM_MODELS:-resnet18} lm_hosts=${LM_HOSTS:-3} lm_bws=${LM_BANDWIDTHS:-50} lm_repeat=${LM_REPEAT:-1}
    fi
    lm_d="$work/lm"
    mkdir -p "$lm_d"
    lm_prefix="halo-lm$$"
    exp_csv_begin "$lm_csv" "$(python3 "$lm_tool" header)"
    # the ESs' compute as this host does it with one thread, at the input the plans run
    lm_profile="$lm_d/host-1t.json"
    exp_note "profile: halo profile --backend cpu --threads 1 --models $(echo $lm_models | tr ' ' ,) --input $lm_input"
    "$halo" profile --backend cpu --threads 1 --models "$(echo $lm_models | tr ' ' ,)" --input "$lm_input" --repeat 5 \
        --warmup 2 --tile-heights 1,0.5,0.25 --no-ceilings --name host-1t -o "$lm_profile" >"$lm_d/profile.log" 2>&1 ||
        { tail -n 5 "$lm_d/profile.log" >&2; return 1; }
    lm_run=1
    lm_testbed || { lm_run=0; exp_note "NOT MEASURED: the testbed needs root, network namespaces and tc tbf ($lm_why): rows are the plans' predictions only"; }
    for lm_model in $lm_models; do
        for lm_h in $lm_hosts; do
            for lm_bw in $lm_bws; do
                lm_c="$lm_d/c-$lm_h-$lm_bw.json"
                lm_cluster "$lm_c" "$lm_h" "$lm_bw" "$lm_profile"
                lm_plans=""
                for lm_m in ${LM_METHODS:-$exp_methods}; do
                    lm_p="$lm_d/$lm_model-$lm_h-$lm_bw-$lm_m.json"
                    if "$halo" plan "$lm_model" --cluster "$lm_c" --input "$lm_input" --method "$lm_m" --no-select \
                        --deviation 1 -o "$lm_p" >"$lm_d/plan.log" 2>&1; then
                        lm_plans="$lm_plans $lm_p"
                    else
                        exp_note "$lm_model, $lm_h hosts, $lm_bw Mbit/s: $lm_m: no plan ($(tail -n 1 "$lm_d/plan.log"))"
                    fi
                done
                lm_load=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo unknown)
                if [ "$lm_run" = 0 ]; then
                    for lm_p in $lm_plans; do
                        python3 - "$lm_p" "$lm_model" "$lm_input" "$lm_h" "$lm_bw" "$lm_load" >>"$lm_d/pred.csv" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
m, size, h, bw, load = sys.argv[2:]
# the plan's own link model (fifo, the default); the measured columns stay empty
print(",".join(str(v) for v in (m, size, h, int(h) - 1, bw, "nominal", p["method"], "yes" if p["lossless"] else "no",
      "", p.get("link_model", "fifo"), 0, "", "", "", f"{p['predicted']['total_ms']:.3f}", "", "", "", "", "", "",
      p["predicted"]["bytes_moved"], load)))
PY
                    done
                    continue
                fi
                exp_note "$lm_model, $lm_h hosts, $lm_bw Mbit/s: $(echo $lm_plans | wc -w) plans x (1 + $lm_repeat) inferences on the testbed (load $lm_load)"
                "$root/tools/netns_cluster.sh" run "$lm_c" --prefix "$lm_prefix" --halo "$halo" -- $lm_plans \
                    --backend cpu --threads 1 --clock wall --link real --warmup 1 --repeat "$lm_repeat" \
                    --timeout-ms 60000 --format json >"$lm_d/run.json" 2>"$lm_d/run.log" ||
                    { tail -n 20 "$lm_d/run.log" >&2; return 1; }
                python3 "$lm_tool" rows "$lm_d/run.json" "$lm_model" "$lm_input" "$lm_h" "$lm_bw" nominal "$lm_load" \
                    >"$lm_d/rows.csv" || return 1
                while IFS= read -r lm_line; do exp_row "$lm_csv" "$lm_line" measured wall cpu; done <"$lm_d/rows.csv"
            done
        done
    done
    if [ "$lm_run" = 0 ]; then
        while IFS= read -r lm_line; do exp_row "$lm_csv" "$lm_line" predicted none none; done <"$lm_d/pred.csv"
    fi
    python3 "$lm_tool" summary "$lm_csv" | sed 's/^/  link_model_accuracy: /' >&2
    exp_plot link_model_accuracy
}
