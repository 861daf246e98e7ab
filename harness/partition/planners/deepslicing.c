/* DeepSlicing — Zhang, Zhang, Wu, Chen, Shen, Xiao, "DeepSlicing: Collaborative and adaptive CNN
 * inference with low latency", IEEE TPDS 32(9), 2021.
 * [paper] Partitions both the model and the data; a Proportional Synchronized Scheduler (PSS)
 *   trades computation against synchronisation; ResNet and GoogLeNet on 8 heterogeneous
 *   Raspberry Pis, up to 5.79x lower latency.
 * [reconstructed] (docs/METHODS.md) Synchronisation points at a fixed set of stage boundaries: after
 *   every stage that downsamples (jump J > 1), where the tensor is smallest within its resolution
 *   (halo_planner_downsampling_cuts). Each synchronised block's output rows are split in
 *   proportion to each device's measured speed (largest remainder: a device whose share rounds to
 *   nothing sits the block out): first its predicted ms for the whole block, then,
 *   iteratively, rows / (finish - block start) read off the simulated timeline (PSS), until the
 *   sum over blocks of max - min finish time stops decreasing; the iterate with the lowest
 *   predicted latency is kept. All data passes through the source at every sync point (gather).
 *   Every ES takes part; the tail runs on the device with the lowest simulated latency. */
#include "core/alloc.h"
#include "partition/planner.h"
#include "partition/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PSS_MAX_ITERATIONS 40

struct ds {
    const struct halo_planner_ctx *ctx;
    int n;         /* ESs */
    const int *es; /* cluster indices, row order */
    int nb;        /* blocks */
    const int *cuts;
    double *w;     /* [block][es] speed weights */
    int *h, *dev;
    struct halo_rect *rects;
};

/* The plan for the current weights, simulated, tail placed. */
static enum halo_status build(struct ds *d, struct halo_plan **out)
{
    const struct halo_graph *g = d->ctx->g;
    struct halo_plan *p;
    HALO_TRY(halo_planner_plan_new(d->ctx, "deepslicing", d->es, d->n, &p));
    enum halo_status st = HALO_OK;
    for (int b = 0; b < d->nb && st == HALO_OK; b++) {
        int s0 = d->cuts[b], s1 = d->cuts[b + 1];
        struct halo_shape o = g->nodes[g->stages[s1 - 1].last - 1].out_shape;
        halo_split_apportion(o.h, d->w + (size_t)b * d->n, d->n, 0, HALO_SHARE_SCALED, d->h);
        int np = 0, y = 0;
        for (int e = 0; e < d->n; e++) {
            if (d->h[e] <= 0) continue;
            d->dev[np] = e + 1;
            d->rects[np++] = (struct halo_rect){y, y + d->h[e], 0, o.w};
            y += d->h[e];
        }
        st = halo_plan_add_block(p, g, s0, s1, HALO_TILE_EXACT, true, np, d->dev, d->rects);
    }
    if (st == HALO_OK) st = halo_planner_finish(d->ctx, p, d->es, 1);
    if (st == HALO_OK) st = halo_planner_best_tail(d->ctx, p, d->es, true);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

/* PSS step: sum over blocks of max - min finish; the new weights = rows / time since the block's
 * sync point (devices without rows keep theirs). */
static double pss_update(struct ds *d, const struct halo_plan *p)
{
    double spread = 0;
    for (int b = 0; b < p->n_blocks; b++) {
        const struct halo_plan_block *bl = &p->block[b];
        double t0 = INFINITY, lo = INFINITY, hi = 0;
        for (int k = 0; k < bl->n_parts; k++) {
            double s, e;
            halo_planner_part_times(p, b, k, &s, &e);
            if (s < t0) t0 = s;
            if (e < lo) lo = e;
            if (e > hi) hi = e;
        }
        spread += hi - lo;
        for (int k = 0; k < bl->n_parts; k++) {
            double s, e;
            halo_planner_part_times(p, b, k, &s, &e);
            if (e - t0 > 0) d->w[(size_t)b * d->n + bl->part[k].device - 1] = halo_rect_h(bl->part[k].out) / (e - t0);
        }
    }
    return spread;
}

enum halo_status halo_plan_deepslicing(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    struct ds d = {.ctx = ctx};
    int *es = halo_malloc((size_t)c->n, sizeof *es), *cuts = halo_malloc((size_t)g->n_spatial + 1, sizeof *cuts);
    d.h = halo_malloc((size_t)c->n, sizeof *d.h);
    d.dev = halo_malloc((size_t)c->n, sizeof *d.dev);
    d.rects = halo_malloc((size_t)c->n, sizeof *d.rects);
    enum halo_status st = es && cuts && d.h && d.dev && d.rects ? HALO_OK : HALO_ERR_NOMEM;
    d.n = st == HALO_OK ? halo_planner_es_order(ctx, es) : 0;
    if (st == HALO_OK && d.n == 0) st = halo_error(HALO_ERR_INVALID, "deepslicing: no edge server can compute %s", g->name);
    if (st == HALO_OK) {
        d.es = es;
        d.nb = halo_planner_downsampling_cuts(g, cuts) - 1;
        d.cuts = cuts;
        d.w = halo_malloc((size_t)d.nb * d.n, sizeof *d.w);
        if (!d.w) st = HALO_ERR_NOMEM;
    }
    for (int b = 0; b < d.nb && st == HALO_OK; b++) {
        const struct halo_stage *s0 = &g->stages[cuts[b]], *s1 = &g->stages[cuts[b + 1] - 1];
        struct halo_rect full = halo_rect_full(g->nodes[s1->last - 1].out_shape);
        for (int e = 0; e < d.n; e++) {
            double ms = halo_planner_rect_ms(ctx, es[e], s0->first, s1->last, full, HALO_TILE_EXACT);
            d.w[(size_t)b * d.n + e] = ms > 0 && isfinite(ms) ? 1 / ms : 0;
        }
    }
    struct halo_plan *best = NULL;
    double best_spread = INFINITY;
    int iterations = 0;
    for (int it = 0; it < PSS_MAX_ITERATIONS && st == HALO_OK; it++) {
        struct halo_plan *p = NULL;
        st = build(&d, &p);
        if (st != HALO_OK) break;
        iterations++;
        double spread = pss_update(&d, p);
        if (!best || p->total_ms < best->total_ms) {
            halo_plan_free(best);
            best = p;
        } else {
            halo_plan_free(p);
        }
        if (spread >= best_spread - 1e-9) break;
        best_spread = spread;
    }
    if (st == HALO_OK) {
        char notes[512];
        snprintf(notes, sizeof notes,
                 "deepslicing: lossless; %d blocks synchronised after the downsampling stages, all data through the "
                 "source; PSS rows in proportion to measured speed, %d iterations on the simulated timeline; tail "
                 "on %s [reconstructed]",
                 d.nb, iterations, best->dev[best->tail.device].name);
        best->notes = halo_strdup(notes);
        if (!best->notes) st = HALO_ERR_NOMEM;
    }
    free(es);
    free(cuts);
    free(d.w);
    free(d.h);
    free(d.dev);
    free(d.rects);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    *out = best;
    return HALO_OK;
}
