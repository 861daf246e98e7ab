#include "runtime/split_exec.h"
#include "core/clock.h"

/* Runs `tile` on a copy of its input rect, timing only the compute call. */
static enum halo_status run_tile(struct halo_backend *be, const struct halo_tile *tile, const struct halo_tensor *in,
                                 struct halo_tensor *out, double *ms)
{
    const struct halo_graph *g = tile->g;
    if (!halo_rect_contains(in->rect, tile->in))
        return halo_error(HALO_ERR_INVALID,
                          "%s: input holds rows [%d,%d) cols [%d,%d) but the part needs rows [%d,%d) cols [%d,%d)",
                          g->name, in->rect.y0, in->rect.y1, in->rect.x0, in->rect.x1, tile->in.y0, tile->in.y1,
                          tile->in.x0, tile->in.x1);
    struct halo_tensor part_in = {0};
    HALO_TRY(halo_tensor_alloc(&part_in, in->c, tile->in));
    halo_tensor_copy_region(&part_in, in, tile->in);
    enum halo_status st = halo_tensor_alloc(out, g->nodes[tile->last - 1].out_shape.c,
                                            tile->node[tile->last - 1 - tile->first].out);
    if (st == HALO_OK) {
        double t0 = halo_now_ms();
        st = halo_backend_compute(be, tile, &part_in, out, NULL);
        if (ms) *ms = halo_now_ms() - t0;
        if (st != HALO_OK) halo_tensor_free(out);
    }
    halo_tensor_free(&part_in);
    return st;
}

enum halo_status halo_exec_split(struct halo_backend *be, const struct halo_graph *g, int first, int last,
                                 const struct halo_split *split, const struct halo_tensor *in,
                                 struct halo_tensor *out, double *part_ms)
{
    HALO_ASSERT(g->inferred && first >= 0 && first < last && last <= g->n_nodes);
    struct halo_shape os = g->nodes[last - 1].out_shape;
    if (split->h != os.h || split->w != os.w)
        return halo_error(HALO_ERR_INVALID, "%s: a split of %dx%d for an output of %dx%d (node %s)", g->name, split->h,
                          split->w, os.h, os.w, g->nodes[last - 1].name);
    HALO_TRY(halo_tensor_alloc(out, os.c, halo_rect_full(os)));
    enum halo_status st = HALO_OK;
    for (int p = 0; p < split->n_parts && st == HALO_OK; p++) {
        struct halo_tile tile;
        struct halo_tensor part_out = {0};
        st = halo_tile_build(g, first, last, split->part[p], HALO_TILE_EXACT, &tile);
        if (st != HALO_OK) break;
        st = run_tile(be, &tile, in, &part_out, part_ms ? &part_ms[p] : NULL);
        if (st == HALO_OK) halo_tensor_copy_region(out, &part_out, split->part[p]);
        else halo_error_prefix("part %d", p);
        halo_tensor_free(&part_out);
        halo_tile_free(&tile);
    }
    if (st != HALO_OK) halo_tensor_free(out);
    return st;
}

enum halo_status halo_exec_unsplit(struct halo_backend *be, const struct halo_graph *g, int first, int last,
                                   const struct halo_tensor *in, struct halo_tensor *out, double *ms)
{
    HALO_ASSERT(g->inferred && first >= 0 && first < last && last <= g->n_nodes);
    struct halo_tile tile;
    HALO_TRY(halo_tile_full(g, first, last, &tile));
    enum halo_status st = run_tile(be, &tile, in, out, ms);
    halo_tile_free(&tile);
    return st;
}
