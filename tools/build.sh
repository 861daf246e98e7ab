#!/bin/sh
# Configures and builds halo into build/ (or $HALO_BUILD_DIR). Extra arguments go to cmake.
# When configuring or compiling fails for want of something, names the Debian package that
# brings it (from tools/setup.sh's requirement table and the failure messages CMake gives).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALO_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)

# halo_hint LOG: prints the Debian packages that the failures in LOG ask for, one line each
# ("package: why"); nothing when it recognises none.
halo_hint() {
    # CMake wraps its messages: match on one line of the whole log
    flat=$(tr '\n' ' ' <"$1" | tr -s ' ')
    table=$("$root/tools/setup.sh" --table)
    has() { printf '%s' "$flat" | grep -qE -- "$1"; }
    # halo's own CMakeLists says "install the Debian package X" for each required library
    printf '%s' "$flat" | grep -oE "install the Debian package [a-z0-9.+-]+" | sed 's/.* \(.*\)/\1: asked for by CMakeLists.txt/'
    has "Could NOT find PkgConfig|pkg-config tool not found" && echo "pkg-config: cmake finds libpng, libjpeg and hwloc through it"
    has "No CMAKE_C_COMPILER could be found|CMAKE_C_COMPILER not set|is not able to compile a simple test program" &&
        echo "build-essential: no working C compiler"
    has "unable to find a build program corresponding to \"Unix Makefiles\"" && echo "build-essential: no make"
    has "CMake [0-9.]+ or higher is required" && echo "cmake: halo needs CMake 3.18 or newer (Debian 12 has 3.25)"
    has "Could NOT find OpenMP" &&
        echo "libgcc-12-dev (gcc) or libomp-14-dev (clang): OpenMP, which Debian's oneDNN runs on"
    has "HALO_FUZZ needs clang" && echo "clang libclang-rt-14-dev: libFuzzer"
    # Debian's dnnl-config.cmake requires OpenCL, which halo does not use: only when oneDNN is
    # looked up through that CMake package (halo's CMakeLists finds its header and library instead)
    has "Could NOT find OpenCL" && echo "ocl-icd-opencl-dev: required by Debian's oneDNN CMake package"
    # pkg-config modules, when cmake printed their names
    for m in $(printf '%s' "$flat" | grep -oE "(No package|Package) '[a-z0-9_-]+' (was not |not )?found" |
               sed "s/.*'\(.*\)'.*/\1/" | sort -u); do
        case $m in
        libpng*) echo "libpng-dev: pkg-config module $m" ;;
        libjpeg) echo "libjpeg-dev: pkg-config module $m" ;;
        hwloc) echo "libhwloc-dev: pkg-config module $m" ;;
        esac
    done
    # compiler and linker: a missing header or library, looked up in the requirement table
    for h in $(grep -oE "fatal error: [^:]+: No such file" "$1" | sed 's/fatal error: \(.*\): No such file/\1/' | sort -u); do
        p=$(printf '%s\n' "$table" | awk -v h="$h" '($2 == "header" && $3 == h) || ($2 == "file" && $3 ~ ("/" h "$")) { print $4; exit }')
        if [ -z "$p" ]; then # the other headers of the same libraries
            case $h in
            dnnl*|oneapi/dnnl/*) p=libdnnl-dev ;;
            hwloc*) p=libhwloc-dev ;;
            cjson/*) p=libcjson-dev ;;
            png*) p=libpng-dev ;;
            jerror.h|jconfig.h|jmorecfg.h) p=libjpeg-dev ;;
            mpi*) p=libopenmpi-dev ;;
            esac
        fi
        echo "${p:-(unknown package)}: header $h"
    done
    for l in $(grep -oE "cannot find -l[A-Za-z0-9_+.-]+" "$1" | sed 's/cannot find -l//' | sort -u); do
        p=$(printf '%s\n' "$table" | awk -v l="$l" '$2 == "lib" && $3 == l { print $4; exit }')
        echo "${p:-(unknown package)}: library -l$l"
    done
}

# halo_fail LOG WHAT: the end of a failure: which packages, and how to get them.
halo_fail() {
    hints=$(halo_hint "$1" | sort -u)
    if [ -n "$hints" ]; then
        echo "halo build: $2; the Debian package that brings what it lacks:" >&2
        printf '%s\n' "$hints" | sed 's/^/  /' >&2
        pkgs=$(printf '%s\n' "$hints" | grep -v '^(' | sed 's/:.*//; s/ or .*//; s/ (.*//' | tr ' ' '\n' | sort -u | tr '\n' ' ')
        echo "halo build: tools/setup.sh installs what halo needs${pkgs:+, or: sudo apt-get install --no-install-recommends $pkgs}" >&2
    else
        echo "halo build: $2 (tools/setup.sh installs what halo needs: see tools/setup.sh --list)" >&2
    fi
    rm -f "$1"
    exit 1
}

if ! command -v cmake >/dev/null 2>&1; then
    echo "halo build: cmake not found; install the Debian package cmake (tools/setup.sh does)" >&2
    exit 1
fi
log=$(mktemp)
if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHALO_WERROR=ON "$@" >"$log" 2>&1; then
    cat "$log" >&2
    halo_fail "$log" "cmake configure failed"
fi
grep -E "^-- (halo|  )" "$log" >&2 || true
# Optional parts that were not found build without them, and the tests that need them SKIP: say
# which package brings each.
grep -qE "^--   oneDNN +: NOT found" "$log" && echo "halo build: without the cpu backend: install libdnnl-dev for it" >&2
grep -qE "^--   hwloc +: NOT found" "$log" && echo "halo build: without hwloc: install libhwloc-dev for it" >&2
grep -qE "^--   MPI +: NOT found" "$log" && echo "halo build: without halo run: install libopenmpi-dev and openmpi-bin for it" >&2
if ! cmake --build "$build" -j "$jobs" >"$log" 2>&1; then
    grep -E "error|Error" -A3 "$log" | head -n 60 >&2
    halo_fail "$log" "compilation failed"
fi
rm -f "$log"
