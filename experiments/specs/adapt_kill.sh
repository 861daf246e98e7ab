# A dead ES during a stream that adapts: per-frame latency, the detection and recovery times, the
# throughput before and after. resnet18 at 64x64 on 4 identical ESs (inline capacities of 2 GFLOP/s,
# 200 Mbit/s links, 0.1 ms), DPFP over all four, `halo run --adapt on` on the virtual clock with
# emulated links, 60 frames at 10 frames/s, --verify; es2 is killed at frame 20 (--inject
# kill:2@0/20). The runtime is measured for real (ranks, messages, recovery, every frame verified);
# its compute times are the plan's (HALO_TEST_VCLOCK_PLAN_MS: deterministic figures on a shared
# host). Detection (no result in) and recovery (detection to the first restarted frame's result)
# are wall-clock ms; the virtual clock's replay runs the restarted frames on the survivors' plan from
# their arrival. kind = measured (virtual clock). --quick: the same (about 20 s).
SPEC_TITLE="A dead ES mid-stream: per-frame latency, detection and recovery (halo run --adapt on, virtual clock)"

spec_run()
{
    local csv raw out det rec restart
    csv="$results/adapt_kill.csv"
    raw="$work/adapt_kill.raw.csv"
    out="$work/adapt_kill.out"
    exp_csv_begin "$csv" "frame,arrival_ms,done_ms,latency_ms,epoch,kill_frame,restart_frame,detect_ms,recover_ms"
    cat >"$work/adapt4.json" <<'JSON'
{"schema": "halo-cluster/1", "name": "adapt4", "source": "cam",
 "devices": [
  {"name": "cam", "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es1", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es2", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es3", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1},
  {"name": "es4", "capacity": {"gflops": 2}, "uplink_mbps": 200, "downlink_mbps": 200, "latency_ms": 0.1}]}
JSON
    "$halo" plan resnet18 --cluster "$work/adapt4.json" --input 64x64 --method dpfp --no-select -o "$work/adapt4-plan.json" \
        >/dev/null
    exp_note "resnet18 64x64 on 4 ESs, 60 frames at 10 fps, es2 killed at frame 20"
    HALO_TEST_VCLOCK_PLAN_MS=1 "$halo" run "$work/adapt4-plan.json" --frames 60 --fps 10 --threads 1 --verify \
        --adapt on --cluster "$work/adapt4.json" --inject kill:2@0/20 --csv "$raw" >"$out" 2>"$work/adapt_kill.err"
    grep -q "verify: 60 of 60 frames match" "$out" || { echo "adapt_kill: not every frame verified" >&2; return 1; }
    det=$(sed -n 's/^recovery .*named at [0-9.]* ms, \([0-9.]*\) ms after the last result.*/\1/p' "$out")
    rec=$(sed -n 's/^recovery .*(recovery \([0-9.-]*\) ms after detection).*/\1/p' "$out")
    restart=$(sed -n 's/^recovery .*frames \([0-9]*\)\.\. ran again.*/\1/p' "$out")
    awk -F, -v d="${det:-0}" -v r="${rec:-0}" -v s="${restart:-20}" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["frame"] != "all" { printf "%s,%s,%s,%s,%s,20,%s,%s,%s\n", $c["frame"], $c["arrival_ms"], $c["done_ms"],
                               $c["latency_ms"], $c["variant"], s, d, r }' "$raw" >"$raw.rows"
    while IFS= read -r row; do
        exp_row "$csv" "$row" measured virtual cpu
    done <"$raw.rows"
    exp_plot adapt_kill
}
