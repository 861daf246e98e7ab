#!/bin/sh
# Configures and builds halo into build/ (or $HALO_BUILD_DIR). Extra arguments go to cmake.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALO_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp)
if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHALO_WERROR=ON "$@" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; echo "halo build: cmake configure failed" >&2; exit 1
fi
grep -E "^-- (halo|  )" "$log" >&2 || true
if ! cmake --build "$build" -j "$jobs" >"$log" 2>&1; then
    grep -E "error|Error" -A3 "$log" | head -n 60 >&2; rm -f "$log"; echo "halo build: compilation failed" >&2; exit 1
fi
rm -f "$log"
