/* HALP — Li, Iosifidis, Zhang (ICC 2022), by the authors of DPFP.
 * [paper] Segment-based partitioning in which the host ES computes the overlapping zones itself,
 *   so the secondary ESs get disjoint work and transmission overlaps computation. VGG-16
 *   1.7-2.0x on GTX 1080 Ti and Jetson AGX Xavier.
 * [reconstructed] (docs/METHODS.md) The host is the fastest ES. In every block the output rows are
 *   laid out as S1 h1 S2 h2 ... S_m: m secondary segments separated by m-1 host strips (with one
 *   secondary: host segment on top, secondary below). A strip is at least as tall as the next
 *   block's halo (R - J rows) so that the rows a secondary needs beyond its own come from the
 *   host's strips rather than from another secondary (the sources follow the plan's holder order,
 *   so this is what the layout makes likely, not a rule the plan enforces); the host's share of
 *   the rows follows its capacity and is cut into strips of one height, the secondaries' segments
 *   follow theirs. Overlap: from the second block on, a secondary's segment is computed
 *   as up to three parts, first its interior (rows whose input it already holds, which start as
 *   soon as its previous block ends), then its top and bottom edges, which wait for the host's
 *   strips; the host computes its strips as the secondaries' edge rows arrive. The source sends
 *   every ES its first input rows directly. Searched: m = 1..N-1 secondaries (the fastest after
 *   the host) and two block structures (every spatial stage a block; blocks ending at the
 *   downsampling stages); the lowest simulated latency wins; the tail runs on the device with the
 *   lowest simulated latency. */
#include "core/alloc.h"
#include "partition/planner.h"
#include "partition/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct halp {
    const struct halo_planner_ctx *ctx;
    const int *es; /* plan ESs: es[0] the host, es[1..m] the secondaries */
    int m;
    int *h;        /* rows per segment, top to bottom (2m - 1 of them, or 2 when m = 1) */
    int *dev;      /* plan device per segment */
    int *seg_y0, *seg_y1;   /* per secondary: its rows in the previous block's output */
    int *pdev;
    struct halo_rect *prect;
    double *w;
};

/* Rows of the output whose single-row tile reads only input rows [a, b): the interior of a
 * secondary that holds [a, b) of the block's input, inside its segment [y0, y1). */
static void interior(const struct halo_graph *g, int first, int last, int W, int y0, int y1, int a, int b,
                     int *i0, int *i1)
{
    *i0 = y1;
    *i1 = y1;
    int lo = -1, hi = -1;
    for (int y = y0; y < y1; y++) {
        struct halo_tile t;
        if (halo_tile_build(g, first, last, (struct halo_rect){y, y + 1, 0, W}, HALO_TILE_EXACT, &t) != HALO_OK) {
            halo_error_clear();
            return;
        }
        bool inside = t.in.y0 >= a && t.in.y1 <= b;
        halo_tile_free(&t);
        if (inside && lo < 0) lo = y;
        if (inside) hi = y;
        else if (lo >= 0) break;
    }
    if (lo >= 0) {
        *i0 = lo;
        *i1 = hi + 1;
    }
}

/* Segment heights of block [i, j) with `strip_min` rows per host strip; false when it cannot fit. */
static bool layout(struct halp *hp, int i, int j, int strip_min)
{
    const struct halo_planner_ctx *ctx = hp->ctx;
    const struct halo_graph *g = ctx->g;
    int first = g->stages[i].first, last = g->stages[j - 1].last, m = hp->m;
    struct halo_shape o = g->nodes[last - 1].out_shape;
    double cap_host = 0, cap_sec = 0;
    for (int e = 0; e <= m; e++) {
        double ms = halo_planner_rect_ms(ctx, hp->es[e], first, last, halo_rect_full(o), HALO_TILE_EXACT);
        hp->w[e] = ms > 0 && isfinite(ms) ? 1 / ms : 0;
        if (e == 0) cap_host = hp->w[e];
        else cap_sec += hp->w[e];
    }
    if (cap_host + cap_sec <= 0) return false;
    int host_rows = (int)lround(o.h * cap_host / (cap_host + cap_sec));
    if (m == 1) {
        if (o.h < 2) return false;
        if (host_rows < 1) host_rows = 1;
        if (host_rows > o.h - 1) host_rows = o.h - 1;
        hp->h[0] = host_rows;
        hp->dev[0] = 1;
        hp->h[1] = o.h - host_rows;
        hp->dev[1] = 2;
        return true;
    }
    int strip = (int)lround((double)host_rows / (m - 1));
    if (strip < strip_min) strip = strip_min;
    if (strip < 1) strip = 1;
    int rest = o.h - (m - 1) * strip;
    if (rest < m) return false;
    int *sec = halo_malloc((size_t)m, sizeof *sec);
    if (!sec) return false;
    halo_split_apportion(rest, hp->w + 1, m, 1, HALO_SHARE_SCALED, sec);
    for (int s = 0; s < m; s++) {
        hp->h[2 * s] = sec[s];
        hp->dev[2 * s] = s + 2;
        if (s + 1 < m) {
            hp->h[2 * s + 1] = strip;
            hp->dev[2 * s + 1] = 1;
        }
    }
    free(sec);
    return true;
}

