#!/bin/sh
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer), in
# its own build directory ($HALO_ASAN_BUILD_DIR, default build-asan). Fails when a test fails or
# when any process (a test, or a halo a test script ran) reported a sanitizer error, even one
# whose exit status a script ignored. Extra arguments go to ctest (tests/run_sanitized.sh -R plan).
#
# Leaks inside third-party libraries (oneDNN, OpenMP, hwloc, MPI, CUDA) are suppressed by
# tests/lsan.supp; halo's own code is never suppressed. Tests read HALO_SANITIZE=1 to use a smaller
# workload where ASan's slowdown would make them take minutes; what they assert is unchanged.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALO_ASAN_BUILD_DIR:-$root/build-asan}
"$root/tools/setup.sh"
# Without CUDA: linking the CUDA libraries makes every sanitized process start in half a second
# instead of 40 ms (their initialisers under ASan), which doubled this suite's time, and nvcc
# doubled the build. The cuda backend's host code is checked against its emulation by the
# ordinary suite (test_backend_cuda_emu).
HALO_BUILD_DIR=$build "$root/tools/build.sh" -DHALO_SANITIZE=ON -DHALO_WITH_CUDA=OFF

logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# exitcode 86: a sanitizer report never passes for a test's expected exit status 1 or 2.
# allocator_may_return_null: halo checks every allocation; a huge request must fail as malloc does.
common="exitcode=86:log_path=$logs/report:print_summary=1"
# A leak is matched to a library by the frames of its allocation stack, so that library must still
# be mapped at exit; Open MPI and hwloc unload their plugins first, leaving frames of an unknown
# module that no suppression matches. tests/asan_nodlclose.c, preloaded, keeps them mapped (the
# slow unwinder, fast_unwind_on_malloc=0, would see past them too, at ten times the run time).
# verify_asan_link_order=0: the shim comes before libasan in the load order, which is harmless.
shim=$build/asan_nodlclose.so
if ! cc -shared -fPIC -O2 -o "$shim" "$root/tests/asan_nodlclose.c"; then
    echo "halo sanitized tests: cannot build $shim" >&2
    exit 1
fi
export LD_PRELOAD="$shim${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="$common:detect_leaks=1:allocator_may_return_null=1:strict_string_checks=1:verify_asan_link_order=0"
export UBSAN_OPTIONS="$common:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="$common:suppressions=$root/tests/lsan.supp:print_suppressions=0"
export HALO_SANITIZE=1

cd "$build"
status=0
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@" || status=$?
reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
    echo "halo sanitized tests: sanitizer reports (one file per process):" >&2
    for r in $reports; do
        echo "==== $r" >&2
        head -n 60 "$r" >&2
    done
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "halo sanitized tests: FAILED" >&2
    exit 1
fi
echo "halo sanitized tests: all passed, no sanitizer reports"
