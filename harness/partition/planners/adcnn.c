/* ADCNN — S. Q. Zhang, J. Lin, Q. Zhang, "Adaptive Distributed Convolutional Neural Network
 * Inference at the Network Edge with ADCNN", ICPP 2020.  LOSSY.
 * [paper] Fully Decomposable Spatial Partition (FDSP): the input is cut into a grid (2x2 ... 8x8);
 *   each tile runs the early conv blocks on its own with zero padding at the tile borders — no
 *   halo, so the result differs from the full model (the paper retrains to recover accuracy;
 *   halo does not, and reports the deviation instead: runtime/plan_exec.h). A central node runs the
 *   rest. Tile outputs are compressed: clipped ReLU (bounds a < b) for sparsity, 4-bit
 *   quantisation of the non-zeros, run-length coding of zero runs (exec/codec.h). Scheduling:
 *   tiles go one at a time to the node whose max x_k / s_k grows least, s_k a running
 *   throughput estimate (s <- 0.9 n + 0.1 s); a tile late by T_L = 30 ms is replaced by zeros.
 *   8+1 Raspberry Pi 3B+ at about 88 Mbps.
 * [reconstructed] (docs/METHODS.md) At plan time s_k is the predicted throughput of ES k (tiles per
 *   ms: 1 / (its mean tile compute + tile input transfer)) and x_k the tiles it holds; the rule is
 *   applied to the tiles in row-major order. The late-tile rule (T_L) is a runtime rule and is not
 *   modelled (no tile is late in a prediction). The "early conv blocks" are a stage prefix [0, L)
 *   whose output keeps at least 1/8 of the input's height and width; L and the grid (2..8 per side)
 *   are searched for the lowest predicted latency (a caller may force the grid: opts.adcnn_grid, for
 *   measuring the deviation per grid size). The central node is an ES (the one with the
 *   lowest simulated latency); it may also compute tiles, whose outputs it keeps uncompressed.
 *   Codec: a = 0 (ReLU's zero), b and the compressed/raw ratio measured on real activations when
 *   the caller passes them (halo plan does, halo_plan_deviation measures them), else the stored
 *   default below. */
#include "core/alloc.h"
#include "partition/planner.h"
#include "partition/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Stored default codec, measured by `halo plan resnet50 --method adcnn` on an illustrative cluster of four
 * 50 GFLOP/s ESs on Gigabit Ethernet (224x224, 2x2 grid over stages 0..7, cpu backend, random weights seed 0): clip_hi
 * fitted to input seed 1's layer2.3 activations, ratio = coded / raw bytes of the travelling tile
 * outputs of inputs 1..3. Used only when the caller gives no measured codec (tests, sweeps);
 * halo plan measures the plan's own. */
#define ADCNN_DEFAULT_CLIP_LO 0.0f
#define ADCNN_DEFAULT_CLIP_HI 13.4463f
#define ADCNN_DEFAULT_BITS 4
#define ADCNN_DEFAULT_RATIO 0.1146
#define ADCNN_GRID_MIN 2
#define ADCNN_GRID_MAX 8
#define ADCNN_MIN_RESOLUTION_DIVISOR 8

struct adcnn {
    const struct halo_planner_ctx *ctx;
    const int *es;
    int n;
    double *s, *x, *tile_ms; /* per ES: throughput (tiles/ms), tiles held; per tile x ES: ms */
    int *dev;
    struct halo_codec codec;
};

