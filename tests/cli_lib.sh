# Sourced by the tests/test_cli*.sh scripts after HALO=$1: a scratch folder $tmp removed at exit,
# the counters, and
#   expect STATUS "TEXT" ARGS...  runs halo ARGS: the exit status must be STATUS and TEXT must be in
#                                 its stdout or stderr; exit 2 (bad input) must print exactly one
#                                 line on stderr
#   expect_json "K1 K2 ..." ARGS... runs halo ARGS: exit 0, and stdout is one JSON document (and
#                                 nothing else) holding the keys K1 K2 ...: a.b is key b of object
#                                 a, a[0].b key b of the first element of array a
#   expect_csv "C1,C2,..." ARGS...  runs halo ARGS: exit 0, and stdout is a CSV header naming at
#                                 least the columns C1, C2, ... and one or more rows as wide as it
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

expect_json() {
    keys=$1
    shift
    checks=$((checks + 1))
    "$HALO" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne 0 ] || ! python3 - "$tmp/out" "$keys" <<'PY' 2>"$tmp/why"
import json, re, sys
doc = json.load(open(sys.argv[1]))
for key in sys.argv[2].split():
    v = doc
    for part in key.split("."):
        m = re.fullmatch(r"([^\[]+)((?:\[\d+\])*)", part)
        v = v[m.group(1)]
        for i in re.findall(r"\[(\d+)\]", m.group(2)):
            v = v[int(i)]
PY
    then
        fail "halo $* -> exit $got; want exit 0 and one JSON document with keys $keys:"
        sed 's/^/    /' "$tmp/why" "$tmp/err" | tail -n 5 >&2
        head -c 600 "$tmp/out" | sed 's/^/    /' >&2
    fi
}

expect_csv() {
    cols=$1
    shift
    checks=$((checks + 1))
    "$HALO" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne 0 ] || ! python3 - "$tmp/out" "$cols" <<'PY' 2>"$tmp/why"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) >= 2, f"{len(rows)} lines: no header and rows"
missing = [c for c in sys.argv[2].split(",") if c not in rows[0]]
assert not missing, f"header lacks {missing}: {rows[0]}"
assert all(len(r) == len(rows[0]) for r in rows[1:]), "a row is not as wide as the header"
PY
    then
        fail "halo $* -> exit $got; want exit 0 and a CSV header with $cols, then rows:"
        sed 's/^/    /' "$tmp/why" "$tmp/err" | tail -n 5 >&2
        head -n 3 "$tmp/out" | sed 's/^/    /' >&2
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
