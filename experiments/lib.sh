# Shared by every experiment spec (experiments/specs/NAME.sh): where things go, the provenance
# columns every results CSV ends with, and the gnuplot driver. Sourced, never run.
#
# A spec is a shell fragment sourced by experiments/reproduce.sh with these set:
#   root     repository root          halo     the halo binary
#   results  folder of results/*.csv  plots_out folder of plots/out/*.{pdf,png,svg}
#   quick    1 under --quick (small sweeps, same figures), else 0
#   work     a scratch folder removed at exit
# It defines SPEC_TITLE (one line) and a function spec_run that writes "$results/$NAME.csv" and
# calls exp_plot NAME. Its header comment says what is swept, which methods, profiles and clusters.

# The provenance columns, appended to every row by exp_row. kind says how the numbers came about:
#   predicted  the planner's cost model (no execution)
#   simulated  Monte Carlo over the cost model (halo sim)
#   measured   real execution on this machine (halo run on the virtual clock, halo profile, halo plan --deviation)
EXP_PROV_COLS="kind,clock,backend,commit,host,date"

# exp_methods_init  takes the planning methods from halo's planners' registry (`halo methods`):
#   exp_methods          names in the registry's order, space-separated ("local dpfp modnn ...")
#   exp_methods_csv      the same, comma-separated (for --method)
#   exp_method_reference the best single device (local); exp_method_proposed the paper's method (dpfp)
#   exp_methods_gp       gnuplot assignments of methods, method_titles, method_proposed,
#                        method_reference (for exp_plot)
exp_methods_init()
{
    exp_methods=$(python3 "$root/experiments/tools/methods.py" "$halo" names) &&
        exp_methods_csv=$(python3 "$root/experiments/tools/methods.py" "$halo" csv) &&
        exp_method_reference=$(python3 "$root/experiments/tools/methods.py" "$halo" names reference) &&
        exp_method_proposed=$(python3 "$root/experiments/tools/methods.py" "$halo" names proposed) &&
        exp_methods_gp=$(python3 "$root/experiments/tools/methods.py" "$halo" gnuplot) ||
        { echo "exp_methods_init: cannot read the methods from '$halo methods --format json'" >&2; return 1; }
}

exp_prov_init()
{
    # the CPUs in words (experiments/tools/platforms.py): the reference profiles' and this host's
    exp_ref_label=$(python3 "$root/experiments/tools/platforms.py" label "$root/profiles/cpu-avx512-2t.json" --cpu 2>/dev/null ||
        echo "the reference CPU")
    exp_host_cpuinfo=$(python3 "$root/experiments/tools/platforms.py" host 2>/dev/null || echo "this host")
    exp_commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git -C "$root" status --porcelain -- harness experiments plots 2>/dev/null)" ]; then
        exp_commit="$exp_commit-dirty"
    fi
    exp_host=$(hostname 2>/dev/null | tr ',' ' ' || echo unknown)
    exp_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
}

# exp_csv_begin FILE "col1,col2,..."  writes the header: the spec's columns, then provenance.
exp_csv_begin()
{
    printf '%s,%s\n' "$2" "$EXP_PROV_COLS" >"$1"
}

# exp_row FILE "v1,v2,..." KIND CLOCK BACKEND  appends one row with its provenance.
#   KIND: predicted|simulated|measured; CLOCK: none|virtual|wall|monotonic; BACKEND: cpu|ref|cuda|none
exp_row()
{
    case "$3" in predicted|simulated|measured) ;; *) echo "exp_row: bad kind '$3'" >&2; return 1 ;; esac
    printf '%s,%s,%s,%s,%s,%s,%s\n' "$2" "$3" "$4" "$5" "$exp_commit" "$exp_host" "$exp_date" >>"$1"
}

# exp_note "text"  progress line on stderr, under the running spec's name.
exp_note()
{
    printf '  %s: %s\n' "${exp_name:-?}" "$1" >&2
}

# exp_plot NAME  runs plots/NAME.gp three times (pdf, png, svg) from the repository root. The
# script loads plots/style.gp, which picks the terminal and output from these variables:
#   term ('pdf'|'png'|'svg'), out (output file), csv (results/NAME.csv), quick (0|1),
#   the methods of halo's registry: methods (names), method_titles (their legends, quoted
#   words), method_proposed (the method drawn on top), method_reference (the best single device);
#   and the CPUs in words: ref_cpu (the one that measured the committed reference profiles),
#   host_cpu (this host's, from its profile; its /proc/cpuinfo when none was measured in this run).
exp_plot()
{
    exp_gp_cpus="ref_cpu='$(echo "$exp_ref_label" | tr -d "'")'; host_cpu='$(echo "${exp_host_label:-$exp_host_cpuinfo}" | tr -d "'")'"
    for t in pdf png svg; do
        (cd "$root" && gnuplot -e "term='$t'; out='$plots_out/$1.$t'; csv='$results/$1.csv'; quick=$quick; $exp_methods_gp; $exp_gp_cpus" \
            "plots/$1.gp") || { echo "exp_plot: gnuplot failed on plots/$1.gp ($t)" >&2; return 1; }
        [ -s "$plots_out/$1.$t" ] || { echo "exp_plot: plots/$1.gp wrote no $t" >&2; return 1; }
    done
}

# exp_compare_methods ROWS PREFIX MODEL CLUSTER  appends `halo plan MODEL --cluster CLUSTER
# --method all --deviation 0 --format json` as CSV rows (method,latency_ms,speedup,reduction_pct,
# bytes_moved,redundant_pct,lossless,es_used), each after PREFIX, to the file ROWS.
exp_compare_methods()
{
    "$halo" plan "$3" --cluster "$4" --method all --deviation 0 --format json >"$work/compare.json" &&
        python3 "$root/experiments/tools/method_table.py" <"$work/compare.json" >"$work/compare.csv" &&
        sed "s|^|$2|" "$work/compare.csv" >>"$1"
}