/* Schedules the tiles of `sp` (block nodes [0, last)); false when a tile cannot be built. */
static bool schedule(struct adcnn *a, int last, const struct halo_split *sp)
{
    const struct halo_planner_ctx *ctx = a->ctx;
    const struct halo_cluster *c = ctx->c;
    int n = a->n, T = sp->n_parts, c_in = ctx->g->input.c;
    for (int e = 0; e < n; e++) {
        double sum = 0;
        for (int t = 0; t < T; t++) {
            double ms = halo_planner_rect_ms(ctx, a->es[e], 0, last, sp->part[t], HALO_TILE_ZERO_PAD);
            if (!isfinite(ms)) return false;
            struct halo_tile tile;
            if (halo_tile_build(ctx->g, 0, last, sp->part[t], HALO_TILE_ZERO_PAD, &tile) != HALO_OK) {
                halo_error_clear();
                return false;
            }
            ms += halo_cluster_transfer_ms(c, c->source, a->es[e], halo_wire_bytes(HALO_INPUT, c_in, halo_rect_area(tile.in)));
            halo_tile_free(&tile);
            a->tile_ms[(size_t)t * n + e] = ms;
            sum += ms;
        }
        a->s[e] = sum > 0 ? T / sum : INFINITY;
        a->x[e] = 0;
    }
    for (int t = 0; t < T; t++) {
        int best = 0;
        double best_max = INFINITY, best_own = INFINITY;
        for (int e = 0; e < n; e++) {
            double mx = 0;
            for (int f = 0; f < n; f++) {
                double load = (a->x[f] + (f == e)) / a->s[f];
                if (load > mx) mx = load;
            }
            double own = (a->x[e] + 1) / a->s[e];
            if (mx < best_max - 1e-12 || (mx <= best_max + 1e-12 && own < best_own)) {
                best_max = mx;
                best_own = own;
                best = e;
            }
        }
        a->x[best] += 1;
        a->dev[t] = best + 1;
    }
    return true;
}

