#include "exec/backend.h"

void halo_backend_free(struct halo_backend *be)
{
    if (be && be->iface.free) be->iface.free(be);
}

const char *halo_backend_name(struct halo_backend *be) { return be->iface.name(be); }

const char *halo_backend_version(struct halo_backend *be)
{
    return be->iface.version ? be->iface.version(be) : halo_backend_name(be);
}

enum halo_status halo_backend_load(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w)
{
    HALO_ASSERT(g->inferred && w && w->n_nodes == g->n_nodes);
    return be->iface.load(be, g, w);
}

enum halo_status halo_backend_compute(struct halo_backend *be, const struct halo_tile *tile,
                                      const struct halo_tensor *in, struct halo_tensor *out, double *node_ms)
{
    HALO_ASSERT(halo_rect_contains(in->rect, tile->in));
    HALO_ASSERT(halo_rect_eq(out->rect, tile->node[tile->last - 1 - tile->first].out));
    /* a model's input channels come from its file (ONNX), an image's from the image: say so */
    int c = halo_graph_tensor_shape(tile->g, halo_range_input(tile->first)).c;
    if (in->c != c)
        return halo_error(HALO_ERR_INVALID, "%s: reads %d input channels, the tensor given has %d", tile->g->name, c,
                          in->c);
    return be->iface.compute(be, tile, in, out, node_ms);
}

const char *halo_backend_impl(struct halo_backend *be, int node)
{
    const char *s = be->iface.impl ? be->iface.impl(be, node) : NULL;
    return s ? s : "-";
}

int halo_backend_threads(struct halo_backend *be) { return be->iface.threads ? be->iface.threads(be) : 1; }

enum halo_status halo_backend_describe(struct halo_backend *be, cJSON *obj)
{
    return be->iface.describe ? be->iface.describe(be, obj) : HALO_OK;
}

enum halo_status halo_backend_ceilings(struct halo_backend *be, const struct halo_ceilings_opts *o, cJSON **out)
{
    static const struct halo_ceilings_opts defaults = {0};
    *out = NULL;
    if (!be->iface.ceilings)
        return halo_error(HALO_ERR_UNSUPPORTED, "the %s backend measures no ceilings (it has no ceilings entry)",
                          halo_backend_name(be));
    return be->iface.ceilings(be, o ? o : &defaults, out);
}
