#include "exec/executor.h"

enum halo_status halo_exec_rect(struct halo_backend *be, const struct halo_graph *g, int first, int last,
                                struct halo_rect out_rect, enum halo_tile_mode mode,
                                const struct halo_tensor *in, struct halo_tensor *out)
{
    struct halo_tile tile;
    HALO_TRY(halo_tile_build(g, first, last, out_rect, mode, &tile));
    enum halo_status st = HALO_OK;
    if (!halo_rect_contains(in->rect, tile.in))
        st = halo_error(HALO_ERR_INVALID,
                        "%s: input holds rows [%d,%d) cols [%d,%d) but the part needs rows [%d,%d) cols [%d,%d)",
                        g->name, in->rect.y0, in->rect.y1, in->rect.x0, in->rect.x1, tile.in.y0, tile.in.y1,
                        tile.in.x0, tile.in.x1);
    if (st == HALO_OK) st = halo_tensor_alloc(out, g->nodes[last - 1].out_shape.c, out_rect);
    if (st == HALO_OK) {
        st = halo_backend_compute(be, &tile, in, out, NULL);
        if (st != HALO_OK) halo_tensor_free(out);
    }
    halo_tile_free(&tile);
    return st;
}

enum halo_status halo_exec_graph(struct halo_backend *be, const struct halo_graph *g,
                                 const struct halo_tensor *image, struct halo_tensor *out, double *node_ms)
{
    struct halo_tile tile;
    HALO_TRY(halo_tile_full(g, 0, g->n_nodes, &tile));
    enum halo_status st = halo_tensor_alloc(out, g->nodes[g->n_nodes - 1].out_shape.c,
                                            tile.node[g->n_nodes - 1].out);
    if (st == HALO_OK) {
        st = halo_backend_compute(be, &tile, image, out, node_ms);
        if (st != HALO_OK) halo_tensor_free(out);
    }
    halo_tile_free(&tile);
    return st;
}
