/* EdgeCI — Chen, Luo, Fang, Xiong, "EdgeCI: Distributed workload assignment and model
 * partitioning for CNN inference on edge clusters", ACM TOIT 24, 2024.
 * [paper] AWAS: auction-based workload assignment, each workload partition to the best-matching
 *   device; DPFL: fused-layer parallelisation whose blocks are found by a non-recursive (bottom-up,
 *   tabulated) dynamic programme. VGG-16 and ResNet-34 in PyTorch, 34.72-43.52 % faster.
 * [reconstructed] (docs/METHODS.md) DPFL: the table T[0] = 0, T[j] = min over i < j of
 *   T[i] + C(i, j) filled for j = 1..S in order, with C(i, j) the latest finish of the block's
 *   partitions after AWAS. AWAS for a block: its output rows are cut into one equal partition per
 *   ES; partitions are auctioned top to bottom, every ES without a partition bids its predicted
 *   finish time for it (receive + compute), the lowest bid wins (owners are then fixed: there is no
 *   second auction); then single rows move from the partition that finishes last to the one that
 *   finishes first (the group's earlier code) until a move no longer lowers the latest finish; a partition may shrink to
 *   nothing, and its ES then sits the block out. Predicted finish: compute
 *   from the profile's per-layer model on the exact rows; receive = the input rect from the
 *   source for the first block, else the input rows beyond the partition's proportional share,
 *   half from each neighbouring partition's ES. Between blocks the ESs exchange halo rows
 *   peer to peer (the plan's redistribution). Every ES takes part (no subset search); the tail
 *   runs on the device with the lowest simulated latency. */
#include "core/alloc.h"
#include "partition/planner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct edgeci {
    const struct halo_planner_ctx *ctx;
    const int *es;
    int n;
    /* the block under auction */
    int i, j, first, last, H, W, c_in, H_in, W_in;
    int np;        /* partitions */
    int *h;        /* rows per partition, top to bottom */
    int *owner;    /* ES index (into es) per partition */
    double *fin;   /* predicted finish per partition */
    bool *taken;
};

/* Predicted finish of partition q at rows [y, y + rows) on ES e (receive + compute). */
static double bid(const struct edgeci *a, int q, int e, int y, int rows)
{
    const struct halo_planner_ctx *ctx = a->ctx;
    const struct halo_cluster *c = ctx->c;
    if (rows <= 0) return 0;
    struct halo_rect r = {y, y + rows, 0, a->W};
    struct halo_tile t;
    if (halo_tile_build(ctx->g, a->first, a->last, r, HALO_TILE_EXACT, &t) != HALO_OK) {
        halo_error_clear();
        return INFINITY;
    }
    int64_t row_bytes = halo_wire_bytes(a->first - 1, a->c_in, a->W_in), in_rows = halo_rect_h(t.in);
    halo_tile_free(&t);
    int d = a->es[e];
    double recv;
    if (a->i == 0) {
        recv = halo_cluster_transfer_ms(c, c->source, d, row_bytes * in_rows);
    } else {
        int64_t own = (int64_t)rows * a->H_in / a->H, missing = in_rows > own ? in_rows - own : 0;
        int up = q > 0 ? a->owner[q - 1] : -1, down = q + 1 < a->np ? a->owner[q + 1] : -1;
        int sides = (up >= 0) + (down >= 0);
        recv = 0;
        if (sides && missing) {
            if (up >= 0) recv += halo_cluster_transfer_ms(c, a->es[up], d, row_bytes * missing / sides);
            if (down >= 0) recv += halo_cluster_transfer_ms(c, a->es[down], d, row_bytes * missing / sides);
        }
    }
    return recv + halo_planner_rect_ms(ctx, d, a->first, a->last, r, HALO_TILE_EXACT);
}

/* Finish times of every partition for the current heights and owners; returns the latest. */
static double finishes(struct edgeci *a)
{
    double worst = 0;
    for (int q = 0, y = 0; q < a->np; y += a->h[q], q++) {
        a->fin[q] = bid(a, q, a->owner[q], y, a->h[q]);
        if (a->fin[q] > worst) worst = a->fin[q];
    }
    return worst;
}

/* Moves one row from partition `from` to partition `to` (rows between them shift by one). */
static void move_row(struct edgeci *a, int from, int to)
{
    a->h[from]--;
    a->h[to]++;
}