# exp_stream_methods ROWS PREFIX MODEL CLUSTER [HALO PLAN FLAGS...]  appends `halo plan MODEL --cluster
# CLUSTER --method all --deviation 0 --format json FLAGS` as CSV rows of its stream figures
# (experiments/tools/stream_table.py: method,objective,latency_1_ms,period_ms,throughput_fps,rate_fps,
# p50_ms,p99_ms,feasible,es_used), each after PREFIX, to the file ROWS.
exp_stream_methods()
{
    local rows=$1 prefix=$2 model=$3 cl=$4
    shift 4
    "$halo" plan "$model" --cluster "$cl" --method all --deviation 0 --format json "$@" >"$work/stream.json" &&
        python3 "$root/experiments/tools/stream_table.py" <"$work/stream.json" >"$work/stream.csv" &&
        sed "s|^|$prefix|" "$work/stream.csv" >>"$rows"
}

# exp_rows_sorted CSV HEADER ROWS KEYS KIND  writes CSV with HEADER and the rows of ROWS sorted by
# sort(1) KEYS (e.g. "-k1,1 -k4,4 -k2,2n": one series after another, as gnuplot draws lines), each
# with provenance of kind KIND (clock and backend none: no execution).
exp_rows_sorted()
{
    exp_csv_begin "$1" "$2"
    # shellcheck disable=SC2086
    sort -t, $4 "$3" | while IFS= read -r row; do
        exp_row "$1" "$row" "$5" none none
    done
}

# exp_host_profile  this host's own profile (halo profile with its ceilings, the cpu backend at the
# process's cores, no ISA cap): the platform every "this host" figure prices by (figure 7's ESs, the
# summary's homo-4-host), the committed reference profiles are compared with across CPUs (figure 5)
# and a roofline of its own (figure 4b). Measured once and kept across runs in
# $results/host-profile.json, with its key beside it in $results/host-profile.key.json (CPU model,
# family and model, the process's cores, the oneDNN library halo links, halo's commit, the settings:
# experiments/tools/platforms.py key); a later run reuses it while the key matches, and says which.
# The same models as the committed profiles (--quick: resnet50 and vgg16, 3 timed runs, strips at
# 1/2; its own key, so a quick profile never stands in for a full one). exp_host_remeasure=1
# (reproduce.sh --remeasure-host) measures again whatever the key says: a profile taken while
# other work loaded the host is slow for good. Sets exp_host_profile_file
# and exp_host_label ("AMD EPYC (Zen 5), 2 cores"); fails (returns 1) when there is no cpu backend.
exp_host_profile()
{
    exp_host_profile_file=$results/host-profile.json
    exp_host_key_file=$results/host-profile.key.json
    [ "${exp_host_profile_done:-0}" = 1 ] && [ -s "$exp_host_profile_file" ] && return 0
    [ "${exp_host_profile_failed:-0}" = 1 ] && return 1
    if [ "$quick" = 1 ]; then
        set -- --models resnet50,vgg16 --repeat 3 --warmup 1 --tile-heights 1,0.5
    else
        set -- --models resnet18,resnet50,vgg11,vgg16,mobilenet_v2 --repeat 5 --warmup 2
    fi
    exp_hp_settings="halo profile --backend cpu $*"
    if [ -s "$exp_host_profile_file" ] && [ "${exp_host_remeasure:-0}" != 1 ] &&
        exp_hp_diff=$(python3 "$root/experiments/tools/platforms.py" same "$exp_host_key_file" "$halo" "$exp_hp_settings"); then
        exp_host_label=$(python3 "$root/experiments/tools/platforms.py" label "$exp_host_profile_file" --cpu)
        exp_hp_date=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["platform"]["date"])' "$exp_host_profile_file")
        exp_note "host profile: REUSED $exp_host_profile_file ($exp_host_label, measured $exp_hp_date; its key matches this host, oneDNN and halo)"
        exp_host_profile_done=1
        return 0
    fi
    if [ "${exp_host_remeasure:-0}" = 1 ]; then
        exp_note "host profile: --remeasure-host: measuring again"
    elif [ -s "$exp_host_profile_file" ]; then
        exp_note "host profile: the cached one is not this host's any more (${exp_hp_diff:-no key}): measuring again"
    fi
    exp_note "host profile: MEASURING this host (load $(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo unknown)): $exp_hp_settings (ceilings included) -> $exp_host_profile_file"
    rm -f "$exp_host_key_file"
    env -u ONEDNN_MAX_CPU_ISA "$halo" profile --backend cpu --name host "$@" -o "$exp_host_profile_file" >"$work/host.txt" 2>&1 ||
        { echo "exp_host_profile: halo profile failed:" >&2; tail -n 3 "$work/host.txt" >&2; exp_host_profile_failed=1; return 1; }
    python3 "$root/experiments/tools/platforms.py" annotate "$exp_host_profile_file" &&
        python3 "$root/experiments/tools/platforms.py" key "$halo" "$exp_hp_settings" >"$exp_host_key_file" ||
        { echo "exp_host_profile: cannot write the key of $exp_host_profile_file" >&2; return 1; }
    exp_host_label=$(python3 "$root/experiments/tools/platforms.py" label "$exp_host_profile_file" --cpu)
    exp_note "host profile: measured $exp_host_label; kept for later runs while its key holds ($exp_host_key_file)"
    exp_host_profile_done=1
}
