/* AOFL — Zhou, Wang, Chen, Liu, "Adaptive parallel execution of deep neural networks on
 * heterogeneous edge devices", ACM/IEEE SEC 2019.
 * [paper] Several fused blocks of layers, each split spatially across devices, with the degree of
 *   parallelism (how many devices) chosen per block from linear models of the devices' compute
 *   and of the network. 1.9-3.7x on 8 Raspberry Pis.
 * [reconstructed] (docs/METHODS.md) Device model: the profile's pricer on each part's exact rows (its
 *   measured per-layer times where it has them, else the fit: overhead + FLOPs / effective
 *   capacity, with the thin-tile penalty); network model: latency +
 *   bytes / bandwidth. Fused blocks exchange data through the source (gather after every block,
 *   as a star), which makes blocks independent: a dynamic programme over block ends j and, per
 *   block [i, j), the degree of parallelism k (the k fastest ESs, rows in proportion to each
 *   one's capacity on the block): T[j] = min over i < j, k of T[i] + C(i, j, k), with C = the
 *   source sending each ES its whole input rect one after another, the ESs computing, and the
 *   source receiving the outputs one after another. The tail runs on the device with the lowest
 *   simulated latency (the source when it can compute, or an ES). */
#include "core/alloc.h"
#include "partition/planner.h"
#include "partition/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct aofl {
    const struct halo_planner_ctx *ctx;
    const int *es;
    int n;
    double *w, *fin;
    int *h;
};

/* Rows of block [i, j) for its k fastest ESs in proportion to capacity (h[0..k)). */
static void split_block(struct aofl *a, int i, int j, int k)
{
    const struct halo_graph *g = a->ctx->g;
    int first = g->stages[i].first, last = g->stages[j - 1].last;
    struct halo_shape o = g->nodes[last - 1].out_shape;
    for (int e = 0; e < k; e++) {
        double ms = halo_planner_rect_ms(a->ctx, a->es[e], first, last, halo_rect_full(o), HALO_TILE_EXACT);
        a->w[e] = ms > 0 && isfinite(ms) ? 1 / ms : 0;
    }
    halo_split_apportion(o.h, a->w, k, 0, HALO_SHARE_SCALED, a->h);
}

/* C(i, j, k): scatter from the source, compute, gather at the source (linear models). */
static double block_cost(struct aofl *a, int i, int j, int k)
{
    const struct halo_planner_ctx *ctx = a->ctx;
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    int first = g->stages[i].first, last = g->stages[j - 1].last;
    struct halo_shape o = g->nodes[last - 1].out_shape;
    int c_in = halo_graph_tensor_shape(g, first - 1).c;
    if (k > o.h) return INFINITY;
    split_block(a, i, j, k);
    double up = 0;
    int y = 0;
    for (int e = 0; e < k; e++) {
        a->fin[e] = -1;
        if (a->h[e] <= 0) continue;
        struct halo_rect r = {y, y + a->h[e], 0, o.w};
        y += a->h[e];
        struct halo_tile t;
        if (halo_tile_build(g, first, last, r, HALO_TILE_EXACT, &t) != HALO_OK) {
            halo_error_clear();
            return INFINITY;
        }
        up += halo_cluster_transfer_ms(c, c->source, a->es[e], halo_wire_bytes(first - 1, c_in, halo_rect_area(t.in)));
        halo_tile_free(&t);
        a->fin[e] = up + halo_planner_rect_ms(ctx, a->es[e], first, last, r, HALO_TILE_EXACT);
    }
    /* the source's downlink takes the outputs in the order they finish */
    double down = 0;
    for (int m = 0; m < k; m++) {
        int next = -1;
        for (int e = 0; e < k; e++)
            if (a->fin[e] >= 0 && (next < 0 || a->fin[e] < a->fin[next])) next = e;
        if (next < 0) break;
        down = (down > a->fin[next] ? down : a->fin[next]) +
               halo_cluster_transfer_ms(c, a->es[next], c->source, 4 * (int64_t)o.c * a->h[next] * o.w);
        a->fin[next] = -1;
    }
    return down;
}

