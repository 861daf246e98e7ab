/* DeepThings FTP — Zhao, Barijough, Gerstlauer, "DeepThings: Distributed adaptive deep learning
 * inference on resource-constrained IoT edge clusters", IEEE TCAD 37(11), 2018.
 * [paper] Fused Tile Partitioning: one fused block of the first L layers; an N x M grid on its
 *   output; each tile traced backwards to the input region it needs (so tiles are independent
 *   and lossless); tiles are distributed to the devices by work stealing; the gateway stitches
 *   the last fused layer's output and runs the rest of the network. 1.7-3.5x on 2-6 devices.
 *   Their code assumes stride-1 same padding; halo uses the general receptive-field formula.
 * [reconstructed] (docs/METHODS.md) Work stealing is emulated at plan time: tiles are taken in
 *   row-major order and each goes to the ES that would finish it earliest (its input sent by the
 *   source, whose uplink carries one tile at a time, then computed after the ES's earlier tiles).
 *   The gateway is the device with the lowest simulated latency among the source (when it can
 *   compute) and the ESs; the others send it their tile outputs. L and the grid are searched:
 *   L = 1..(spatial stages), N = M in {2, 3, 4, 5}; the lowest simulated latency wins. */
#include "core/alloc.h"
#include "partition/planner.h"
#include "partition/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const int ftp_grids[] = {2, 3, 4, 5};

struct ftp {
    const struct halo_planner_ctx *ctx;
    const int *es;
    int n;
    double *avail, *down; /* per ES: compute and downlink free */
    int *dev;
};

/* Greedy earliest-finish assignment of the tiles of `sp` (block of nodes [0, last)); dev[t] is
 * tile t's plan device. */
static enum halo_status assign(struct ftp *f, int last, const struct halo_split *sp)
{
    const struct halo_planner_ctx *ctx = f->ctx;
    const struct halo_cluster *c = ctx->c;
    int c_in = ctx->g->input.c;
    double up = 0;
    for (int e = 0; e < f->n; e++) f->avail[e] = f->down[e] = 0;
    for (int t = 0; t < sp->n_parts; t++) {
        struct halo_tile tile;
        HALO_TRY(halo_tile_build(ctx->g, 0, last, sp->part[t], HALO_TILE_EXACT, &tile));
        int64_t bytes = halo_wire_bytes(HALO_INPUT, c_in, halo_rect_area(tile.in));
        halo_tile_free(&tile);
        int best = -1;
        double best_fin = INFINITY, best_arr = 0;
        for (int e = 0; e < f->n; e++) {
            int d = f->es[e];
            double start = up > f->down[e] ? up : f->down[e];
            double arr = start + halo_cluster_transfer_ms(c, c->source, d, bytes);
            double fin = (arr > f->avail[e] ? arr : f->avail[e]) +
                         halo_planner_rect_ms(ctx, d, 0, last, sp->part[t], HALO_TILE_EXACT);
            if (fin < best_fin) {
                best_fin = fin;
                best_arr = arr;
                best = e;
            }
        }
        if (best < 0) return halo_error(HALO_ERR_INVALID, "ftp: no edge server can compute tile %d", t);
        up = f->down[best] = best_arr;
        f->avail[best] = best_fin;
        f->dev[t] = best + 1;
    }
    return HALO_OK;
}

/* The FTP plan for L fused stages and a g x g grid; *out NULL when the grid does not fit. */
static enum halo_status plan_for(struct ftp *f, int L, int gdim, struct halo_plan **out)
{
    const struct halo_planner_ctx *ctx = f->ctx;
    const struct halo_graph *g = ctx->g;
    *out = NULL;
    int last = g->stages[L - 1].last;
    struct halo_shape o = g->nodes[last - 1].out_shape;
    if (gdim > o.h || gdim > o.w) return HALO_OK;
    struct halo_split sp;
    HALO_TRY(halo_split_grid(o.h, o.w, gdim, gdim, &sp));
    struct halo_plan *p = NULL;
    enum halo_status st = assign(f, last, &sp);
    if (st == HALO_OK) st = halo_planner_plan_new(ctx, "ftp", f->es, f->n, &p);
    if (st == HALO_OK) st = halo_plan_add_block(p, g, 0, L, HALO_TILE_EXACT, false, sp.n_parts, f->dev, sp.part);
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, f->es, f->dev[0]);
    if (st == HALO_OK) st = halo_planner_best_tail(ctx, p, f->es, true);
    halo_split_free(&sp);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_plan_ftp(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    int n_grid = (int)(sizeof ftp_grids / sizeof ftp_grids[0]), max_tiles = 1;
    for (int i = 0; i < n_grid; i++)
        if (ftp_grids[i] * ftp_grids[i] > max_tiles) max_tiles = ftp_grids[i] * ftp_grids[i];
    struct ftp f = {.ctx = ctx};
    int *es = halo_malloc((size_t)c->n, sizeof *es);
    f.avail = halo_malloc((size_t)c->n, sizeof *f.avail);
    f.down = halo_malloc((size_t)c->n, sizeof *f.down);
    f.dev = halo_malloc((size_t)max_tiles, sizeof *f.dev);
    enum halo_status st = es && f.avail && f.down && f.dev ? HALO_OK : HALO_ERR_NOMEM;
    f.n = st == HALO_OK ? halo_planner_es_order(ctx, es) : 0;
    f.es = es;
    if (st == HALO_OK && f.n == 0) st = halo_error(HALO_ERR_INVALID, "ftp: no edge server can compute %s", g->name);
    struct halo_plan *best = NULL;
    int best_L = 0, best_g = 0;
    for (int L = 1; L <= g->n_spatial && st == HALO_OK; L++)
        for (int i = 0; i < n_grid && st == HALO_OK; i++) {
            struct halo_plan *p;
            st = plan_for(&f, L, ftp_grids[i], &p);
            if (st != HALO_OK || !p) continue;
            if (!best || p->total_ms < best->total_ms) {
                halo_plan_free(best);
                best = p;
                best_L = L;
                best_g = ftp_grids[i];
            } else {
                halo_plan_free(p);
            }
        }
    if (st == HALO_OK && !best) st = halo_error(HALO_ERR_INVALID, "ftp: no grid fits %s", g->name);
    if (st == HALO_OK) {
        char notes[512];
        snprintf(notes, sizeof notes,
                 "ftp: lossless; one fused block of the first %d stages (%s..%s) in a %dx%d grid of tiles, assigned "
                 "greedily to the ES that finishes each first (work stealing emulated) [reconstructed]; gateway %s "
                 "stitches and runs the rest; L and grid searched for the lowest predicted latency",
                 best_L, g->stages[0].name, g->stages[best_L - 1].name, best_g, best_g,
                 best->dev[best->tail.device].name);
        best->notes = halo_strdup(notes);
        if (!best->notes) st = HALO_ERR_NOMEM;
    }
    free(es);
    free(f.avail);
    free(f.down);
    free(f.dev);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    *out = best;
    return HALO_OK;
}
