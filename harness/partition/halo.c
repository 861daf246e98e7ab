#include "partition/halo.h"
#include "core/alloc.h"
#include "model/count.h"

#include <stdlib.h>
#include <string.h>

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }
static int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Shares of n bands [a[r], b[r]) (non-decreasing in r) of a tensor axis of `size`, for output cuts
 * cut[0..n] of an output axis of `out_size`: [s0[r], s1[r]) inside band r, disjoint, covering the
 * union of the bands. Where two bands leave a gap (a node whose stride exceeds its kernel extent)
 * each keeps its own end. */
static void shares(const int *a, const int *b, const int *cut, int n, int size, int out_size, int *s0, int *s1)
{
    s0[0] = a[0];
    s1[n - 1] = b[n - 1];
    for (int r = 0; r + 1 < n; r++) {
        if (a[r + 1] <= b[r]) {
            int p = (int)((int64_t)cut[r + 1] * size / out_size);
            s1[r] = s0[r + 1] = clampi(p, a[r + 1], b[r]);
        } else {
            s1[r] = b[r];
            s0[r + 1] = a[r + 1];
        }
    }
}

/* Scratch for one axis of one tensor: the bands and the shares. */
struct axis {
    int *a, *b, *s0, *s1;
};

static enum halo_status axis_alloc(struct axis *x, int n)
{
    x->a = halo_malloc((size_t)n, sizeof(int));
    x->b = halo_malloc((size_t)n, sizeof(int));
    x->s0 = halo_malloc((size_t)n, sizeof(int));
    x->s1 = halo_malloc((size_t)n, sizeof(int));
    return x->a && x->b && x->s0 && x->s1 ? HALO_OK : HALO_ERR_NOMEM;
}

static void axis_free(struct axis *x)
{
    free(x->a);
    free(x->b);
    free(x->s0);
    free(x->s1);
}

/* Length of [s0, s1) within [lo, hi). */
static int64_t overlap(int s0, int s1, int lo, int hi) { return imax(0, imin(s1, hi) - imax(s0, lo)); }

/* Fills the shares of the tensor whose per-part region is rect_of(part) on both axes. The grid
 * makes every part's region a product of a row band and a column band (each axis of a tile
 * depends only on the same axis of its output rect), so the bands are read from the first column
 * and the first row of parts. */
static void tensor_shares(const struct halo_split *s, const struct halo_rect *rects, int size_h, int size_w,
                          struct axis *ya, struct axis *xa)
{
    for (int r = 0; r < s->n_rows; r++) {
        ya->a[r] = rects[r * s->n_cols].y0;
        ya->b[r] = rects[r * s->n_cols].y1;
    }
    for (int c = 0; c < s->n_cols; c++) {
        xa->a[c] = rects[c].x0;
        xa->b[c] = rects[c].x1;
    }
    shares(ya->a, ya->b, s->y, s->n_rows, size_h, s->h, ya->s0, ya->s1);
    shares(xa->a, xa->b, s->x, s->n_cols, size_w, s->w, xa->s0, xa->s1);
}

void halo_split_cost_free(struct halo_split_cost *c)
{
    if (!c) return;
    free(c->part);
    c->part = NULL;
    c->n_parts = 0;
}

static int64_t f32_bytes(int c, int64_t area) { return 4 * (int64_t)c * area; }