/* AWAS for block [i, j): auction, then one-row re-auctions; returns the latest finish. */
static double awas(struct edgeci *a, int i, int j)
{
    const struct halo_graph *g = a->ctx->g;
    a->i = i;
    a->j = j;
    a->first = g->stages[i].first;
    a->last = g->stages[j - 1].last;
    struct halo_shape o = g->nodes[a->last - 1].out_shape, in = halo_graph_tensor_shape(g, a->first - 1);
    a->H = o.h;
    a->W = o.w;
    a->c_in = in.c;
    a->H_in = in.h;
    a->W_in = in.w;
    a->np = a->n < a->H ? a->n : a->H;
    for (int q = 0; q < a->np; q++) a->h[q] = a->H / a->np + (q < a->H % a->np);
    /* the auction, top partition first: a bid counts the halo from the neighbours already owned */
    for (int e = 0; e < a->n; e++) a->taken[e] = false;
    for (int q = 0; q < a->np; q++) a->owner[q] = -1;
    for (int q = 0, y = 0; q < a->np; y += a->h[q], q++) {
        int best = -1;
        double best_bid = INFINITY;
        for (int e = 0; e < a->n; e++) {
            if (a->taken[e]) continue;
            a->owner[q] = e;
            double b = bid(a, q, e, y, a->h[q]);
            if (b < best_bid) {
                best_bid = b;
                best = e;
            }
        }
        if (best < 0) return INFINITY;
        a->owner[q] = best;
        a->taken[best] = true;
    }
    double worst = finishes(a);
    for (int guard = 0; guard < a->H * a->np; guard++) {
        int slow = 0, fast = 0;
        for (int q = 1; q < a->np; q++) {
            if (a->fin[q] > a->fin[slow]) slow = q;
            if (a->fin[q] < a->fin[fast]) fast = q;
        }
        if (slow == fast || a->h[slow] <= 0) break;
        move_row(a, slow, fast);
        double w = finishes(a);
        if (w < worst - 1e-12) {
            worst = w;
            continue;
        }
        move_row(a, fast, slow);
        finishes(a);
        break;
    }
    return worst;
}

enum halo_status halo_plan_edgeci(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    int S = g->n_spatial;
    struct edgeci a = {.ctx = ctx};
    int *es = halo_malloc((size_t)c->n, sizeof *es), *from = halo_malloc((size_t)S + 1, sizeof *from);
    int *cuts = halo_malloc((size_t)S + 1, sizeof *cuts), *dev = halo_malloc((size_t)c->n, sizeof *dev);
    double *T = halo_malloc((size_t)S + 1, sizeof *T);
    a.h = halo_malloc((size_t)c->n, sizeof *a.h);
    a.owner = halo_malloc((size_t)c->n, sizeof *a.owner);
    a.fin = halo_malloc((size_t)c->n, sizeof *a.fin);
    a.taken = halo_malloc((size_t)c->n, sizeof *a.taken);
    struct halo_rect *rects = halo_malloc((size_t)c->n, sizeof *rects);
    enum halo_status st = es && from && cuts && dev && T && a.h && a.owner && a.fin && a.taken && rects
                              ? HALO_OK : HALO_ERR_NOMEM;
    a.n = st == HALO_OK ? halo_planner_es_order(ctx, es) : 0;
    a.es = es;
    if (st == HALO_OK && a.n == 0) st = halo_error(HALO_ERR_INVALID, "edgeci: no edge server can compute %s", g->name);
    /* DPFL: the table, bottom-up */
    if (st == HALO_OK) {
        T[0] = 0;
        for (int j = 1; j <= S; j++) {
            T[j] = INFINITY;
            for (int i = 0; i < j; i++) {
                double t = T[i] + awas(&a, i, j);
                if (t < T[j]) {
                    T[j] = t;
                    from[j] = i;
                }
            }
        }
        if (!isfinite(T[S])) st = halo_error(HALO_ERR_INVALID, "edgeci: no block partition of %s is feasible", g->name);
    }
    int nc = 0;
    struct halo_plan *p = NULL;
    if (st == HALO_OK) {
        for (int j = S; j > 0; j = from[j]) cuts[nc++] = j;
        cuts[nc++] = 0;
        for (int x = 0; x < nc / 2; x++) {
            int t = cuts[x];
            cuts[x] = cuts[nc - 1 - x];
            cuts[nc - 1 - x] = t;
        }
        st = halo_planner_plan_new(ctx, "edgeci", es, a.n, &p);
    }
    for (int b = 0; b + 1 < nc && st == HALO_OK; b++) {
        awas(&a, cuts[b], cuts[b + 1]);
        int np = 0;
        for (int q = 0, y = 0; q < a.np; y += a.h[q], q++) {
            if (a.h[q] <= 0) continue;
            dev[np] = a.owner[q] + 1;
            rects[np++] = (struct halo_rect){y, y + a.h[q], 0, a.W};
        }
        st = halo_plan_add_block(p, g, cuts[b], cuts[b + 1], HALO_TILE_EXACT, false, np, dev, rects);
    }
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, es, 1);
    if (st == HALO_OK) st = halo_planner_best_tail(ctx, p, es, true);
    if (st == HALO_OK) {
        char notes[512];
        snprintf(notes, sizeof notes,
                 "edgeci: lossless; DPFL (bottom-up table) chose %d fused blocks; AWAS auctions each block's row "
                 "partitions to the ESs and moves single rows from the last to the first finisher "
                 "[reconstructed]; halo rows peer to peer; tail on %s",
                 nc - 1, p->dev[p->tail.device].name);
        p->notes = halo_strdup(notes);
        if (!p->notes) st = HALO_ERR_NOMEM;
    }
    free(es);
    free(from);
    free(cuts);
    free(dev);
    free(T);
    free(a.h);
    free(a.owner);
    free(a.fin);
    free(a.taken);
    free(rects);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}
