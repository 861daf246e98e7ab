#!/bin/sh
# How well the cost model predicts what the runtime measures, on the virtual clock: the
# full sweep of figure 7. A thin wrapper over the spec experiments/specs/runtime_accuracy.sh
# (which `experiments/reproduce.sh` runs with a smaller default sweep): models (resnet50, vgg16)
# x ES counts (1, 2, 4, 8) x bandwidths (50, 200, 1000 Mbps, 0.5 ms per hop) x every planning
# method, the cpu backend, ESs priced by PROFILE (default this host's own profile, measured once and
# cached by the main job) with speeds alternating 1 and 0.5 (so that the plans are heterogeneous),
# then the same sweep priced by FOREIGN (default profiles/cpu-avx512-2t.json, a reference profile of
# another CPU; empty: skipped), so that the two errors stand side by side. One `halo run` job per (model, ES count, bandwidth) runs all methods'
# plans (weights loaded once).
# Writes results/runtime_accuracy.csv (one row per plan: measured median, min and max latency
# beside the prediction; compute and transfer summed over devices beside theirs; provenance),
# results/runtime_accuracy_runs.csv (halo run's per-inference, per-device rows) and
# plots/out/runtime_accuracy.{pdf,png,svg}; the summary (median |measured - predicted| /
# predicted latency, compute vs transfer error, runtime overhead, per model, method, ES count and
# bandwidth) goes to stderr. Takes about 15 minutes per pricing on a 2-core machine.
# usage: experiments/runtime_accuracy.sh [PROFILE.json]
#   PROFILE: the ESs' profile (default: this host's, RESULTS_DIR/host-profile.json, measured when
#   missing or no longer this host's)
# env: HALO_BUILD_DIR or HALO_BIN (the halo binary), RESULTS_DIR, PLOTS_OUT, MODELS, ES_COUNTS,
#      BANDWIDTHS, SPEEDS (default "1 0.5"), LATENCY_MS (default 0.5), REPEAT (default 3), METHODS,
#      FOREIGN (the second pricing; default profiles/cpu-avx512-2t.json, empty: none)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
RA_PROFILE=${1:-}
RA_FOREIGN_PROFILE=${FOREIGN-$root/profiles/cpu-avx512-2t.json}
RA_MODELS=${MODELS:-resnet50 vgg16}
RA_ES_COUNTS=${ES_COUNTS:-1 2 4 8}
RA_BANDWIDTHS=${BANDWIDTHS:-50 200 1000}
RA_SPEEDS=${SPEEDS:-1 0.5}
RA_LATENCY_MS=${LATENCY_MS:-0.5}
RA_REPEAT=${REPEAT:-3}
export RA_PROFILE RA_FOREIGN_PROFILE RA_MODELS RA_ES_COUNTS RA_BANDWIDTHS RA_SPEEDS RA_LATENCY_MS RA_REPEAT
[ -n "${METHODS:-}" ] && export RA_METHODS="$METHODS"
HALO_BIN=${HALO_BIN:-${HALO_BUILD_DIR:-$root/build}/halo}
export HALO_BIN
exec "$root/experiments/reproduce.sh" --no-build runtime_accuracy
