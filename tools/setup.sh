#!/bin/sh
# Installs the Debian packages halo needs, only those missing. Idempotent and quiet.
# Run by experiments/reproduce.sh and tests/run.sh; safe to run by hand.
set -eu

PACKAGES="build-essential cmake pkg-config git python3 libcjson-dev libdnnl-dev libhwloc-dev
libopenmpi-dev openmpi-bin gnuplot-nox libpng-dev libjpeg-dev"
# hardening (tests/run_fuzz.sh, test_valgrind): clang with libFuzzer, valgrind
PACKAGES="$PACKAGES clang libclang-rt-14-dev valgrind"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        # python3 may come from elsewhere (pyenv); accept any python3 on PATH
        if [ "$p" = python3 ] && command -v python3 >/dev/null 2>&1; then continue; fi
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "halo setup: missing packages:$missing -- install them with your package manager (this script knows apt-get only)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "halo setup: missing packages:$missing -- run as root or install sudo" >&2
        exit 1
    fi
fi
echo "halo setup: installing$missing" >&2
log=$(mktemp)
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
    echo "halo setup: apt-get failed installing$missing; its last lines:" >&2
    tail -n 15 "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
