#include "model/rf.h"
#include "core/alloc.h"
#include "model/count.h"

#include <stdlib.h>

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

/* Window rows [lo, hi) that outputs [a, b) of a window op need (may pass the borders). */
static void window_span(int a, int b, int k, int s, int p, int d, int *lo, int *hi)
{
    *lo = a * s - p;
    *hi = (b - 1) * s - p + d * (k - 1) + 1;
}

/* Splits window [lo, hi) into the part inside [avail0, avail1) and the zeros on either side. A
 * window wholly outside (padding >= kernel extent) reads nothing: an empty read at the border it
 * lies beyond, with every row counted as padding on that side, so both pads stay >= 0. */
static void clip(int lo, int hi, int avail0, int avail1, int *r0, int *r1, int *pad_lo, int *pad_hi)
{
    if (hi <= avail0 || lo >= avail1) {
        bool above = hi <= avail0;
        *r0 = *r1 = above ? avail0 : avail1;
        *pad_lo = above ? hi - lo : 0;
        *pad_hi = above ? 0 : hi - lo;
        return;
    }
    *r0 = imax(lo, avail0);
    *r1 = imin(hi, avail1);
    *pad_lo = *r0 - lo;
    *pad_hi = hi - *r1;
}

/* The region of a tensor of `size` rows that output rows [a, b) of `out_size` map to in
 * proportion (ADCNN's zero-pad tiling): cutting the output into parts cuts the tensor into parts. */
static void proportional(int a, int b, int out_size, int size, int *r0, int *r1)
{
    *r0 = (int)((int64_t)a * size / out_size);
    *r1 = (int)((int64_t)b * size / out_size);
}

static struct halo_rect region_of(struct halo_shape s, struct halo_rect out, struct halo_shape o,
                                  enum halo_tile_mode mode)
{
    struct halo_rect r = halo_rect_full(s);
    if (mode == HALO_TILE_ZERO_PAD && o.h > 0 && o.w > 0) {
        proportional(out.y0, out.y1, o.h, s.h, &r.y0, &r.y1);
        proportional(out.x0, out.x1, o.w, s.w, &r.x0, &r.x1);
    }
    return r;
}

enum halo_status halo_tile_build(const struct halo_graph *g, int first, int last, struct halo_rect out,
                                 enum halo_tile_mode mode, struct halo_tile *tile)
{
    HALO_ASSERT(g->inferred);
    *tile = (struct halo_tile){.g = g, .first = first, .last = last, .mode = mode};
    if (first < 0 || last > g->n_nodes || first >= last)
        return halo_error(HALO_ERR_INVALID, "%s: node range [%d, %d) is not inside [0, %d)", g->name, first,
                          last, g->n_nodes);
    struct halo_shape os = g->nodes[last - 1].out_shape;
    if (halo_rect_empty(out) || !halo_rect_contains(halo_rect_full(os), out))
        return halo_error(HALO_ERR_INVALID, "%s: output rect rows [%d,%d) cols [%d,%d) is empty or outside %dx%d",
                          g->name, out.y0, out.y1, out.x0, out.x1, os.h, os.w);
    int n = last - first, in_id = halo_range_input(first);
    tile->node = halo_calloc((size_t)n, sizeof *tile->node);
    if (!tile->node) return HALO_ERR_NOMEM;
    /* Spatial extent of the tile in the last node's output, for proportional (zero-pad) regions. */
    struct halo_shape in_shape = halo_graph_tensor_shape(g, in_id);
    struct halo_rect in_region = region_of(in_shape, out, os, mode);
    tile->node[n - 1].out = out;
    for (int i = last - 1; i >= first; i--) {
        const struct halo_node *nd = &g->nodes[i];
        struct halo_tile_node *t = &tile->node[i - first];
        if (mode == HALO_TILE_ZERO_PAD && i != last - 1 && halo_rect_empty(t->out))
            t->out = region_of(nd->out_shape, out, os, mode);
        if (halo_rect_empty(t->out)) {
            halo_tile_free(tile);
            return halo_error(HALO_ERR_INVALID, "%s: node %s is outside range [%d, %d)'s paths to its output",
                              g->name, nd->name, first, last);
        }
        if (mode == HALO_TILE_ZERO_PAD && !halo_op_is_spatial(nd->op)) {
            halo_tile_free(tile);
            return halo_error(HALO_ERR_INVALID, "%s: node %s (%s) cannot run on a zero-padded tile",
                              g->name, nd->name, halo_op_name(nd->op));
        }
        struct halo_rect o = t->out;
        for (int k = 0; k < nd->n_in; k++) {
            int p = nd->in[k];
            if (p < first && p != in_id) {
                halo_tile_free(tile);
                return halo_error(HALO_ERR_INVALID, "%s: node %s reads %s, from before the range's input",
                                  g->name, nd->name, p == HALO_INPUT ? "the image" : g->nodes[p].name);
            }
            struct halo_shape ps = nd->in_shape[k];
            struct halo_rect avail = p == in_id ? in_region : halo_rect_full(ps);
            if (mode == HALO_TILE_ZERO_PAD && p != in_id) avail = region_of(ps, out, os, mode);
            struct halo_rect r;
            struct halo_pad pad = {0, 0, 0, 0};
            const struct halo_window *w = &nd->win;
            switch (nd->op) {
            case HALO_OP_CONV:
            case HALO_OP_MAXPOOL:
            case HALO_OP_AVGPOOL: {
                int lo, hi;
                window_span(o.y0, o.y1, w->kh, w->sh, w->ph, w->dh, &lo, &hi);
                clip(lo, hi, avail.y0, avail.y1, &r.y0, &r.y1, &pad.top, &pad.bottom);
                window_span(o.x0, o.x1, w->kw, w->sw, w->pw, w->dw, &lo, &hi);
                clip(lo, hi, avail.x0, avail.x1, &r.x0, &r.x1, &pad.left, &pad.right);
                break;
            }
            case HALO_OP_ADAPTIVE_AVGPOOL:
                r.y0 = (int)((int64_t)o.y0 * ps.h / nd->out_h);
                r.y1 = (int)(((int64_t)o.y1 * ps.h + nd->out_h - 1) / nd->out_h);
                r.x0 = (int)((int64_t)o.x0 * ps.w / nd->out_w);
                r.x1 = (int)(((int64_t)o.x1 * ps.w + nd->out_w - 1) / nd->out_w);
                break;
            case HALO_OP_FLATTEN:
            case HALO_OP_LINEAR: r = halo_rect_full(ps); break;
            case HALO_OP_MUL: /* a channel gate (c x 1 x 1) is read whole by every tile */
                r = (k == 1 && ps.h == 1 && ps.w == 1) ? halo_rect_full(ps) : o;
                break;
            default: r = o; break; /* element-wise, and concat (channels only) */
            }
            t->read[k] = r;
            t->pad[k] = pad;
            if (p == in_id) tile->in = halo_rect_union(tile->in, r);
            else if (mode == HALO_TILE_EXACT) tile->node[p - first].out = halo_rect_union(tile->node[p - first].out, r);
        }
    }
    if (mode == HALO_TILE_ZERO_PAD) tile->in = in_region;
    return HALO_OK;
}

