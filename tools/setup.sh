#!/bin/sh
# Installs what halo's build, tests and experiments need on Debian 12, only what is missing.
# Idempotent and quiet (prints nothing when everything is there). Run by experiments/reproduce.sh
# and tests/run.sh; safe to run by hand.
#
# usage: tools/setup.sh [--ci] [--list | --table]
#   --ci     also what the CI's fresh-root check needs (tools/ci_fresh_root.sh: debootstrap)
#   --list   print every requirement, its package and whether it is there; install nothing
#   --table  print the requirement table itself (tools/build.sh reads it to name packages)
#
# What is missing is decided by probing for what the build and the tests use (a header, a
# library, a program, a python module), not by package names: a package name says nothing about
# what a differently set-up machine already has, and a list of names kept apart from the probes
# drifts from what the build needs. Every Debian package is installed with --no-install-recommends,
# so everything needed is in the table itself, never pulled in by a Recommends.
set -eu

# One row per requirement: GROUP KIND PROBE PACKAGE WHAT-NEEDS-IT
#   GROUP   build (configure and compile) | test (ctest, tests/run_*.sh, experiments) | ci (--ci only)
#   KIND    cmd NAME      a program on PATH
#           header NAME   a C header in /usr/include, /usr/local/include or /usr/include/<multiarch>
#           lib NAME      a linkable libNAME.so (a -dev package's link) in /usr/lib[/<multiarch>], /usr/local/lib
#           file GLOB     any file matching the absolute pattern
#           pymod A,B     python3 can import A and B
#   PACKAGE a Debian package, or pip:NAME for a test-only module from PyPI. Debian packages are
#           required: set-up fails when one cannot be installed. pip: modules are installed with
#           pip --user; when that fails set-up only warns, as the tests that import them SKIP.
#           Example: test pymod safetensors pip:safetensors  tests that read reference files
halo_requirements() {
    cat <<'EOF'
build cmd    cc                                 build-essential     the C compiler
build cmd    make                               build-essential     cmake's Makefile generator
build file   /usr/lib/gcc/*/*/include/omp.h     libgcc-12-dev       OpenMP, which Debian's oneDNN runs on
build cmd    cmake                              cmake               configure and build; ctest runs the tests
build cmd    pkg-config                         pkg-config          cmake finds libpng, libjpeg and hwloc through it
build cmd    git                                git                 the commit stamped into every binary and result
build header cjson/cJSON.h                      libcjson-dev        every JSON file halo reads and writes
build lib    cjson                              libcjson-dev        every JSON file halo reads and writes
build header png.h                              libpng-dev          halo infer --image (PNG)
build lib    png                                libpng-dev          halo infer --image (PNG)
build header jpeglib.h                          libjpeg-dev         halo infer --image (JPEG)
build lib    jpeg                               libjpeg-dev         halo infer --image (JPEG)
build header dnnl.h                             libdnnl-dev         the cpu backend (oneDNN)
build lib    dnnl                               libdnnl-dev         the cpu backend (oneDNN)
build header hwloc.h                            libhwloc-dev        topology and thread binding
build lib    hwloc                              libhwloc-dev        topology and thread binding
build cmd    mpicc                              libopenmpi-dev      cmake finds MPI through mpicc (halo run)
build file   /usr/lib/*/openmpi/include/mpi.h   libopenmpi-dev      the MPI runtime (halo run)
build header protobuf-c/protobuf-c.h           libprotobuf-c-dev   the ONNX importer (protobuf-c runtime)
build lib    protobuf-c                        libprotobuf-c-dev   the ONNX importer (protobuf-c runtime)
build cmd    protoc-c                          protobuf-c-compiler the ONNX importer: C code generated from onnx.proto at build time
build file   /usr/include/onnx/onnx.proto      libonnx-dev         the ONNX importer: the format's definition
test  cmd    mpirun                             openmpi-bin         tests and experiments that launch ranks
test  cmd    python3                            python3             test scripts and experiments/tools
test  pymod  argparse,csv,json,statistics,struct,subprocess,zlib python3 modules the test scripts and experiments import
test  cmd    gnuplot                            gnuplot-nox         the figures (reproduce.sh, test_reproduce_quick)
test  cmd    clang                              clang               tests/run_fuzz.sh (libFuzzer)
test  file   /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a libclang-rt-14-dev clang's libFuzzer and sanitizer runtimes
test  cmd    valgrind                           valgrind            test_valgrind
test  cmd    ip                                 iproute2            test_netns, tools/netns_cluster.sh: network namespaces, veths, a bridge
test  cmd    tc                                 iproute2            test_netns, tools/netns_cluster.sh: tbf shaping of each host's links
test  file   /usr/share/libonnx-testdata/data/node libonnx-testdata test_onnx_nodes: ONNX's own node tests
test  pymod  numpy                             pip:numpy           test_onnx_nets, tools/export_onnx.py
test  pymod  onnx                              pip:onnx            test_onnx_nets, tools/export_onnx.py, tests/bad_inputs/make_onnx.py
test  pymod  onnxruntime                       pip:onnxruntime     test_onnx_nets: logits against ONNX Runtime
ci    cmd    debootstrap                        debootstrap         tools/ci_fresh_root.sh builds a clean Debian root
EOF
}

# halo_probe KIND PROBE: is the requirement met?
halo_probe() {
    case $1 in
    cmd) command -v "$2" >/dev/null 2>&1 ;;
    header)
        for d in /usr/include /usr/local/include /usr/include/*-linux-*; do
            [ -e "$d/$2" ] && return 0
        done
        return 1 ;;
    lib)
        for d in /usr/lib/*-linux-* /usr/lib /usr/lib64 /usr/local/lib; do
            [ -e "$d/lib$2.so" ] && return 0
        done
        return 1 ;;
    file)
        for f in $2; do # the pattern expands here
            [ -e "$f" ] && return 0
        done
        return 1 ;;
    pymod) command -v python3 >/dev/null 2>&1 && python3 -c "import $2" >/dev/null 2>&1 ;;
    *) echo "halo setup: unknown requirement kind '$1'" >&2; return 2 ;;
    esac
}

groups="build test"
mode=install
for a in "$@"; do
    case $a in
    --ci) groups="$groups ci" ;;
    --list) mode=list ;;
    --table) mode=table ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "halo setup: unknown option '$a' (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$mode" = table ]; then
    halo_requirements
    exit 0
fi

# Probes every requirement of the chosen groups; sets apt (Debian packages to install), pip
# (PyPI modules), and missing_apt / missing_pip ("probe (package)" per unmet requirement).
halo_scan() {
    apt="" pip="" missing_apt="" missing_pip=""
    while read -r group kind probe pkg what; do
        case " $groups " in *" $group "*) ;; *) continue ;; esac
        if halo_probe "$kind" "$probe"; then
            [ "$mode" = list ] && printf '  ok       %-6s %-7s %-40s %-20s %s\n' "$group" "$kind" "$probe" "$pkg" "$what"
            continue
        fi
        [ "$mode" = list ] && printf '  MISSING  %-6s %-7s %-40s %-20s %s\n' "$group" "$kind" "$probe" "$pkg" "$what"
        case $pkg in
        pip:*)
            missing_pip="$missing_pip $probe ($pkg),"
            case " $pip " in *" ${pkg#pip:} "*) ;; *) pip="$pip ${pkg#pip:}" ;; esac ;;
        *)
            missing_apt="$missing_apt $probe ($pkg),"
            case " $apt " in *" $pkg "*) ;; *) apt="$apt $pkg" ;; esac ;;
        esac
    done <<EOF
$(halo_requirements)
EOF
    missing_apt=${missing_apt%,} missing_pip=${missing_pip%,}
}

halo_scan
if [ "$mode" = list ]; then
    [ -z "$apt$pip" ] || { echo "halo setup: to install:$apt$pip"; exit 1; }
    exit 0
fi
[ -z "$apt$pip" ] && exit 0

# pip needs pip itself, from Debian
if [ -n "$pip" ] && ! python3 -m pip --version >/dev/null 2>&1; then
    apt="$apt python3-pip"
fi

if [ -n "$apt" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "halo setup: missing:$missing_apt -- install the Debian packages$apt or their equivalents (this script knows apt-get only)" >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            echo "halo setup: missing:$missing_apt" >&2
            echo "halo setup: run this as root (or install sudo), or as root: apt-get install --no-install-recommends$apt" >&2
            exit 1
        fi
    fi
    if [ "$(printf '%s' "$missing_apt" | tr -cd ',' | wc -c)" -lt 6 ]; then
        echo "halo setup: installing$apt (missing:$missing_apt)" >&2
    else
        echo "halo setup: installing$apt" >&2
    fi
    log=$(mktemp)
    # Lock::Timeout: a fresh machine is often running unattended-upgrades when set-up starts
    if ! { $SUDO apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
               -o DPkg::Lock::Timeout=300 $apt; } >"$log" 2>&1; then
        echo "halo setup: apt-get failed installing$apt; its last lines:" >&2
        tail -n 15 "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
fi

if [ -n "$pip" ]; then
    # --user: never into Debian's own /usr (which is why pip needs --break-system-packages on
    # Debian 12); python3 finds the user's site-packages by itself.
    # One at a time: a module that cannot be had does not keep the others out.
    log=$(mktemp)
    echo "halo setup: installing from PyPI:$pip" >&2
    for m in $pip; do
        if ! python3 -m pip install --user --quiet --disable-pip-version-check --break-system-packages "$m" >"$log" 2>&1; then
            echo "halo setup: warning: pip could not install $m; its last lines:" >&2
            tail -n 3 "$log" >&2
        fi
    done
    rm -f "$log"
fi

# What an install did not bring is a wrong row in the table above (or a broken package): say so.
halo_scan
[ -n "$pip" ] && echo "halo setup: warning: still missing:$missing_pip (the tests that need them will SKIP)" >&2
if [ -n "$apt" ]; then
    echo "halo setup: still missing after apt-get install:$missing_apt" >&2
    exit 1
fi
exit 0
