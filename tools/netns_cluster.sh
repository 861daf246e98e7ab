#!/bin/sh
# netns_cluster.sh: a cluster file as hosts on this machine — one network namespace per host, each
# with a veth on a bridge in a hub namespace, its uplink shaped on the host side and its downlink on
# the hub side (tc tbf at the device's rates) — and halo run across them: mpirun in the source's
# namespace, an rsh agent that enters a host's namespace with its own hostname (unshare --uts)
# and, where time namespaces work, its own monotonic clock (unshare --time), TCP between the ranks.
#
# usage: netns_cluster.sh up   CLUSTER.json [options]
#        netns_cluster.sh run  CLUSTER.json [options] -- PLAN.json [halo run flags]
#        netns_cluster.sh exec CLUSTER.json [options] -- COMMAND [ARGS]
#        netns_cluster.sh down CLUSTER.json [options]
#   up     makes the namespaces (a device's host is its "host" field, else its name); idempotent
#   run    up (unless up already), halo run PLAN... with a hostfile in the plans' device order, then
#          (on stderr) the bytes on every host's veth during the run beside halo's "bytes moved",
#          then down (unless it was up already); exits with halo run's status
#   exec   COMMAND in the source's namespace with the testbed's Open MPI environment (the agent,
#          TCP, the subnet, OMP_WAIT_POLICY=passive) and $NETNS_HOSTFILE (every host once, the
#          source first; after a run, that run's): to run your own mpirun
#   down   removes what up made; idempotent
# options:
#   --prefix P            namespace names P-HOST and P-hub (default halo-tb)
#   --subnet A.B.C        the hosts' /24 (default 10.77.0; refused when this machine uses it)
#   --clock-offsets H=S,...  up, run, exec: host H's monotonic clock runs S seconds off in the
#                         launches that follow (time namespaces; also $HALO_NETNS_CLOCK_OFFSETS)
#   --btl LIST            Open MPI's btl for the ranks (default tcp,self; "default": Open MPI's own)
#   --burst B             tbf burst (default 4kb: accurate to about 200 Mbit/s)
#   --halo PATH           the halo binary (default: build/halo of this checkout, else halo on PATH)
#   --keep                run: leave the testbed up
#   --link-trace CSV      run: while halo run goes, the hosts' tbf rates follow CSV (halo's trace
#                         format: time_s,device,up_mbps,down_mbps; '#' lines are comments; a row
#                         sets its device's host's uplink and downlink from time_s on, in the
#                         cluster's Mbit/s as up applies them). Times count from the stream's
#                         start: halo run's "warm-up" line, printed as the stream begins (its first
#                         "plan" line with --warmup 0; the launch where neither comes within 60 s,
#                         e.g. --format json). Each change is printed on stderr; the cluster's rates
#                         come back when the run ends, fails or is interrupted
# Needs root, ip (iproute2) with network namespaces, tc with tbf, unshare (util-linux), mpirun and
# python3; without them it exits 77 with the reason. Everything it makes is named after the prefix
# and removed on down, on failure and when interrupted. The cluster's latency_ms cannot be added
# (no netem here): it is reported, not emulated.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
skip() { echo "SKIP: $*" >&2; exit 77; }
die() { echo "netns_cluster.sh: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: netns_cluster.sh up|run|exec|down CLUSTER.json [options] [-- ...]"
verb=$1 cluster=$2
shift 2
case $verb in up | run | exec | down) ;; *) die "'$verb': expected up, run, exec or down" ;; esac
prefix=halo-tb subnet=10.77.0 offsets=${HALO_NETNS_CLOCK_OFFSETS:-} btl=tcp,self burst=4kb keep=0 trace=
halo=
if [ -x "$root/build/halo" ]; then halo=$root/build/halo; fi
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --subnet) subnet=$2; shift 2 ;;
    --clock-offsets) offsets=$2; shift 2 ;;
    --btl) btl=$2; shift 2 ;;
    --burst) burst=$2; shift 2 ;;
    --halo) halo=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --link-trace) trace=$2; shift 2 ;;
    --) shift; break ;;
    *) die "'$1': unknown option" ;;
    esac
