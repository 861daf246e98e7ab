#!/bin/sh
# The layers of harness/ go one way. Every #include in harness/ and cuda/ may name only its own
# layer or one below it, and every halo_ symbol a layer's library leaves undefined must be defined
# by a library of its own layer or one below (so no library calls upward, and none are circular).
# The order, lowest first (docs/ARCHITECTURE.md):
#   core model exec cuda backends profile partition runtime cli
# exec/registry.c is the library `backends`, above the backends it lists (exec's and cuda's).
# Usage: tests/check_layers.sh BUILD_DIR   (run from the repository root; ctest test_layers)
set -u
build=${1:?usage: check_layers.sh BUILD_DIR}
order="core model exec cuda backends profile partition runtime cli"
fails=0
checks=0

rank() {
    i=0
    for l in $order; do
        [ "$l" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    echo -1
}

layer_of() {
    case "$1" in
    harness/exec/registry.c) echo backends ;;
    cuda/*) echo cuda ;;
    harness/*) echo "$1" | cut -d/ -f2 ;;
    esac
}

# ---- includes ----
for f in $(find harness cuda -name '*.[ch]' -o -name '*.cu' | sort); do
    mine=$(layer_of "$f")
    rm_=$(rank "$mine")
    [ "$rm_" -ge 0 ] || { echo "FAIL: $f: not in a known layer ($mine)" >&2; fails=$((fails + 1)); continue; }
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*".*/\1/p' "$f" | sort -u); do
        ri=$(rank "$inc")
        [ "$ri" -ge 0 ] || continue # not a layer folder (e.g. cjson/, emu/)
        checks=$((checks + 1))
        if [ "$ri" -gt "$rm_" ]; then
            echo "FAIL: $f ($mine) includes $inc/..., a higher layer:" >&2
            grep -n "#include \"$inc/" "$f" | sed 's/^/    /' >&2
            fails=$((fails + 1))
        fi
    done
done

# ---- libraries: undefined halo_ symbols are defined at or below ----
lib_of() { # layer -> static library path ('' when not built)
    for p in "$build/harness/libhalo_$1.a" "$build/cuda/libhalo_$1.a"; do
        [ -f "$p" ] && { echo "$p"; return; }
    done
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libs=0
for l in $order; do
    lib=$(lib_of "$l")
    [ -n "$lib" ] || continue
    libs=$((libs + 1))
    nm --defined-only -g "$lib" 2>/dev/null | awk 'NF==3 {print $3}' | grep '^halo_' | sort -u >"$tmp/def.$l"
    nm -u "$lib" 2>/dev/null | awk '{print $NF}' | grep '^halo_' | sort -u >"$tmp/undef.$l"
done
below=""
for l in $order; do
    [ -f "$tmp/def.$l" ] || continue
    below="$below $l"
    cat $(for b in $below; do echo "$tmp/def.$b"; done) | sort -u >"$tmp/avail"
    missing=$(comm -23 "$tmp/undef.$l" "$tmp/avail")
    checks=$((checks + 1))
    if [ -n "$missing" ]; then
        echo "FAIL: libhalo_$l uses symbols defined by no library at or below it (an upward call):" >&2
        echo "$missing" | head -n 20 | sed 's/^/    /' >&2
        fails=$((fails + 1))
    fi
done
if [ "$libs" -lt 7 ]; then
    echo "FAIL: found $libs layer libraries under $build (expected core, model, exec, backends, profile, partition, runtime)" >&2
    fails=$((fails + 1))
fi

if [ "$fails" -ne 0 ] || [ "$checks" -eq 0 ]; then
    echo "check_layers: $fails of $checks checks FAILED" >&2
    exit 1
fi
echo "check_layers: all $checks checks passed ($libs libraries)"
