#include "partition/stream_stats.h"
#include "core/alloc.h"
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int halo_stream_default_warmup(int n_frames)
{
    int w = n_frames / 10;
    if (w < 1 && n_frames >= 3) w = 1;
    return w > 20 ? 20 : w;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of sorted v[0..n): nearest rank. */
static double percentile(const double *v, int n, double p)
{
    int k = (int)ceil(p / 100.0 * n) - 1;
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

enum halo_status halo_stream_stats(const double *arrival_ms, const double *admit_ms, const double *done_ms, int n,
                                   int warmup, double deadline_ms, struct halo_stream_stats *st)
{
    memset(st, 0, sizeof *st);
    if (n < 1) return halo_error(HALO_ERR_INVALID, "stream statistics: no frame");
    if (warmup < 0) warmup = halo_stream_default_warmup(n);
    if (warmup > n - 1) warmup = n - 1;
    double *lat = halo_malloc((size_t)n, sizeof *lat), *inf = halo_malloc((size_t)n, sizeof *inf),
           *q = halo_malloc((size_t)n, sizeof *q);
    if (!lat || !inf || !q) {
        free(lat);
        free(inf);
        free(q);
        return HALO_ERR_NOMEM;
    }
    enum halo_status status = HALO_OK;
    double sum = 0, qsum = 0;
    for (int i = 0; i < n; i++) {
        double a = arrival_ms ? arrival_ms[i] : 0, m = admit_ms ? admit_ms[i] : a;
        if (!(m >= a && done_ms[i] >= m)) {
            status = halo_error(HALO_ERR_INVALID, "stream statistics: frame %d arrives at %g, is admitted at %g and "
                                                  "done at %g ms: out of order", i, a, m, done_ms[i]);
            break;
        }
        lat[i] = done_ms[i] - a;
        inf[i] = done_ms[i] - m;
        q[i] = m - a;
        sum += lat[i];
        qsum += q[i];
        if (deadline_ms > 0 && lat[i] > deadline_ms) st->deadline_misses++;
    }
    if (status == HALO_OK) {
        st->n_frames = n;
        st->warmup = warmup;
        st->deadline_ms = deadline_ms;
        st->latency_mean_ms = sum / n;
        st->queue_mean_ms = qsum / n;
        double first = arrival_ms ? arrival_ms[0] : 0, last = 0;
        for (int i = 0; i < n; i++)
            if (done_ms[i] > last) last = done_ms[i];
        st->span_ms = last - first;
        /* the steady state: results after the warm-up's last one */
        double *d = halo_malloc((size_t)n, sizeof *d);
        if (!d) status = HALO_ERR_NOMEM;
        if (d) {
            memcpy(d, done_ms, (size_t)n * sizeof *d);
            qsort(d, (size_t)n, sizeof *d, cmp_double);
            int k = n - 1 - warmup; /* intervals in the window */
            double window = d[n - 1] - d[warmup];
            if (k >= 1 && window > 0) st->period_ms = window / k;
            else st->period_ms = n > 0 && st->span_ms > 0 ? st->span_ms / n : 0;
            st->throughput_fps = st->period_ms > 0 ? 1000.0 / st->period_ms : INFINITY;
            free(d);
        }
        qsort(lat, (size_t)n, sizeof *lat, cmp_double);
        qsort(inf, (size_t)n, sizeof *inf, cmp_double);
        qsort(q, (size_t)n, sizeof *q, cmp_double);
        st->latency_p50_ms = percentile(lat, n, 50);
        st->latency_p90_ms = percentile(lat, n, 90);
        st->latency_p99_ms = percentile(lat, n, 99);
        st->latency_max_ms = lat[n - 1];
        st->inference_p50_ms = percentile(inf, n, 50);
        st->queue_p90_ms = percentile(q, n, 90);
        st->queue_max_ms = q[n - 1];
    }
    free(lat);
    free(inf);
    free(q);
    return status;
}

void halo_stream_arrivals(enum halo_arrivals arrivals, double fps, uint64_t seed, int n, double *arrival_ms)
{
    double gap = fps > 0 ? 1000.0 / fps : 0, t = 0;
    struct halo_rng rng;
    halo_rng_seed(&rng, seed);
    for (int f = 0; f < n; f++) {
        if (fps <= 0) {
            arrival_ms[f] = 0;
        } else if (arrivals == HALO_ARRIVALS_PERIODIC) {
            arrival_ms[f] = f * gap; /* no accumulated rounding */
        } else {
            if (f) t += gap * halo_rng_exponential(&rng);
            arrival_ms[f] = t;
        }
    }
}
