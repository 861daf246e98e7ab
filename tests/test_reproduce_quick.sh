#!/bin/sh
# Smoke test of the main job: `experiments/reproduce.sh --quick` with this build's halo, into a
# scratch folder; every spec's CSV (header + rows, provenance columns) and figure (pdf, png,
# svg) must exist and be non-empty, and the summary must be written. usage: test_reproduce_quick.sh HALO
set -u
halo=$1
root=$(cd "$(dirname "$0")/.." && pwd)
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
t0=$(date +%s)
if ! HALO_BIN=$halo RESULTS_DIR=$tmp/results PLOTS_OUT=$tmp/out "$root/experiments/reproduce.sh" --quick --no-build \
        >"$tmp/log" 2>&1; then
    tail -n 30 "$tmp/log"; echo "FAIL: reproduce.sh --quick exited non-zero"; exit 1
fi
echo "reproduce.sh --quick: $(($(date +%s) - t0)) s"
specs=$(sed -n '/^ALL_SPECS="/,/"$/p' "$root/experiments/reproduce.sh" | tr -d '"' | sed 's/ALL_SPECS=//')
checked=0
for s in $specs; do
    checked=$((checked + 1))
    case "$s" in
        flops) files="flops_resnet50_stages.csv flops_vgg16_stages.csv" ;;
        summary) files="summary.md" ;;
        *) files="$s.csv"
           for t in pdf png svg; do
               if [ -s "$tmp/out/$s.$t" ]; then :; else echo "FAIL: $s: no plots/out/$s.$t"; fail=1; fi
           done ;;
    esac
    for f in $files; do
        if [ ! -s "$tmp/results/$f" ]; then echo "FAIL: $s: no results/$f"; fail=1; continue; fi
        case "$f" in
            flops_*) ;;
            *.csv) [ "$(wc -l <"$tmp/results/$f")" -ge 2 ] || { echo "FAIL: $f has no rows"; fail=1; }
                   head -n 1 "$tmp/results/$f" | grep -q ',kind,clock,backend,commit,host,date$' ||
                       { echo "FAIL: $f lacks the provenance columns"; fail=1; }
                   if tail -n +2 "$tmp/results/$f" | grep -vqE ',(predicted|simulated|measured),[^,]*,[^,]*,[^,]*,[^,]*,[^,]*$'; then
                       echo "FAIL: $f has a row without kind predicted|simulated|measured"; fail=1
                   fi ;;
        esac
    done
done
if [ "$checked" -eq 0 ]; then
    echo "FAIL: no spec checked (ALL_SPECS not found in experiments/reproduce.sh)"
    exit 1
fi
[ "$fail" = 0 ] && echo "PASS: every one of the $checked specs wrote its CSV and figures"
exit "$fail"
