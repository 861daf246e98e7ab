#!/usr/bin/env bash
# Proof that the tests catch mutations of the core logic. Makes a temporary git worktree of HEAD
# (outside the repository, removed at exit, also on failure or Ctrl-C), builds it once, then for
# each mutation below: replaces one exact string in one file (the string must occur exactly once,
# else the check stops: the mutation no longer fits the code and must be updated), rebuilds
# incrementally, runs the named ctest test(s), records CAUGHT when one fails and MISSED when all
# pass, and puts the file back. Prints a table (file, mutation, test, result, seconds) and, for
# each caught mutation, the first failing case the test named. Exits 1 when any mutation is
# MISSED, or when its test was skipped (SKIPPED: this machine cannot run it, so nothing is
# proved) or it did not build (NOBUILD); 2 on a usage error or a mutation that no longer applies.
#
# Slow (a build, then one incremental build and test run per mutation: about 15-30 minutes on two
# cores), so neither CI nor tests/run.sh runs it; run it after changing a planner, the cost model,
# the runtime's matching or a test, and keep docs/ARCHITECTURE.md's table current.
#
# usage: tools/mutation_check.sh [--list] [--keep] [NAME ...]
#   --list   print the mutations (name, file, test) and exit
#   --keep   keep the temporary worktree and build (their path is printed) instead of removing them
#   NAME     run only these mutations (default: all)
# env: HALO_MUTATION_JOBS (build jobs; default: the cores), TMPDIR (where the worktree goes)
set -euo pipefail
{ # bash reads the whole block before running it: editing this file during a run cannot break the run

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${HALO_MUTATION_JOBS:-$(nproc 2>/dev/null || echo 2)}

# ---- the mutations ---------------------------------------------------------------------------
# m NAME FILE TEST(S) FROM TO: in FILE, FROM (exactly once) becomes TO; TEST(S) a space-separated
# list of ctest names, one of which must fail. Each breaks one rule the project promises.
names=() files=() tests=() froms=() tos=()
m() { names+=("$1"); files+=("$2"); tests+=("$3"); froms+=("$4"); tos+=("$5"); }

# row apportionment: the rounding rows all go to the last part instead of the largest share
m apportion harness/partition/split.c test_golden \
  'h[best] += given < rows ? 1 : -1;' \
  'h[n - 1] += given < rows ? 1 : -1;'
# the block DP's recurrence: a chain of blocks costs the sum of its blocks, not the largest
m dp_recurrence harness/partition/dp.c test_plan \
  'double t = T[i] + cost(arg, i, j);' \
  'double t = fmax(T[i], cost(arg, i, j));'
# DPFP's ES-subset search: every ES always, as if --no-select
m subset_search harness/partition/planners/dpfp.c test_golden \
  'int k_lo = ctx->opts.no_select ? n_es : 1;' \
  'int k_lo = n_es;'
# the FIFO link model: a message no longer waits for the receiver's downlink
m fifo_downlink harness/partition/link_fifo.c test_golden \
  'if (f->down[x->to] > start) start = f->down[x->to];' \
  '/* mutated: downlink ignored */'
# the fair link model: a flow takes a resource's whole residue instead of its fair share
m fair_share harness/partition/link_fair.c test_stream \
  'double l = s->res_level[r] = (s->res_cap[r] - s->res_used[r]) / s->res_n[r];' \
  'double l = s->res_level[r] = (s->res_cap[r] - s->res_used[r]);'
# the receptive field: dilation taken as 1 in a window's last input row
m rf_dilation harness/model/rf.c test_rf \
  '*hi = (b - 1) * s - p + d * (k - 1) + 1;' \
  '*hi = (b - 1) * s - p + (d > 0) * (k - 1) + 1;'
# stage detection: the cut just after a tensor's first reader allowed although the tensor crosses it
m stage_cuts harness/model/graph.c test_graph \
  'int lo = p + 2, hi = j;' \
  'int lo = p + 3, hi = j;'
# MAC counting: grouped (depthwise) convs counted as dense
m conv_macs harness/model/count.c test_count \
  '(int64_t)n->cout * (n->cin / n->groups) * n->win.kh * n->win.kw * out_area' \
  '(int64_t)n->cout * n->cin * n->win.kh * n->win.kw * out_area'
# the runtime's message matching: every message of a frame slot on one MPI tag (caught only where
# a rank receives messages in another order than it posted their receives: test_run_stream's
# interleaved plan; the planners' plans never do that)
m wire_tag harness/runtime/rt_wire.c test_run_stream \
  'return TAG_BASE + s * rt->job.max_msg + m;' \
  'return TAG_BASE + s * rt->job.max_msg + 0 * m;'
# --verify's tolerance ten times looser
m verify_tol harness/runtime/rt_report.c test_runtime_mpi \
  '#define VERIFY_FLOAT_TOL 1e-4' \
  '#define VERIFY_FLOAT_TOL 1e-3'
# the cost model's admission: one frame more in flight than --inflight allows
m admission harness/partition/timeline.c test_stream \
  'while (r->next_admit < r->nf && (in->inflight <= 0 || r->admitted_open < in->inflight)) {' \
  'while (r->next_admit < r->nf && (in->inflight <= 0 || r->admitted_open <= in->inflight)) {'
# stream percentiles: nearest rank rounded down
m percentile harness/partition/stream_stats.c test_stream \
  'int k = (int)ceil(p / 100.0 * n) - 1;' \
  'int k = (int)floor(p / 100.0 * n) - 1;'
# ADCNN's codec: quantisation truncates instead of rounding to the nearest level
m codec_rounding harness/exec/codec.c test_baselines \
  'double q = floor((v - a) / d + 0.5);' \
  'double q = floor((v - a) / d);'
# the message checksum: one of its four lanes left out of the result
m hash_lane harness/core/hash.c test_inject \
  'uint64_t r = h[0] ^ rotl64(h[1], 17) ^ rotl64(h[2], 31) ^ rotl64(h[3], 47) ^ (uint64_t)n;' \
  'uint64_t r = h[0] ^ rotl64(h[1], 17) ^ rotl64(h[2], 31) ^ (uint64_t)n;'
# Rayleigh fading: Shannon's rate without the 1 +
m rayleigh_rate harness/partition/channel.c test_sim \
  'return w_mhz * log2(1 + snr * h2);' \
  'return w_mhz * log2(snr * h2);'

# ---- arguments ---------------------------------------------------------------------------------
list=0 keep=0 only=()
for a in "$@"; do
    case $a in
    --list) list=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "mutation_check: unknown option '$a' (see --help)" >&2; exit 2 ;;
    *) only+=("$a") ;;
    esac
