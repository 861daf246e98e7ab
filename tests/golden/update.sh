#!/bin/sh
# Regenerates tests/golden/plans.txt -- every planner's plans on the fixed clusters and models of
# tests/test_golden.c -- from this checkout's planners, then shows what changed (git diff). Run it
# when a change of the planners' decisions is intended; review the diff and commit the file with
# the change. usage: tests/golden/update.sh   (build folder: $HALO_BUILD_DIR, default build/)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${HALO_BUILD_DIR:-$root/build}
if [ -f "$build/CMakeCache.txt" ]; then
    log=$(mktemp)
    if ! cmake --build "$build" --target test_golden -j "$(nproc 2>/dev/null || echo 2)" >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"; echo "update.sh: building test_golden failed" >&2; exit 1
    fi
    rm -f "$log"
else
    HALO_BUILD_DIR=$build "$root/tools/build.sh"
fi
cd "$root" # the clusters' paths in test_golden are relative to the source root
"$build/tests/test_golden" --write tests/golden/plans.txt
if git rev-parse --git-dir >/dev/null 2>&1; then
    git --no-pager diff --stat -- tests/golden/plans.txt
    git --no-pager diff -- tests/golden/plans.txt
fi
