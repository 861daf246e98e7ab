/* profiler: measures a platform with a backend — per layer of each model its time (min, median,
 * p90 after warm-up) on the whole tensor and on strips of several heights, the implementation
 * that ran, whole-network latency — and records the platform (topology, versions, threads, ISA
 * cap, commit, date) and its ceilings (peak FLOP/s, bandwidth per level) into a profile, then fits
 * the analytical model. */
#ifndef HALO_PROFILER_H
#define HALO_PROFILER_H

#include <stdbool.h>
#include <stdint.h>

#include "profile/profile.h"

struct halo_profiler_opts {
    const char *backend;       /* "cpu", "cuda", "ref" */
    int threads;               /* 0: the cores of the process's cpuset */
    int warmup, repeat;        /* runs discarded, runs timed (>= 1) */
    int h, w;                  /* input size */
    const double *fractions;   /* tile heights as fractions of each layer's output rows, in (0, 1] */
    int n_fractions;
    uint64_t seed;             /* weights and inputs */
    const char *name;          /* profile name */
    bool ceilings;             /* also measure the platform's ceilings (backends that have none: skipped) */
    bool quick_ceilings;       /* ... with the backend's quick sizes */
    /* progress in [0, 1] with a label, or NULL */
    void (*progress)(void *arg, double done, const char *label);
    void *progress_arg;
};

/* Measures models[0..n) and returns a fitted profile. */
enum halo_status halo_profile_measure(const struct halo_profiler_opts *o, char *const *models, int n,
                                      struct halo_profile **out);

#endif