done
n=${#names[@]}
if [ "$list" = 1 ]; then
    for ((i = 0; i < n; i++)); do printf '%-16s %-42s %s\n' "${names[i]}" "${files[i]}" "${tests[i]}"; done
    exit 0
fi
sel=()
for ((i = 0; i < n; i++)); do
    if [ ${#only[@]} -eq 0 ]; then sel+=("$i"); continue; fi
    for o in "${only[@]}"; do [ "$o" = "${names[i]}" ] && sel+=("$i"); done
done
for o in "${only[@]}"; do
    found=0
    for ((i = 0; i < n; i++)); do [ "$o" = "${names[i]}" ] && found=1; done
    [ "$found" = 1 ] || { echo "mutation_check: no mutation named '$o' (--list lists them)" >&2; exit 2; }
done

# ---- the worktree --------------------------------------------------------------------------------
git -C "$root" rev-parse --verify -q HEAD >/dev/null || { echo "mutation_check: $root is not a git checkout" >&2; exit 2; }
commit=$(git -C "$root" rev-parse --short=12 HEAD)
[ -z "$(git -C "$root" status --porcelain -- harness cuda tests CMakeLists.txt cmake 2>/dev/null)" ] ||
    echo "mutation_check: note: uncommitted changes are not checked; this checks HEAD ($commit)" >&2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/halo-mutation.XXXXXX")
src="$tmp/src" build="$tmp/build"
cur_file="" # the file mutated right now, put back on the way out
cleanup() {
    rc=$?
    trap - EXIT INT TERM
    if [ -n "$cur_file" ] && [ -d "$src" ]; then git -C "$src" checkout -q -- "$cur_file" 2>/dev/null || true; fi
    if [ "$keep" = 1 ]; then
        echo "mutation_check: kept $tmp (remove with: git -C $root worktree remove --force $src; rm -rf $tmp)" >&2
    else
        git -C "$root" worktree remove --force "$src" >/dev/null 2>&1 || true
        rm -rf "$tmp"
        git -C "$root" worktree prune >/dev/null 2>&1 || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "mutation_check: interrupted" >&2; exit 130' INT TERM

git -C "$root" worktree add -q --detach "$src" HEAD
echo "mutation_check: HEAD $commit in $src; building into $build ($jobs jobs)" >&2
t0=$(date +%s)
if ! HALO_BUILD_DIR=$build "$src/tools/build.sh" >"$tmp/build.log" 2>&1; then
    tail -n 40 "$tmp/build.log" >&2
    echo "mutation_check: the unmutated build failed" >&2
    exit 2
fi
echo "mutation_check: built in $(($(date +%s) - t0)) s" >&2

rebuild() { cmake --build "$build" -j "$jobs" >"$tmp/build.log" 2>&1; }

# runs ctest on the tests "$1" (space-separated); sets outcome to pass, fail or skip
run_tests() {
    local re
    re="^($(echo "$1" | sed 's/ \{1,\}/|/g'))\$"
    set +e
    (cd "$build" && ctest --output-on-failure -R "$re" >"$tmp/test.log" 2>&1)
    local rc=$?
    set -e
    if ! grep -qE "tests? passed|tests failed" "$tmp/test.log"; then
        outcome=fail # ctest itself failed to run: show it
    elif [ $rc -ne 0 ]; then
        outcome=fail
    elif grep -qE '\*\*\*Skipped|Not Run' "$tmp/test.log" || ! grep -q "Test #" "$tmp/test.log"; then
        outcome=skip
    else
        outcome=pass
    fi
}

# ---- baseline: every named test passes on the unmutated tree (twice in a row if need be) -----
all_tests=$(for i in "${sel[@]}"; do echo "${tests[i]}"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
echo "mutation_check: baseline: $all_tests" >&2
run_tests "$all_tests"
if [ "$outcome" = fail ]; then
    # some checks compare timings on a shared machine: a failure must repeat to count
    echo "mutation_check: the baseline failed once; running it again" >&2
    grep -E '^FAIL|failed:' "$tmp/test.log" | head -n 3 >&2 || true
    run_tests "$all_tests"
fi
if [ "$outcome" = fail ]; then
    cat "$tmp/test.log" >&2
    echo "mutation_check: a test fails without any mutation: fix that first" >&2
    exit 2
fi
[ "$outcome" = skip ] && echo "mutation_check: note: some of these tests skip on this machine" >&2

# ---- the mutations -------------------------------------------------------------------------------
results=() secs=() notes=()
missed=0
for i in "${sel[@]}"; do
    f=${files[i]}
    [ -f "$src/$f" ] || { echo "mutation_check: ${names[i]}: no file $f" >&2; exit 2; }
    t0=$(date +%s)
    cur_file=$f
    if ! MUT_FROM=${froms[i]} MUT_TO=${tos[i]} python3 - "$src/$f" <<'EOF'
import os, sys
path = sys.argv[1]
old, new = os.environ["MUT_FROM"], os.environ["MUT_TO"]
text = open(path, encoding="utf-8").read()
n = text.count(old)
if n != 1:
    sys.exit(f"{path}: the string to mutate occurs {n} times, expected exactly once: {old!r}")
open(path, "w", encoding="utf-8").write(text.replace(old, new))
EOF
    then
        echo "mutation_check: ${names[i]}: update this mutation to the code" >&2
        exit 2
    fi
    echo "mutation_check: [${names[i]}] $f -> ${tests[i]}" >&2
    note=""
    if ! rebuild; then
        result=NOBUILD
        note=$(grep -m1 -E "error" "$tmp/build.log" || true)
    else
        run_tests "${tests[i]}"
        case $outcome in
        fail) result=CAUGHT
              note=$(grep -E '^\[case .*(failed|FAILED)|^FAIL|failed:' "$tmp/test.log" | grep -v "tests failed" | head -n 1 || true) ;;
        pass) result=MISSED ;;
        skip) result=SKIPPED ;;
        esac
    fi
    git -C "$src" checkout -q -- "$f"
    cur_file=""
    [ "$result" = CAUGHT ] || missed=$((missed + 1))
    results[i]=$result
    secs[i]=$(($(date +%s) - t0))
    notes[i]=$note
    echo "mutation_check: [${names[i]}] $result in ${secs[i]} s" >&2
done

# ---- the table -------------------------------------------------------------------------------------
echo
echo "Mutation check of $commit, $(date -u +%Y-%m-%d): ${#sel[@]} mutations"
echo
echo "| mutation | file | what changed | test | result | s |"
echo "|---|---|---|---|---|---|"
for i in "${sel[@]}"; do
    what=$(printf '`%s` → `%s`' "${froms[i]}" "${tos[i]}" | sed 's/|/\\|/g')
    printf '| %s | %s | %s | %s | %s | %s |\n' "${names[i]}" "${files[i]}" "$what" "${tests[i]}" "${results[i]}" "${secs[i]}"
done
echo
for i in "${sel[@]}"; do
    [ -n "${notes[i]}" ] && printf -- '- %s: %s\n' "${names[i]}" "$(echo "${notes[i]}" | sed "s|$src/||g; s|$build/||g" | cut -c1-200)"
done
echo
if [ "$missed" -ne 0 ]; then
    echo "mutation_check: $missed of ${#sel[@]} mutations not caught" >&2
    exit 1
fi
echo "mutation_check: all ${#sel[@]} mutations caught" >&2
exit 0
}
