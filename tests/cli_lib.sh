# Sourced by the tests/test_cli*.sh scripts after HALO=$1: a scratch folder $tmp removed at exit,
# the counters, and
#   expect STATUS "TEXT" ARGS...  runs halo ARGS: the exit status must be STATUS and TEXT must be in
#                                 its stdout or stderr; exit 2 (bad input) must print exactly one
#                                 line on stderr
#   fail "WHAT"                   counts a failed check of the script's own
#   finish NAME                   reports the counts; exits 1 if a check failed or none ran (a
#                                 script that checked nothing must not pass)
fails=0
checks=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

expect() {
    want=$1 text=$2
    shift 2
    checks=$((checks + 1))
    "$HALO" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ] || ! grep -qF -- "$text" "$tmp/err" "$tmp/out"; then
        fail "halo $* -> exit $got (want $want), output lacks '$text':"
        sed 's/^/    /' "$tmp/err" "$tmp/out" | head -n 20 >&2
    fi
    if [ "$want" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
        fail "halo $*: bad input must give exactly one line on stderr:"
        sed 's/^/    /' "$tmp/err" >&2
    fi
}

finish() {
    if [ "$checks" -eq 0 ]; then
        echo "$1: FAILED: ran no check" >&2
        exit 1
    fi
    if [ "$fails" -ne 0 ]; then
        echo "$1: $fails of $checks checks FAILED" >&2
        exit 1
    fi
    echo "$1: all $checks checks passed"
}