done
printf '%s' "$prefix" | grep -qE '^[a-z0-9][a-z0-9-]{0,15}$' || die "--prefix: '$prefix': 1 to 16 of a-z, 0-9, -"
printf '%s' "$subnet" | grep -qE '^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$' || die "--subnet: '$subnet': expected A.B.C"
[ -r "$cluster" ] || die "$cluster: cannot read"
[ -z "$trace" ] || [ "$verb" = run ] || die "--link-trace: only with run"
[ -z "$trace" ] || [ -r "$trace" ] || die "--link-trace: $trace: cannot read"
state=/run/halo-netns/$prefix

# ---- what the machine must have ----------------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "network namespaces and tc need root"
command -v ip >/dev/null 2>&1 || skip "no ip (Debian: iproute2)"
command -v tc >/dev/null 2>&1 || skip "no tc (Debian: iproute2)"
command -v unshare >/dev/null 2>&1 || skip "no unshare (Debian: util-linux)"
command -v python3 >/dev/null 2>&1 || skip "no python3"
if [ "$verb" != down ]; then
    command -v mpirun >/dev/null 2>&1 || skip "no mpirun (Debian: openmpi-bin)"
    # network namespaces (a kernel without them, or a container that may not make them)
    if ! ip netns list >/dev/null 2>&1 || { ! ip netns list | awk '{print $1}' | grep -qx "$prefix-hub" &&
        ! { ip netns add "$prefix-probe" 2>/dev/null && ip netns del "$prefix-probe"; }; }; then
        skip "cannot make network namespaces here (ip netns add)"
    fi
fi

# hosts of the cluster: "INDEX HOST UP_MBPS DOWN_MBPS LATENCY_MS SOURCE(0|1)" per host, the source
# first, in the devices' order; a host named by several devices takes the first one's rates
hosts_table() {
    python3 - "$cluster" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))
seen, rows = {}, []
devs = c["devices"]
order = [d for d in devs if d["name"] == c["source"]] + [d for d in devs if d["name"] != c["source"]]
for d in order:
    h = d.get("host", d["name"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,30}", h):
        sys.exit("%s: device %s: host '%s' cannot be a namespace's hostname here (letters, digits, '-')" % (sys.argv[1], d["name"], h))
    if h in seen:
        continue
    seen[h] = len(rows)
    rows.append("%d %s %s %s %s %d" % (len(rows), h, d["uplink_mbps"], d["downlink_mbps"], d.get("latency_ms", 0), d["name"] == c["source"]))
print("\n".join(rows))
PY
}
table=$(hosts_table) || die "$cluster: cannot read its devices"
n_hosts=$(printf '%s\n' "$table" | wc -l)
[ "$n_hosts" -le 250 ] || die "$cluster: $n_hosts hosts, a /24 holds 250"
src_host=$(printf '%s\n' "$table" | awk '$6 == 1 {print $2}')
hub=$prefix-hub

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

# ---- down ----------------------------------------------------------------------------------------
down() {
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$prefix-" || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$state"
}

if [ "$verb" = down ]; then
    down
    exit 0
fi

# ---- up ------------------------------------------------------------------------------------------
time_ns_ok() { unshare --time --monotonic 1 true >/dev/null 2>&1; }

offset_of() { # the offset of host $1 in seconds (0 when none)
    printf '%s' "$offsets" | tr ',' '\n' | awk -F= -v h="$1" '$1 == h {print $2; found = 1} END {if (!found) print 0}'
}

