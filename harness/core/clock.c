#define _POSIX_C_SOURCE 200809L
#include "core/clock.h"
#include "core/status.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

double halo_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

void halo_sleep_ms(double ms)
{
    if (ms <= 0) return;
    struct timespec ts = {(time_t)(ms / 1e3), (long)(fmod(ms, 1e3) * 1e6)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct halo_stats halo_stats_of(double *v, size_t n)
{
    HALO_ASSERT(n >= 1);
    qsort(v, n, sizeof *v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    size_t rank90 = (size_t)ceil(0.9 * (double)n);
    struct halo_stats s = {
        .min = v[0],
        .median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]),
        .p90 = v[rank90 ? rank90 - 1 : 0],
        .max = v[n - 1],
        .mean = sum / (double)n,
    };
    return s;
}
