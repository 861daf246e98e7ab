#!/bin/sh
# The main job: set-up, build, then every experiment -> results/NAME.csv and
# plots/out/NAME.{pdf,png,svg}, then results/summary.md (DPFP against local and the baselines,
# beside the published figures). One spec per figure in experiments/specs/NAME.sh.
#
# usage: experiments/reproduce.sh [--quick] [--no-build] [--remeasure-host] [--list] [NAME ...]
#   --quick      small sweeps (same files, fewer points, fewer draws and repetitions): ~1 minute;
#                written to results/quick/ and plots/out/quick/ unless RESULTS_DIR/PLOTS_OUT say otherwise
#   --no-build   skip set-up and build; use $HALO_BIN (default build/halo)
#   --remeasure-host  measure this host's profile again even when the cached one's key matches
#   --list       print the specs and their titles, run nothing
#   NAME ...     run only these specs (default: all, in the order below, then the summary)
# env: HALO_BUILD_DIR (build folder), HALO_BIN, RESULTS_DIR (default results/), PLOTS_OUT
#      (default plots/out/)
# This host's own profile (figure 7's ESs, the summary's homo-4-host, figure 5's cross-CPU pairs,
# figure 4b) is measured once into RESULTS_DIR/host-profile.json and reused by later runs while its
# key (CPU, cores, oneDNN, halo's commit, settings) holds; the other figures price by the committed
# reference profiles and name the CPU that measured them.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
ALL_SPECS="flops latency_vs_es latency_vs_bandwidth heterogeneous_subset capacity_per_layer roofline
predicted_vs_measured_speedup failure_probability runtime_accuracy stream_accuracy link_model_accuracy plan_picture adcnn_deviation
throughput_vs_es throughput_vs_bandwidth stream_frontier deadline_miss_vs_fps adapt_links adapt_straggler adapt_kill adapt_emulated adapt_testbed summary"

quick=0 build=1 list=0 only=""
for a in "$@"; do
    case "$a" in
        --quick) quick=1 ;;
        --no-build) build=0 ;;
        --remeasure-host) exp_host_remeasure=1 ;;
        --list) list=1 ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "reproduce.sh: unknown option '$a' (see --help)" >&2; exit 2 ;;
        *) case " $(echo $ALL_SPECS) " in
               *" $a "*) only="$only $a" ;;
               *) echo "reproduce.sh: no experiment named '$a' (known: $(echo $ALL_SPECS))" >&2; exit 2 ;;
           esac ;;
    esac
done

if [ "$list" = 1 ]; then
    for s in $ALL_SPECS; do
        printf '%-30s %s\n' "$s" "$(sed -n 's/^SPEC_TITLE="\(.*\)"$/\1/p' "$root/experiments/specs/$s.sh")"
    done
    exit 0
fi

if [ "$build" = 1 ]; then
    "$root/tools/setup.sh"
    "$root/tools/build.sh"
fi
halo=${HALO_BIN:-${HALO_BUILD_DIR:-$root/build}/halo}
[ -x "$halo" ] || { echo "reproduce.sh: no halo binary at $halo (build first, or set HALO_BIN)" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "reproduce.sh: gnuplot not found (tools/setup.sh installs gnuplot-nox)" >&2; exit 2; }
# --quick never overwrites the published run: its default folders are results/quick, plots/out/quick
sub=""
[ "$quick" = 1 ] && sub=/quick
results=${RESULTS_DIR:-$root/results$sub}
plots_out=${PLOTS_OUT:-$root/plots/out$sub}
mkdir -p "$results" "$plots_out"
results=$(cd "$results" && pwd)
plots_out=$(cd "$plots_out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/experiments/lib.sh"
exp_prov_init
exp_methods_init
specs=${only:-$ALL_SPECS}
n=$(echo $specs | wc -w)
i=0
t_all=$(date +%s)
[ "$quick" = 1 ] && echo "reproduce.sh: --quick: small sweeps, for a smoke test; not the published run" >&2
# The reference-platform figures price by profiles of another CPU on purpose, and say so in their
# labels: halo's line about a foreign profile would repeat on every plan.
export HALO_QUIET_FOREIGN=1
echo "reproduce.sh: this host: $exp_host_cpuinfo; reference profiles (profiles/cpu-*.json): $exp_ref_label" \
    "(halo's foreign-profile warnings hidden: HALO_QUIET_FOREIGN=1)" >&2
# the host's profile once, up front, for the specs that price by it
case " $(echo $specs) " in
    *" roofline "* | *" predicted_vs_measured_speedup "* | *" runtime_accuracy "* | *" summary "*)
        exp_name=reproduce
        exp_host_profile || echo "reproduce.sh: no profile of this host (no cpu backend?): its figures fall back" >&2 ;;
esac
for exp_name in $specs; do
    i=$((i + 1))
    SPEC_TITLE=""
    unset -f spec_run 2>/dev/null || true
    . "$root/experiments/specs/$exp_name.sh"
    printf '[%d/%d] %s: %s\n' "$i" "$n" "$exp_name" "$SPEC_TITLE" >&2
    t0=$(date +%s)
    spec_run
    printf '[%d/%d] %s: done in %d s\n' "$i" "$n" "$exp_name" $(($(date +%s) - t0)) >&2
done
echo "reproduce.sh: $n experiment(s) in $(($(date +%s) - t_all)) s; results in $results, figures in $plots_out" >&2
