/* clock: monotonic time in milliseconds, and summary statistics of repeated timings. */
#ifndef HALO_CLOCK_H
#define HALO_CLOCK_H

#include <stddef.h>

/* Monotonic clock (CLOCK_MONOTONIC), milliseconds. */
double halo_now_ms(void);

/* Sleeps for ms milliseconds (no-op for ms <= 0). */
void halo_sleep_ms(double ms);

struct halo_stats {
    double min, median, p90, max, mean;
};

/* Statistics of n samples (n >= 1); sorts `v` in place. p90 is the nearest-rank 90th percentile. */
struct halo_stats halo_stats_of(double *v, size_t n);

#endif
