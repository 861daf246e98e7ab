/* link_obs: a frame's measured messages replayed through a link model (link_obs.h). */
#include "partition/link_obs.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>

struct by_post {
    double post;
    int i;
};

static int cmp_post(const void *a, const void *b)
{
    const struct by_post *x = a, *y = b;
    if (x->post != y->post) return x->post < y->post ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

enum halo_status halo_link_predict(const struct halo_link_model *m, int n_dev, const double *lat_ms,
                                   const double *bw_mbps, const double *up_mbps, const double *down_mbps,
                                   struct halo_link_obs *x, int n)
{
    if (!m) m = halo_link_model_default();
    if (n <= 0) return HALO_OK;
    for (int i = 0; i < n; i++) {
        int a = x[i].from, b = x[i].to;
        if (a < 0 || b < 0 || a >= n_dev || b >= n_dev || a == b || !(bw_mbps[a * n_dev + b] > 0) ||
            (up_mbps && !(up_mbps[a] > 0)) || (down_mbps && !(down_mbps[b] > 0)) || x[i].bytes < 0 ||
            !isfinite(x[i].post_ms))
            return halo_error(HALO_ERR_INVALID, "link replay: message %d (%d -> %d, %lld bytes): not a message on a "
                                                "link of %d devices with a rate",
                              i, a, b, (long long)x[i].bytes, n_dev);
    }
    struct by_post *order = halo_malloc((size_t)n, sizeof *order);
    struct halo_link_xfer *xf = halo_calloc((size_t)n, sizeof *xf);
    void *state = halo_malloc(m->state_size(n_dev, n), 1);
    if (!order || !xf || !state) {
        free(order);
        free(xf);
        free(state);
        return HALO_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++) {
        int a = x[i].from, b = x[i].to;
        double bw = bw_mbps[a * n_dev + b];
        order[i] = (struct by_post){x[i].post_ms, i};
        /* the model's contract: access links at least as fast as any pair through them */
        xf[i] = (struct halo_link_xfer){.from = a, .to = b, .bytes = x[i].bytes, .lat_ms = lat_ms[a * n_dev + b],
                                        .bw_mbps = bw, .up_mbps = up_mbps ? fmax(up_mbps[a], bw) : bw,
                                        .down_mbps = down_mbps ? fmax(down_mbps[b], bw) : bw,
                                        .ready_ms = x[i].post_ms, .id = i};
    }
    qsort(order, (size_t)n, sizeof *order, cmp_post);
    m->reset(state, n_dev, n);
    /* the cost model's event loop: submit what is posted by the next event, else visit the event */
    int next = 0, done = 0;
    while (done < n) {
        double t = m->next_end(state);
        if (next == n && !isfinite(t)) break; /* a model that lost a message: said below */
        if (next < n && order[next].post <= t) {
            m->submit(state, &xf[order[next++].i]);
            continue;
        }
        struct halo_link_xfer *e = m->pop(state);
        if (e) {
            x[e->id].pred_ms = e->end_ms;
            done++;
        }
    }
    free(order);
    free(xf);
    free(state);
    if (done < n) return halo_error(HALO_ERR_INTERNAL, "link replay: model %s delivered %d of %d messages", m->name, done, n);
    return HALO_OK;
}

double halo_link_obs_rate(double rate_mbps, double lat_ms, double post_ms, double pred_ms, double recv_ms)
{
    double pred = pred_ms - post_ms - lat_ms, meas = recv_ms - post_ms - lat_ms;
    if (!(pred > 0) || !(meas > 0) || !(rate_mbps > 0)) return -1;
    return rate_mbps * pred / meas;
}