up() {
    if ip -4 addr show 2>/dev/null | grep -q "inet $subnet\." || ip -4 route show 2>/dev/null | grep -q "^$subnet\."; then
        die "--subnet $subnet: this machine uses it already; pick another (--subnet A.B.C)"
    fi
    mkdir -p "$state"
    ip netns add "$hub"
    ip -n "$hub" link set lo up
    ip -n "$hub" link add br0 type bridge
    ip -n "$hub" link set br0 up
    while read -r i host upm downm lat src; do
        ns=$prefix-$host
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip -n "$hub" link add "p$i" type veth peer name halo0 netns "$ns"
        ip -n "$hub" link set "p$i" master br0
        ip -n "$hub" link set "p$i" up
        ip -n "$ns" addr add "$subnet.$((i + 1))/24" dev halo0
        ip -n "$ns" link set halo0 up
        # tc takes whole kbit/s: Mbit/s x 1000, rounded
        up_k=$(awk -v m="$upm" 'BEGIN {printf "%d", m * 1000 + 0.5}')
        down_k=$(awk -v m="$downm" 'BEGIN {printf "%d", m * 1000 + 0.5}')
        ip netns exec "$ns" tc qdisc replace dev halo0 root tbf rate "${up_k}kbit" burst "$burst" latency 200ms ||
            skip "tc tbf is not available here"
        ip netns exec "$hub" tc qdisc replace dev "p$i" root tbf rate "${down_k}kbit" burst "$burst" latency 200ms
        echo "$host" >>"$state/hosts.all"
        awk -v u="$upm" -v d="$downm" 'BEGIN {exit !(u > 200 || d > 200)}' &&
            echo "netns_cluster.sh: $host: tbf is accurate to about 200 Mbit/s; its $upm/$downm Mbit/s may run fast" >&2
        awk -v l="$lat" 'BEGIN {exit !(l > 0)}' &&
            echo "netns_cluster.sh: $host: latency_ms $lat is not emulated (no netem here)" >&2
        true
    done <<EOF
$table
EOF
    # the agent Open MPI starts its daemons with: HOST's namespace, its hostname, its clock offset
    # (from $state/offsets, which every run and exec writes)
    cat >"$state/agent" <<EOF
#!/bin/sh
# rsh agent of the testbed $prefix: "agent HOST COMMAND..." runs COMMAND in HOST's namespace under
# HOST's hostname (and monotonic clock offset, when given)
while [ \$# -gt 0 ] && [ "\${1#-}" != "\$1" ]; do shift; done
host=\$1
shift
# with offsets, every host gets a time namespace of its own (0 where none is given): it would
# otherwise inherit the one of the process that launches it
off=\$(awk -v h="\$host" '\$1 == h {print \$2; f = 1} END {if (!f && NR) print 0}' "$state/offsets")
if [ -n "\$off" ]; then
    exec ip netns exec "$prefix-\$host" unshare --uts --time --monotonic "\$off" sh -c 'hostname "\$0"; exec sh -c "\$1"' "\$host" "\$*"
fi
exec ip netns exec "$prefix-\$host" unshare --uts sh -c 'hostname "\$0"; exec sh -c "\$1"' "\$host" "\$*"
EOF
    chmod +x "$state/agent"
    echo "$src_host" >"$state/source"
    # for exec: every host once, the source first (run writes the plans' order)
    cp "$state/hosts.all" "$state/hostfile"
}

# every up, run and exec: the hosts' clock offsets for the launches that follow
set_offsets() {
    : >"$state/offsets.new"
    if [ -n "$offsets" ] && ! time_ns_ok; then
        echo "netns_cluster.sh: time namespaces are not available (Linux 5.6 and later): clocks not offset" >&2
        offsets=
    fi
    for host in $(cat "$state/hosts.all"); do
        off=$(offset_of "$host")
        printf '%s\n' "$off" | grep -qE '^-?[0-9]+$' || die "--clock-offsets: $host: '$off': whole seconds expected"
        [ "$off" != 0 ] && echo "$host $off" >>"$state/offsets.new"
    done
    for h in $(printf '%s' "$offsets" | tr ',' '\n' | cut -d= -f1); do
        grep -qx "$h" "$state/hosts.all" || die "--clock-offsets: '$h': not a host of $cluster"
    done
    mv "$state/offsets.new" "$state/offsets"
}

made=0
if ! ns_exists "$hub"; then
    trap 'down' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    made=1
    up
fi
[ -r "$state/hosts.all" ] || die "namespace $hub exists but $state does not: another testbed of prefix $prefix? (down it first)"
set_offsets

# ---- inside the source's namespace ---------------------------------------------------------------
in_source() { # COMMAND...: with the testbed's Open MPI environment, under the source's hostname
    off=$(awk -v h="$src_host" '$1 == h {print $2; f = 1} END {if (!f && NR) print 0}' "$state/offsets")
    # the hosts share this machine's cores: an idle OpenMP thread that spins takes one from a rank
    # of another host (unless the caller says otherwise)
    set -- env OMPI_MCA_plm_rsh_agent="$state/agent" OMPI_MCA_btl_tcp_if_include="$subnet.0/24" \
        OMPI_MCA_oob_tcp_if_include="$subnet.0/24" NETNS_HOSTFILE="$state/hostfile" \
        OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" "$@"
    [ "$btl" = default ] || set -- env OMPI_MCA_btl="$btl" "$@"
    [ "$(id -u)" = 0 ] && set -- env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$@"
    if [ -n "$off" ]; then
        ip netns exec "$prefix-$src_host" unshare --uts --time --monotonic "$off" sh -c 'hostname "$0"; shift; exec "$@"' "$src_host" - "$@"
    else
        ip netns exec "$prefix-$src_host" unshare --uts sh -c 'hostname "$0"; shift; exec "$@"' "$src_host" - "$@"
    fi
}

# "HOST TX RX" per host: bytes its veth sent (its uplink) and received (its downlink)
veth_bytes() {
    for host in $(cat "$state/hosts.all"); do
        printf '%s %s %s\n' "$host" "$(ip netns exec "$prefix-$host" cat /sys/class/net/halo0/statistics/tx_bytes)" \
            "$(ip netns exec "$prefix-$host" cat /sys/class/net/halo0/statistics/rx_bytes)"
    done
}

case $verb in
up)
    trap - EXIT
    echo "netns_cluster.sh: up: $n_hosts hosts in namespaces $prefix-*, subnet $subnet.0/24, hub $hub"
    echo "netns_cluster.sh: agent $state/agent; down with: $0 down $cluster --prefix $prefix"
    exit 0
    ;;