enum halo_status halo_tile_full(const struct halo_graph *g, int first, int last, struct halo_tile *tile)
{
    HALO_ASSERT(g->inferred && last >= 1 && last <= g->n_nodes);
    return halo_tile_build(g, first, last, halo_rect_full(g->nodes[last - 1].out_shape), HALO_TILE_EXACT, tile);
}

void halo_tile_free(struct halo_tile *tile)
{
    if (!tile) return;
    free(tile->node);
    tile->node = NULL;
}

int64_t halo_tile_macs(const struct halo_tile *tile)
{
    int64_t m = 0;
    for (int i = tile->first; i < tile->last; i++)
        m += halo_count_node_macs_area(tile->g, i, halo_rect_area(tile->node[i - tile->first].out));
    return m;
}

enum halo_status halo_stage_range_nodes(const struct halo_graph *g, int i, int j, int *first, int *last)
{
    if (i < 0 || j > g->n_stages || i >= j)
        return halo_error(HALO_ERR_INVALID, "%s: stage range [%d, %d) is not a non-empty range inside [0, %d)",
                          g->name, i, j, g->n_stages);
    *first = g->stages[i].first;
    *last = g->stages[j - 1].last;
    return HALO_OK;
}

struct halo_shape halo_stage_in_shape(const struct halo_graph *g, int i)
{
    HALO_ASSERT(g->inferred && i >= 0 && i < g->n_stages);
    return halo_graph_tensor_shape(g, halo_range_input(g->stages[i].first));
}

struct halo_shape halo_stage_out_shape(const struct halo_graph *g, int s)
{
    HALO_ASSERT(g->inferred && s >= 0 && s < g->n_stages);
    return g->nodes[g->stages[s].last - 1].out_shape;
}

enum halo_status halo_tile_build_stages(const struct halo_graph *g, int i, int j, struct halo_rect out,
                                        enum halo_tile_mode mode, struct halo_tile *tile)
{
    int first = 0, last = 0;
    *tile = (struct halo_tile){.g = g};
    HALO_TRY(halo_stage_range_nodes(g, i, j, &first, &last));
    return halo_tile_build(g, first, last, out, mode, tile);
}