enum halo_status halo_plan_aofl(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    int S = g->n_spatial;
    struct aofl a = {.ctx = ctx};
    int *es = halo_malloc((size_t)c->n, sizeof *es), *from = halo_malloc((size_t)S + 1, sizeof *from);
    int *dop = halo_malloc((size_t)S + 1, sizeof *dop), *cuts = halo_malloc((size_t)S + 1, sizeof *cuts);
    double *T = halo_malloc((size_t)S + 1, sizeof *T);
    a.w = halo_malloc((size_t)c->n, sizeof *a.w);
    a.fin = halo_malloc((size_t)c->n, sizeof *a.fin);
    a.h = halo_malloc((size_t)c->n, sizeof *a.h);
    int *dev = halo_malloc((size_t)c->n, sizeof *dev);
    struct halo_rect *rects = halo_malloc((size_t)c->n, sizeof *rects);
    enum halo_status st = es && from && dop && cuts && T && a.w && a.fin && a.h && dev && rects ? HALO_OK : HALO_ERR_NOMEM;
    a.n = st == HALO_OK ? halo_planner_es_order(ctx, es) : 0;
    a.es = es;
    if (st == HALO_OK && a.n == 0) st = halo_error(HALO_ERR_INVALID, "aofl: no edge server can compute %s", g->name);
    struct halo_plan *p = NULL;
    if (st == HALO_OK) {
        /* the DP over block ends, each block with its own degree of parallelism */
        T[0] = 0;
        for (int j = 1; j <= S; j++) {
            T[j] = INFINITY;
            for (int i = 0; i < j; i++)
                for (int k = 1; k <= a.n; k++) {
                    double t = T[i] + block_cost(&a, i, j, k);
                    if (t < T[j]) {
                        T[j] = t;
                        from[j] = i;
                        dop[j] = k;
                    }
                }
        }
        if (!isfinite(T[S])) st = halo_error(HALO_ERR_INVALID, "aofl: no block partition of %s is feasible", g->name);
    }
    int nc = 0;
    if (st == HALO_OK) {
        for (int j = S; j > 0; j = from[j]) cuts[nc++] = j;
        cuts[nc++] = 0;
        for (int x = 0; x < nc / 2; x++) {
            int t = cuts[x];
            cuts[x] = cuts[nc - 1 - x];
            cuts[nc - 1 - x] = t;
        }
        /* the plan holds the ESs some block uses: the k fastest for the largest k chosen */
        int k_max = 1;
        for (int b = 1; b < nc; b++)
            if (dop[cuts[b]] > k_max) k_max = dop[cuts[b]];
        a.n = k_max;
        st = halo_planner_plan_new(ctx, "aofl", es, a.n, &p);
    }
    char dops[256] = "";
    for (int b = 0; b + 1 < nc && st == HALO_OK; b++) {
        int i = cuts[b], j = cuts[b + 1], k = dop[j];
        split_block(&a, i, j, k);
        struct halo_shape o = g->nodes[g->stages[j - 1].last - 1].out_shape;
        int np = 0, y = 0;
        for (int e = 0; e < k; e++) {
            if (a.h[e] <= 0) continue;
            dev[np] = e + 1;
            rects[np++] = (struct halo_rect){y, y + a.h[e], 0, o.w};
            y += a.h[e];
        }
        st = halo_plan_add_block(p, g, i, j, HALO_TILE_EXACT, true, np, dev, rects);
        size_t len = strlen(dops);
        snprintf(dops + len, sizeof dops - len, "%s%d-%d:%d", b ? " " : "", i, j - 1, k);
    }
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, es, 1);
    if (st == HALO_OK) st = halo_planner_best_tail(ctx, p, es, true);
    if (st == HALO_OK) {
        char notes[640];
        snprintf(notes, sizeof notes,
                 "aofl: lossless; %d fused blocks gathered at the source, degree of parallelism per block (stages:ESs) "
                 "%s chosen by a DP on linear device and network models [reconstructed]; tail on %s",
                 nc - 1, dops, p->dev[p->tail.device].name);
        p->notes = halo_strdup(notes);
        if (!p->notes) st = HALO_ERR_NOMEM;
    }
    free(es);
    free(from);
    free(dop);
    free(cuts);
    free(T);
    free(a.w);
    free(a.fin);
    free(a.h);
    free(dev);
    free(rects);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}