exec)
    [ $# -gt 0 ] || die "exec: a command after --"
    set +e
    in_source "$@"
    rc=$?
    [ "$made" = 1 ] && [ "$keep" = 0 ] || trap - EXIT
    exit "$rc"
    ;;
esac

# ---- links over time (run --link-trace) ---------------------------------------------------------
# the trace's rows, checked, as "TIME_S INDEX HOST UP_KBIT DOWN_KBIT UP_MBPS DOWN_MBPS" in time order
# (a device's row applies to its host: INDEX is the host's in the table, its veth p<INDEX> on the hub)
trace_rows() {
    python3 - "$cluster" "$trace" "$table" <<'PY'
import csv, json, sys
cpath, tpath, table = sys.argv[1:4]
c = json.load(open(cpath))
index = {}
for line in table.splitlines():
    i, h = line.split()[:2]
    index[h] = int(i)
host = {d["name"]: d.get("host", d["name"]) for d in c["devices"]}
rows, header = [], None
for n, f in enumerate(csv.reader(open(tpath)), 1):
    if not f or not "".join(f).strip() or f[0].lstrip().startswith("#"):
        continue
    f = [x.strip() for x in f]
    if header is None:
        if f != ["time_s", "device", "up_mbps", "down_mbps"]:
            sys.exit("%s: line %d: expected the header time_s,device,up_mbps,down_mbps" % (tpath, n))
        header = f
        continue
    if len(f) != 4:
        sys.exit("%s: line %d: 4 fields expected, %d found" % (tpath, n, len(f)))
    if f[1] not in host:
        sys.exit("%s: line %d: device '%s' is not in %s" % (tpath, n, f[1], cpath))
    try:
        t, up, down = float(f[0]), float(f[2]), float(f[3])
    except ValueError:
        sys.exit("%s: line %d: time_s, up_mbps and down_mbps must be numbers" % (tpath, n))
    if not (t >= 0 and up > 0 and down > 0):
        sys.exit("%s: line %d: time_s >= 0 and rates > 0 expected" % (tpath, n))
    h = host[f[1]]
    rows.append((t, n, index[h], h, int(up * 1000 + 0.5), int(down * 1000 + 0.5), f[2], f[3]))
if header is None:
    sys.exit("%s: no header (time_s,device,up_mbps,down_mbps)" % tpath)
for r in sorted(rows):
    print(r[0], *r[2:])
PY
}

# host INDEX (named HOST): its uplink (its veth, host side) and downlink (the veth's peer on the
# hub) to UP and DOWN kbit/s
tbf_set() {
    ip netns exec "$prefix-$2" tc qdisc change dev halo0 root tbf rate "${3}kbit" burst "$burst" latency 200ms &&
        ip netns exec "$hub" tc qdisc change dev "p$1" root tbf rate "${4}kbit" burst "$burst" latency 200ms
}

now_s() { date +%s.%N; }

# the loop that plays $state/trace: t = 0 when halo run's output shows line MARK (its launch
# where none comes within 60 s); each change on stderr as it is applied. It sleeps in short steps
# so that stopping it leaves no sleep behind for long.
trace_play() {
    mark=$1
    t_launch=$(now_s)
    t0=
    while [ -z "$t0" ]; do
        if grep -q "$mark" "$state/out" 2>/dev/null; then
            t0=$(now_s)
        elif awk -v a="$t_launch" -v b="$(now_s)" 'BEGIN {exit !(b - a > 60)}'; then
            t0=$t_launch
            echo "netns_cluster.sh: trace: no '$mark' line from halo run within 60 s: times count from its launch" >&2
        else
            sleep 0.02
        fi
    done
    while read -r t i host up_k down_k upm downm; do
        while :; do
            w=$(awk -v t0="$t0" -v t="$t" -v now="$(now_s)" 'BEGIN {w = t0 + t - now; printf "%.3f", (w > 0.2 ? 0.2 : w)}')
            case $w in -* | 0.000) break ;; esac
            sleep "$w"
        done
        if tbf_set "$i" "$host" "$up_k" "$down_k"; then
            awk -v t0="$t0" -v now="$(now_s)" -v t="$t" -v h="$host" -v u="$upm" -v d="$downm" 'BEGIN {
                printf "netns_cluster.sh: trace: t %.3f s (row %s s): %s up %s down %s Mbit/s\n", now - t0, t, h, u, d}' >&2
        else
            echo "netns_cluster.sh: trace: t $t s: $host: tc qdisc change failed" >&2
        fi
    done <"$state/trace"
}