/* The HALP plan for m secondaries and the given block cuts; *out NULL when a block cannot fit. */
static enum halo_status build(struct halp *hp, const int *cuts, int nc, struct halo_plan **out)
{
    const struct halo_planner_ctx *ctx = hp->ctx;
    const struct halo_graph *g = ctx->g;
    int m = hp->m, nseg = m == 1 ? 2 : 2 * m - 1;
    *out = NULL;
    struct halo_plan *p;
    HALO_TRY(halo_planner_plan_new(ctx, "halp", hp->es, m + 1, &p));
    enum halo_status st = HALO_OK;
    bool fits = true;
    for (int b = 0; b + 1 < nc && st == HALO_OK && fits; b++) {
        int i = cuts[b], j = cuts[b + 1];
        int first = g->stages[i].first, last = g->stages[j - 1].last;
        int strip_min = 1;
        if (b + 2 < nc) {
            int J = 1, R = 1;
            if (halo_graph_range_field(g, last, g->stages[cuts[b + 2] - 1].last, &J, &R) && R - J > strip_min)
                strip_min = R - J;
        }
        if (!(fits = layout(hp, i, j, strip_min))) break;
        struct halo_shape o = g->nodes[last - 1].out_shape;
        /* parts: interiors, host strips, then the secondaries' edges */
        int np = 0;
        int y = 0;
        for (int q = 0; q < nseg; q++) {
            int y0 = y, y1 = y + hp->h[q];
            y = y1;
            int d = hp->dev[q];
            if (d == 1 || b == 0) {
                if (d != 1) {
                    hp->pdev[np] = d;
                    hp->prect[np++] = (struct halo_rect){y0, y1, 0, o.w};
                }
                continue;
            }
            int i0, i1;
            interior(g, first, last, o.w, y0, y1, hp->seg_y0[d - 2], hp->seg_y1[d - 2], &i0, &i1);
            if (i0 >= i1) {
                hp->pdev[np] = d;
                hp->prect[np++] = (struct halo_rect){y0, y1, 0, o.w};
            } else {
                hp->pdev[np] = d;
                hp->prect[np++] = (struct halo_rect){i0, i1, 0, o.w};
            }
        }
        /* host strips (or the host's segment) */
        y = 0;
        for (int q = 0; q < nseg; q++) {
            if (hp->dev[q] == 1) {
                hp->pdev[np] = 1;
                hp->prect[np++] = (struct halo_rect){y, y + hp->h[q], 0, o.w};
            }
            y += hp->h[q];
        }
        /* the secondaries' edges around their interiors */
        y = 0;
        for (int q = 0; q < nseg; q++) {
            int y0 = y, y1 = y + hp->h[q], d = hp->dev[q];
            y = y1;
            if (d == 1 || b == 0) continue;
            int i0, i1;
            interior(g, first, last, o.w, y0, y1, hp->seg_y0[d - 2], hp->seg_y1[d - 2], &i0, &i1);
            if (i0 >= i1) continue;
            if (i0 > y0) {
                hp->pdev[np] = d;
                hp->prect[np++] = (struct halo_rect){y0, i0, 0, o.w};
            }
            if (y1 > i1) {
                hp->pdev[np] = d;
                hp->prect[np++] = (struct halo_rect){i1, y1, 0, o.w};
            }
        }
        st = halo_plan_add_block(p, g, i, j, HALO_TILE_EXACT, false, np, hp->pdev, hp->prect);
        y = 0;
        for (int q = 0; q < nseg; q++) {
            if (hp->dev[q] != 1) {
                hp->seg_y0[hp->dev[q] - 2] = y;
                hp->seg_y1[hp->dev[q] - 2] = y + hp->h[q];
            }
            y += hp->h[q];
        }
    }
    if (st == HALO_OK && fits) st = halo_planner_finish(ctx, p, hp->es, 1);
    if (st == HALO_OK && fits) st = halo_planner_best_tail(ctx, p, hp->es, true);
    if (st != HALO_OK || !fits) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_plan_halp(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    int S = g->n_spatial, n = 0;
    struct halp hp = {.ctx = ctx};
    int *es = halo_malloc((size_t)c->n, sizeof *es);
    int *cuts[2] = {halo_malloc((size_t)S + 1, sizeof(int)), halo_malloc((size_t)S + 1, sizeof(int))};
    hp.h = halo_malloc((size_t)2 * c->n, sizeof *hp.h);
    hp.dev = halo_malloc((size_t)2 * c->n, sizeof *hp.dev);
    hp.seg_y0 = halo_malloc((size_t)c->n, sizeof *hp.seg_y0);
    hp.seg_y1 = halo_malloc((size_t)c->n, sizeof *hp.seg_y1);
    hp.pdev = halo_malloc((size_t)4 * c->n, sizeof *hp.pdev);
    hp.prect = halo_malloc((size_t)4 * c->n, sizeof *hp.prect);
    hp.w = halo_malloc((size_t)c->n, sizeof *hp.w);
    enum halo_status st = es && cuts[0] && cuts[1] && hp.h && hp.dev && hp.seg_y0 && hp.seg_y1 && hp.pdev &&
                                  hp.prect && hp.w ? HALO_OK : HALO_ERR_NOMEM;
    n = st == HALO_OK ? halo_planner_es_order(ctx, es) : 0;
    if (st == HALO_OK && n == 0) st = halo_error(HALO_ERR_INVALID, "halp: no edge server can compute %s", g->name);
    int nc[2] = {0, 0};
    if (st == HALO_OK) {
        for (int s = 0; s <= S; s++) cuts[0][s] = s;
        nc[0] = S + 1;
        nc[1] = halo_planner_downsampling_cuts(g, cuts[1]);
    }
    hp.es = es;
    struct halo_plan *best = NULL;
    int best_m = 0, best_k = 0;
    for (int m = 1; m < n && st == HALO_OK; m++)
        for (int k = 0; k < 2 && st == HALO_OK; k++) {
            hp.m = m;
            struct halo_plan *p = NULL;
            st = build(&hp, cuts[k], nc[k], &p);
            if (st != HALO_OK || !p) continue;
            if (!best || p->total_ms < best->total_ms) {
                halo_plan_free(best);
                best = p;
                best_m = m;
                best_k = k;
            } else {
                halo_plan_free(p);
            }
        }
    /* one ES (or no layout fits): the host alone */
    if (st == HALO_OK && !best) {
        best_m = 0;
        st = halo_planner_single(ctx, es[0], "halp", &best);
    }
    if (st == HALO_OK) {
        char notes[512];
        const char *blocks = best_k == 0 ? "every spatial stage a block" : "blocks end at the downsampling stages";
        if (best_m == 0)
            snprintf(notes, sizeof notes, "halp: lossless; the host %s alone (no layout with secondaries fits or pays)",
                     c->dev[es[0]].name);
        else if (best_m == 1)
            snprintf(notes, sizeof notes,
                     "halp: lossless; host %s computes the top rows, one secondary the rest (%s); the secondary computes "
                     "its interior first, then its edge [reconstructed]; tail on %s",
                     c->dev[es[0]].name, blocks, best->dev[best->tail.device].name);
        else
            snprintf(notes, sizeof notes,
                     "halp: lossless; host %s computes the strips between %d secondary segments (%s); secondaries "
                     "compute their interior first, then their edges, exchanging only with the host [reconstructed]; "
                     "tail on %s",
                     c->dev[es[0]].name, best_m, blocks, best->dev[best->tail.device].name);
        free(best->notes);
        best->notes = halo_strdup(notes);
        if (!best->notes) st = HALO_ERR_NOMEM;
    }
    free(es);
    free(cuts[0]);
    free(cuts[1]);
    free(hp.h);
    free(hp.dev);
    free(hp.seg_y0);
    free(hp.seg_y1);
    free(hp.pdev);
    free(hp.prect);
    free(hp.w);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    *out = best;
    return HALO_OK;
}