static enum halo_status plan_for(struct adcnn *a, int L, int gdim, struct halo_plan **out)
{
    const struct halo_planner_ctx *ctx = a->ctx;
    const struct halo_graph *g = ctx->g;
    *out = NULL;
    int last = g->stages[L - 1].last;
    struct halo_shape o = g->nodes[last - 1].out_shape;
    if (gdim > o.h || gdim > o.w) return HALO_OK;
    struct halo_split sp;
    HALO_TRY(halo_split_grid(o.h, o.w, gdim, gdim, &sp));
    struct halo_plan *p = NULL;
    enum halo_status st = HALO_OK;
    if (!schedule(a, last, &sp)) {
        halo_split_free(&sp);
        return HALO_OK;
    }
    st = halo_planner_plan_new(ctx, "adcnn", a->es, a->n, &p);
    if (st == HALO_OK) st = halo_plan_add_block(p, g, 0, L, HALO_TILE_ZERO_PAD, false, sp.n_parts, a->dev, sp.part);
    if (st == HALO_OK) {
        p->block[0].compress = true;
        p->has_codec = true;
        p->codec = a->codec;
        p->lossless = false;
        st = halo_planner_finish(ctx, p, a->es, 1);
    }
    if (st == HALO_OK) st = halo_planner_best_tail(ctx, p, a->es, false);
    halo_split_free(&sp);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_plan_adcnn(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    struct adcnn a = {.ctx = ctx};
    a.codec = ctx->opts.codec ? *ctx->opts.codec
                              : (struct halo_codec){ADCNN_DEFAULT_CLIP_LO, ADCNN_DEFAULT_CLIP_HI,
                                                         ADCNN_DEFAULT_BITS, ADCNN_DEFAULT_RATIO};
    int max_tiles = ADCNN_GRID_MAX * ADCNN_GRID_MAX;
    int *es = halo_malloc((size_t)c->n, sizeof *es);
    a.s = halo_malloc((size_t)c->n, sizeof *a.s);
    a.x = halo_malloc((size_t)c->n, sizeof *a.x);
    a.tile_ms = halo_malloc((size_t)c->n * max_tiles, sizeof *a.tile_ms);
    a.dev = halo_malloc((size_t)max_tiles, sizeof *a.dev);
    enum halo_status st = es && a.s && a.x && a.tile_ms && a.dev ? HALO_OK : HALO_ERR_NOMEM;
    a.n = st == HALO_OK ? halo_planner_es_order(ctx, es) : 0;
    a.es = es;
    if (st == HALO_OK && a.n == 0) st = halo_error(HALO_ERR_INVALID, "adcnn: no edge server can compute %s", g->name);
    int g_lo = ADCNN_GRID_MIN, g_hi = ADCNN_GRID_MAX, forced = ctx->opts.adcnn_grid;
    if (st == HALO_OK && forced && (forced < ADCNN_GRID_MIN || forced > ADCNN_GRID_MAX))
        st = halo_error(HALO_ERR_INVALID, "adcnn: grid %dx%d: FDSP grids are %dx%d .. %dx%d", forced, forced,
                        ADCNN_GRID_MIN, ADCNN_GRID_MIN, ADCNN_GRID_MAX, ADCNN_GRID_MAX);
    if (forced) g_lo = g_hi = forced;
    if (st == HALO_OK && !(a.codec.clip_lo < a.codec.clip_hi && a.codec.bits >= 1 && a.codec.bits <= 16 &&
                           a.codec.ratio > 0))
        st = halo_error(HALO_ERR_INVALID, "adcnn: codec [%g, %g], %d bits, ratio %g: need a < b, 1..16 bits, ratio > 0",
                        a.codec.clip_lo, a.codec.clip_hi, a.codec.bits, a.codec.ratio);
    /* the early blocks: stage prefixes whose output keeps >= 1/8 of the input resolution */
    int L_max = 1;
    for (int s = 0; s < g->n_spatial; s++) {
        struct halo_shape o = g->nodes[g->stages[s].last - 1].out_shape;
        if (o.h * ADCNN_MIN_RESOLUTION_DIVISOR >= g->input.h && o.w * ADCNN_MIN_RESOLUTION_DIVISOR >= g->input.w)
            L_max = s + 1;
    }
    struct halo_plan *best = NULL;
    int best_L = 0, best_g = 0;
    for (int L = 1; L <= L_max && st == HALO_OK; L++)
        for (int gd = g_lo; gd <= g_hi && st == HALO_OK; gd++) {
            struct halo_plan *p;
            st = plan_for(&a, L, gd, &p);
            if (st != HALO_OK || !p) continue;
            if (!best || p->total_ms < best->total_ms) {
                halo_plan_free(best);
                best = p;
                best_L = L;
                best_g = gd;
            } else {
                halo_plan_free(p);
            }
        }
    if (st == HALO_OK && !best && forced)
        st = halo_error(HALO_ERR_INVALID, "adcnn: the %dx%d grid fits no early block of %s at %dx%d", forced, forced,
                        g->name, g->input.h, g->input.w);
    if (st == HALO_OK && !best) st = halo_error(HALO_ERR_INVALID, "adcnn: no FDSP grid fits %s", g->name);
    if (st == HALO_OK) {
        char notes[768];
        snprintf(notes, sizeof notes,
                 "adcnn: LOSSY (zero padding at tile borders, no halo; compressed tile outputs); FDSP %dx%d grid%s over "
                 "stages 0..%d (%s..%s); tiles to the ES whose max x_k/s_k grows least; central node %s runs the rest; "
                 "codec clip [%g, %g], %d bits, ratio %.4f (%s); the T_L = 30 ms late-tile rule is not modelled "
                 "[reconstructed]",
                 best_g, best_g, forced ? " (forced by the caller)" : "", best_L - 1, g->stages[0].name,
                 g->stages[best_L - 1].name,
                 best->dev[best->tail.device].name, a.codec.clip_lo, a.codec.clip_hi, a.codec.bits, a.codec.ratio,
                 ctx->opts.codec ? (ctx->opts.codec_provenance ? ctx->opts.codec_provenance : "given by the caller")
                                 : "stored default, measured on resnet50 224x224: see planners/adcnn.c");
        best->notes = halo_strdup(notes);
        if (!best->notes) st = HALO_ERR_NOMEM;
    }
    free(es);
    free(a.s);
    free(a.x);
    free(a.tile_ms);
    free(a.dev);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    *out = best;
    return HALO_OK;
}