# the loop stopped, every host's tbf back at the cluster's rates
trace_pid=
trace_stop() {
    [ -n "$trace_pid" ] || return 0
    kill "$trace_pid" 2>/dev/null || true
    wait "$trace_pid" 2>/dev/null || true
    trace_pid=
    ns_exists "$hub" || return 0
    while read -r i host upm downm lat src; do
        tbf_set "$i" "$host" "$(awk -v m="$upm" 'BEGIN {printf "%d", m * 1000 + 0.5}')" \
            "$(awk -v m="$downm" 'BEGIN {printf "%d", m * 1000 + 0.5}')" 2>/dev/null || true
    done <<EOF
$table
EOF
    echo "netns_cluster.sh: trace: stopped; every host's links back at the cluster's rates" >&2
}

# run: the hostfile in the plan's device order
[ $# -gt 0 ] || die "run: halo run's arguments after -- (PLAN.json first)"
[ -n "$halo" ] || halo=$(command -v halo || true)
[ -n "$halo" ] || die "no halo binary: build it (tools/build.sh) or pass --halo PATH"
# the plans: halo run's arguments up to its first flag; rank k's host is its device's in the first
# plan that has a rank k (halo run checks that the others agree)
plans=
for a in "$@"; do
    case $a in -*) break ;; *) plans="$plans $a" ;; esac
