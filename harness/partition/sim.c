#include "partition/sim.h"
#include "core/alloc.h"
#include "partition/timeline.h"

#include <math.h>
#include <stdlib.h>

enum halo_status halo_sim_device_map(const struct halo_plan *p, const struct halo_cluster *c, int *dev_map)
{
    for (int k = 0; k < p->n_dev; k++) {
        dev_map[k] = halo_cluster_find(c, p->dev[k].name);
        if (dev_map[k] < 0)
            return halo_error(HALO_ERR_INVALID, "plan device '%s' is not in cluster %s", p->dev[k].name, c->path);
    }
    return HALO_OK;
}

void halo_sim_bandwidths(const struct halo_plan *p, const struct halo_cluster *c, const struct halo_channel *ch,
                         const int *dev_map, uint64_t seed, uint64_t draw, double *bw, double *cap)
{
    int n = p->n_dev;
    if (ch->model == HALO_CHANNEL_STATIC) {
        for (int i = 0; i < n * n; i++) bw[i] = p->bw_mbps[i];
        if (cap) halo_link_caps(p, NULL, NULL, cap, cap + n);
        return;
    }
    double *up = malloc((size_t)c->n * 2 * sizeof *up);
    HALO_ASSERT(up);
    double *down = up + c->n;
    halo_channel_sample(ch, c, seed, draw, up, down);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double u = up[dev_map[a]], d = down[dev_map[b]];
            bw[a * n + b] = u < d ? u : d;
        }
    for (int k = 0; cap && k < n; k++) {
        cap[k] = up[dev_map[k]];
        cap[n + k] = down[dev_map[k]];
    }
    free(up);
}

int halo_sim_size_index(uint64_t seed, uint64_t draw, int n_sizes)
{
    if (n_sizes <= 1) return 0;
    struct halo_rng r;
    halo_channel_rng(&r, seed, draw, 1u << 30); /* a stream no device uses */
    return halo_rng_int(&r, 0, n_sizes - 1);
}

enum halo_status halo_sim_run(struct halo_plan *const *plans, int *const *dev_maps, int n_sizes,
                              const struct halo_cluster *c, const struct halo_channel *ch, uint64_t seed, int64_t n,
                              double *latency_ms)
{
    return halo_sim_run_from(plans, dev_maps, n_sizes, c, ch, seed, 0, n, latency_ms);
}

enum halo_status halo_sim_run_from(struct halo_plan *const *plans, int *const *dev_maps, int n_sizes,
                                   const struct halo_cluster *c, const struct halo_channel *ch, uint64_t seed,
                                   int64_t first, int64_t n, double *latency_ms)
{
    int maxd = 0;
    for (int s = 0; s < n_sizes; s++)
        if (plans[s]->n_dev > maxd) maxd = plans[s]->n_dev;
    double *bw = halo_malloc((size_t)maxd * maxd + 2 * (size_t)maxd, sizeof *bw);
    if (!bw) return HALO_ERR_NOMEM;
    double *cap = bw + (size_t)maxd * maxd;
    enum halo_status st = HALO_OK;
    for (int64_t i = 0; i < n && st == HALO_OK; i++) {
        uint64_t draw = (uint64_t)(first + i);
        int s = halo_sim_size_index(seed, draw, n_sizes);
        halo_sim_bandwidths(plans[s], c, ch, dev_maps[s], seed, draw, bw, cap);
        /* a plan that rotates over variants runs draw i on variant i (its frame i) */
        int v = (int)(draw % (uint64_t)(1 + plans[s]->n_rot));
        struct halo_plan *p = v ? plans[s]->rot[v - 1] : plans[s];
        st = halo_plan_timeline(p, bw, cap, false, &latency_ms[i]);
    }
    free(bw);
    return st;
}

void halo_wilson(int64_t failures, int64_t n, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    const double z = 1.959963984540054;
    double p = (double)failures / (double)n, z2n = z * z / (double)n;
    double center = (p + z2n / 2) / (1 + z2n);
    double half = z * sqrt(p * (1 - p) / (double)n + z2n / (4 * (double)n)) / (1 + z2n);
    *lo = center - half < 0 ? 0 : center - half;
    *hi = center + half > 1 ? 1 : center + half;
}
