/* MoDNN — Mao, Chen, Nixon, Krieger, Chen, "MoDNN: Local distributed mobile computing system for
 * deep neural network", DATE 2017.
 * [paper] Layer-by-layer distribution over mobile devices: every layer is scattered from and
 *   gathered at a group owner. BODP (Biased One-Dimensional Partition) cuts a conv layer's
 *   output along one spatial axis, biased by each device's computing capability; MSCC (Modified
 *   Spectral Co-Clustering) splits the FC layers.
 * [reconstructed] (docs/METHODS.md) Every spatial stage (a VGG layer, a ResNet residual block) is
 *   its own block; the group owner is the source: after every block each ES sends its rows to the
 *   source (gather), which sends each ES the part of its next input rect it did not compute (the
 *   receptive field beyond its own rows) for the next block. BODP = rows of each stage in proportion to each ES's capacity on that stage (1 / its
 *   predicted ms for the whole stage; largest remainder, so a share that rounds to nothing is 0
 *   rows). Every ES takes part (MoDNN has no subset selection). The
 *   FC layers are NOT split (no MSCC): the tail (global pool, FC) runs on one device, the one
 *   with the lowest simulated latency among the source (when it can compute) and the ESs. */
#include "core/alloc.h"
#include "partition/planner.h"
#include "partition/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* BODP: rows of stage s in proportion to each ES's capacity on it; parts with rows only. */
static enum halo_status add_bodp_block(const struct halo_planner_ctx *ctx, struct halo_plan *p, const int *es, int n,
                                       int s, double *w, int *h, int *dev, struct halo_rect *rects)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_stage *st = &g->stages[s];
    struct halo_shape o = g->nodes[st->last - 1].out_shape;
    for (int e = 0; e < n; e++) {
        double ms = halo_planner_rect_ms(ctx, es[e], st->first, st->last, halo_rect_full(o), HALO_TILE_EXACT);
        w[e] = ms > 0 && isfinite(ms) ? 1 / ms : 0;
    }
    halo_split_apportion(o.h, w, n, 0, HALO_SHARE_SCALED, h);
    int np = 0, y = 0;
    for (int e = 0; e < n; e++) {
        if (h[e] <= 0) continue;
        dev[np] = e + 1;
        rects[np++] = (struct halo_rect){y, y + h[e], 0, o.w};
        y += h[e];
    }
    return halo_plan_add_block(p, g, s, s + 1, HALO_TILE_EXACT, true, np, dev, rects);
}

enum halo_status halo_plan_modnn(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    int *es = halo_malloc((size_t)c->n, sizeof *es), *h = halo_malloc((size_t)c->n, sizeof *h);
    int *dev = halo_malloc((size_t)c->n, sizeof *dev);
    double *w = halo_malloc((size_t)c->n, sizeof *w);
    struct halo_rect *rects = halo_malloc((size_t)c->n, sizeof *rects);
    struct halo_plan *p = NULL;
    enum halo_status st = es && h && dev && w && rects ? HALO_OK : HALO_ERR_NOMEM;
    int n = st == HALO_OK ? halo_planner_es_order(ctx, es) : 0;
    if (st == HALO_OK && n == 0) st = halo_error(HALO_ERR_INVALID, "modnn: no edge server can compute %s", g->name);
    if (st == HALO_OK) st = halo_planner_plan_new(ctx, "modnn", es, n, &p);
    for (int s = 0; s < g->n_spatial && st == HALO_OK; s++) st = add_bodp_block(ctx, p, es, n, s, w, h, dev, rects);
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, es, 1);
    if (st == HALO_OK) st = halo_planner_best_tail(ctx, p, es, true);
    if (st == HALO_OK) {
        char notes[512];
        snprintf(notes, sizeof notes,
                 "modnn: lossless; layer-by-layer: each of the %d spatial stages is a block scattered from and "
                 "gathered at the source (group owner); BODP rows in proportion to each ES's capacity per stage; "
                 "FC layers not split (no MSCC): the tail (pool, FC) runs on %s alone [reconstructed]",
                 g->n_spatial, p->dev[p->tail.device].name);
        p->notes = halo_strdup(notes);
        if (!p->notes) st = HALO_ERR_NOMEM;
    }
    free(es);
    free(h);
    free(dev);
    free(w);
    free(rects);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}