done
python3 - "$cluster" $plans >"$state/hostfile" <<'PY' || die "cannot map the plans' devices to the cluster's hosts"
import json, sys
c = json.load(open(sys.argv[1]))
host = {d["name"]: d.get("host", d["name"]) for d in c["devices"]}
ranks = []
for path in sys.argv[2:]:
    p = json.load(open(path))
    for k, d in enumerate(p["devices"]):
        if d["name"] not in host:
            sys.exit("%s: device %s is not in %s" % (path, d["name"], sys.argv[1]))
        if k == len(ranks):
            ranks.append(host[d["name"]])
print("\n".join(ranks))
PY
veth_bytes >"$state/before"
: >"$state/out"
if [ -n "$trace" ]; then
    trace_rows >"$state/trace" || die "--link-trace: $trace: not a trace of $cluster's devices"
    # the loop stops and the rates come back however the run ends (the testbed goes down after)
    if [ "$made" = 1 ] && [ "$keep" = 0 ]; then trap 'trace_stop; down' EXIT; else trap 'trace_stop' EXIT; fi
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # the stream begins as halo run prints its warm-up line (or, without warm-up, its plan line)
    mark='^warm-up   '
    prev=
    for a in "$@"; do
        { [ "$prev" = --warmup ] && [ "$a" = 0 ]; } || [ "$a" = --warmup=0 ] && mark='^plan '
        prev=$a
    done
    trace_play "$mark" &
    trace_pid=$!
fi
set +e
{
    in_source "$halo" run "$@" --hostfile "$state/hostfile"
    echo $? >"$state/rc"
} | tee "$state/out"
rc=$(cat "$state/rc" 2>/dev/null || echo 2)
trace_stop
set -e
veth_bytes >"$state/after"
# halo's bytes moved over every inference (from its table; other formats leave it 0): the timed
# ones print theirs, a warm-up moves as many as the plan's next timed inference
moved=$(awk '/^warm-up [0-9]+:/ {w++} /^inference [0-9]+ of [0-9]+:/ {
        for (i = 1; i <= NF; i++) if ($i == "moved") {t += $(i + 1) * (1 + w); w = 0}
    } END {printf "%.6f", t}' "$state/out")
# on the wire a TCP segment of 1448 payload bytes takes 1514 (TCP, IP and Ethernet headers)
awk -v m="$moved" 'NR == FNR {b[$1 " tx"] = $2; b[$1 " rx"] = $3; next} {
        up = ($2 - b[$1 " tx"]) / 1e6; down = ($3 - b[$1 " rx"]) / 1e6; tu += up; td += down
        line = line sprintf(" %s up %.6f down %.6f;", $1, up, down)
    } END {
        printf "veths    MB on each host'\''s veth during the run:%s\n", line
        printf "veths    uplinks %.6f MB in all (payload, TCP/IP/Ethernet headers, acknowledgements, MPI and Open MPI control); halo'\''s bytes moved %.6f MB over every inference, warm-ups included", tu, m
        if (m > 0) printf "; uplinks / moved = %.3f, / (moved x 1514/1448) = %.3f", tu / m, tu / (m * 1514 / 1448)
        printf "\n" }' "$state/before" "$state/after" >&2
[ "$keep" = 1 ] && trap - EXIT
exit "$rc"