enum halo_status halo_split_cost_nodes(const struct halo_graph *g, int first, int last,
                                       const struct halo_split *split, struct halo_split_cost *out)
{
    HALO_ASSERT(g->inferred);
    memset(out, 0, sizeof *out);
    out->first_stage = out->last_stage = -1;
    if (first < 0 || last > g->n_nodes || first >= last)
        return halo_error(HALO_ERR_INVALID, "%s: node range [%d, %d) is not inside [0, %d)", g->name, first, last,
                          g->n_nodes);
    for (int i = first; i < last; i++)
        if (!halo_op_is_spatial(g->nodes[i].op))
            return halo_error(HALO_ERR_INVALID, "%s: node %s (%s) is not spatial and cannot be split", g->name,
                              g->nodes[i].name, halo_op_name(g->nodes[i].op));
    struct halo_shape os = g->nodes[last - 1].out_shape, is = halo_graph_tensor_shape(g, halo_range_input(first));
    if (split->h != os.h || split->w != os.w)
        return halo_error(HALO_ERR_INVALID, "%s: a split of %dx%d for an output of %dx%d (node %s)", g->name, split->h,
                          split->w, os.h, os.w, g->nodes[last - 1].name);
    int n = split->n_parts;
    *out = (struct halo_split_cost){.first_stage = -1, .last_stage = -1, .first = first, .last = last,
                                    .in_shape = is, .out_shape = os, .n_rows = split->n_rows,
                                    .n_cols = split->n_cols, .n_parts = n};
    struct halo_tile *tiles = halo_calloc((size_t)n, sizeof *tiles), full = {0};
    struct halo_rect *rects = halo_malloc((size_t)n, sizeof *rects);
    struct axis ya = {0}, xa = {0};
    out->part = halo_calloc((size_t)n, sizeof *out->part);
    enum halo_status st = tiles && rects && out->part ? HALO_OK : HALO_ERR_NOMEM;
    if (st == HALO_OK) st = axis_alloc(&ya, split->n_rows);
    if (st == HALO_OK) st = axis_alloc(&xa, split->n_cols);
    for (int p = 0; p < n && st == HALO_OK; p++)
        st = halo_tile_build(g, first, last, split->part[p], HALO_TILE_EXACT, &tiles[p]);
    if (st == HALO_OK) st = halo_tile_full(g, first, last, &full);
    if (st != HALO_OK) goto done;

    for (int p = 0; p < n; p++) {
        struct halo_part_cost *pc = &out->part[p];
        pc->row = p / split->n_cols;
        pc->col = p % split->n_cols;
        pc->out = split->part[p];
        pc->in = tiles[p].in;
        pc->macs = halo_tile_macs(&tiles[p]);
        pc->in_bytes = f32_bytes(is.c, halo_rect_area(pc->in));
        pc->out_bytes = f32_bytes(os.c, halo_rect_area(pc->out));
    }
    /* Own MACs, node by node: only conv and linear nodes have MACs. */
    for (int i = first; i < last; i++) {
        if (halo_count_node_macs_area(g, i, 1) == 0) continue;
        for (int p = 0; p < n; p++) rects[p] = tiles[p].node[i - first].out;
        struct halo_shape ns = g->nodes[i].out_shape;
        tensor_shares(split, rects, ns.h, ns.w, &ya, &xa);
        for (int p = 0; p < n; p++) {
            int r = p / split->n_cols, c = p % split->n_cols;
            struct halo_rect o = rects[p];
            int64_t area = overlap(ya.s0[r], ya.s1[r], o.y0, o.y1) * overlap(xa.s0[c], xa.s1[c], o.x0, o.x1);
            out->part[p].own_macs += halo_count_node_macs_area(g, i, area);
        }
    }
    /* Shares of the input tensor. */
    for (int p = 0; p < n; p++) rects[p] = tiles[p].in;
    tensor_shares(split, rects, is.h, is.w, &ya, &xa);
    out->unsplit_macs = halo_tile_macs(&full);
    out->input_tensor_bytes = f32_bytes(is.c, (int64_t)is.h * is.w);
    for (int p = 0; p < n; p++) {
        struct halo_part_cost *pc = &out->part[p];
        pc->own_in = (struct halo_rect){ya.s0[pc->row], ya.s1[pc->row], xa.s0[pc->col], xa.s1[pc->col]};
        pc->own_in = halo_rect_intersect(pc->own_in, pc->in);
        pc->halo_bytes = pc->in_bytes - f32_bytes(is.c, halo_rect_area(pc->own_in));
        pc->redundant_macs = pc->macs - pc->own_macs;
        out->total_macs += pc->macs;
        out->in_bytes += pc->in_bytes;
        out->halo_bytes += pc->halo_bytes;
        out->out_bytes += pc->out_bytes;
        if (pc->macs > out->max_part_macs) out->max_part_macs = pc->macs;
    }
    out->redundant_macs = out->total_macs - out->unsplit_macs;
    out->redundant_fraction = out->unsplit_macs > 0 ? (double)out->redundant_macs / (double)out->unsplit_macs : 0;
done:
    if (tiles)
        for (int p = 0; p < n; p++) halo_tile_free(&tiles[p]);
    free(tiles);
    halo_tile_free(&full);
    free(rects);
    axis_free(&ya);
    axis_free(&xa);
    if (st != HALO_OK) halo_split_cost_free(out);
    return st;
}

enum halo_status halo_split_cost_stages(const struct halo_graph *g, int i, int j, const struct halo_split *split,
                                        struct halo_split_cost *out)
{
    int first = 0, last = 0;
    memset(out, 0, sizeof *out);
    HALO_TRY(halo_stage_range_nodes(g, i, j, &first, &last));
    for (int s = i; s < j; s++)
        if (s >= g->n_spatial) /* from the first global pooling or channel attention on */
            return halo_error(HALO_ERR_INVALID,
                              "%s: stage %d (%s) is in the tail (from the first global pooling or channel attention "
                              "on) and cannot be split; spatial stages are 0..%d",
                              g->name, s, g->stages[s].name, g->n_spatial - 1);
    HALO_TRY(halo_split_cost_nodes(g, first, last, split, out));
    out->first_stage = i;
    out->last_stage = j;
    return HALO_OK;
}
