#!/bin/sh
# The bad-input suite: every malformed file and argument in tests/bad_inputs/cases.txt must give
# its exit status (2 bad input, 1 a check that failed at run time), the expected text on stderr,
# and for bad input exactly one line there -- never a crash (signal, sanitizer report, assertion),
# a hang (HALO_BAD_INPUT_TIMEOUT seconds, default 120) or a pass. Cases of a subcommand this
# build lacks (`halo run` without MPI, ONNX files without ONNX import) are skipped and counted. Prints the counts per subcommand
# and per kind of file.  usage: test_bad_inputs.sh PATH/TO/halo
set -u
HALO=$1
case $HALO in /*) ;; *) HALO=$(pwd)/$HALO ;; esac
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/bad_inputs"
OUT=$(mktemp -d)
export OUT
trap 'rm -rf "$OUT"' EXIT
limit=${HALO_BAD_INPUT_TIMEOUT:-120}
fails=0
cases=0
skipped=0
counts=$OUT/counts
have=""  # subcommands this halo has (checked once each with --help)
lacks=""
: >"$counts"
# ONNX files need a halo built with ONNX import (protobuf-c): their cases are skipped without it
onnx=1
"$HALO" flops onnx/good.onnx --input 8x8 >/dev/null 2>&1 || onnx=0

trim() { sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

fail() {
    echo "FAIL: halo $args: $1" >&2
    sed 's/^/    stderr: /' "$OUT/err" | head -n 10 >&2
    fails=$((fails + 1))
}

while IFS= read -r line; do
    case $line in '' | '#'*) continue ;; esac
    want=$(printf '%s\n' "$line" | cut -d'|' -f1 | trim)
    text=$(printf '%s\n' "$line" | cut -d'|' -f2 | trim)
    args=$(printf '%s\n' "$line" | cut -d'|' -f3- | trim)
    eval "set -- $args"
    sub=$1
    case " $have " in *" $sub "*) ;; *)
        case " $lacks " in *" $sub "*) ;; *)
            if "$HALO" "$sub" --help >/dev/null 2>&1; then have="$have $sub"; else lacks="$lacks $sub"; fi ;;
        esac ;;
    esac
    case " $lacks " in *" $sub "*)
        skipped=$((skipped + 1))
        continue ;;
    esac
    case "$args" in *onnx/*) if [ $onnx = 0 ]; then skipped=$((skipped + 1)); continue; fi ;; esac
    cases=$((cases + 1))
    # the kind of input the case breaks: the folder of the broken file it names (not the valid
    # plan/good.json, profile/good.json or ../data/ files beside it), else the arguments
    kind=args
    bad=$(printf ' %s ' "$args" | sed 's# plan/good.json # #g; s# profile/good.json # #g')
    for k in cluster profile plan weights image raw rates onnx; do
        case "$bad" in *" $k/"*) kind=$k; break ;; esac
    done
    case "$bad" in *"cluster/trace_"*) kind=trace ;; esac
    echo "$sub $kind" >>"$counts"
    timeout "$limit" "$HALO" "$@" >"$OUT/out" 2>"$OUT/err" </dev/null
    got=$?
    if [ "$got" -eq 124 ]; then
        fail "no answer within $limit s (a hang)"
        continue
    fi
    if [ "$got" -ge 128 ] || grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|assertion failed|Segmentation fault|core dumped' "$OUT/err"; then
        fail "crashed (exit $got)"
        continue
    fi
    if [ "$got" -ne "$want" ]; then
        fail "exit $got, want $want"
        continue
    fi
    if ! grep -qF -- "$text" "$OUT/err"; then
        fail "stderr lacks '$text'"
        continue
    fi
    lines=$(wc -l <"$OUT/err")
    if [ "$want" -eq 2 ] && [ "$lines" -ne 1 ]; then
        fail "bad input must give exactly one line on stderr, got $lines"
        continue
    fi
    if ! grep -qE "^halo $sub: " "$OUT/err"; then
        fail "the message must start with 'halo $sub: '"
        continue
    fi
done <cases.txt

echo "bad inputs by subcommand:"
awk '{print $1}' "$counts" | sort | uniq -c | awk '{printf "  %-8s %3d\n", $2, $1}'
echo "bad inputs by kind (file folder, or args):"
awk '{print $2}' "$counts" | sort | uniq -c | awk '{printf "  %-8s %3d\n", $2, $1}'
if [ "$cases" -eq 0 ] && [ "$fails" -eq 0 ]; then
    if [ "$skipped" -gt 0 ]; then
        echo "test_bad_inputs: SKIP: all $skipped cases need a subcommand this build lacks"
        exit 77
    fi
    echo "test_bad_inputs: FAILED: ran no case (is tests/bad_inputs/cases.txt empty?)" >&2
    exit 1
fi
if [ "$fails" -ne 0 ]; then
    echo "test_bad_inputs: $fails of $cases cases FAILED ($skipped skipped: subcommand or ONNX import not in this build)" >&2
    exit 1
fi
echo "test_bad_inputs: all $cases cases passed ($skipped skipped: subcommand or ONNX import not in this build)"
