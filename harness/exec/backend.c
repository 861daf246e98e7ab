#include "exec/backend.h"
#include "halo_config.h"

#include <stdio.h>
#include <string.h>

const char *halo_backend_available(void)
{
    return "ref"
#if HALO_HAVE_DNNL
           ",cpu"
#endif
#if HALO_CUDA_BACKEND
           ",cuda"
#endif
        ;
}

bool halo_backend_compiled(const char *name)
{
    if (!name) return false;
    return !strcmp(name, "ref")
#if HALO_HAVE_DNNL
           || !strcmp(name, "cpu")
#endif
#if HALO_CUDA_BACKEND
           || !strcmp(name, "cuda")
#endif
        ;
}

enum halo_status halo_backend_new(const char *name, const struct halo_backend_opts *opts,
                                  struct halo_backend **out)
{
    static const struct halo_backend_opts defaults = {0, 0};
    if (!opts) opts = &defaults;
    *out = NULL;
    if (name && !strcmp(name, "ref")) return halo_backend_ref_new(opts, out);
#if HALO_HAVE_DNNL
    if (name && !strcmp(name, "cpu")) return halo_backend_cpu_new(opts, out);
#endif
#if HALO_CUDA_BACKEND
    if (name && !strcmp(name, "cuda")) return halo_backend_cuda_new(opts, out);
#endif
    return halo_error(HALO_ERR_INVALID, "unknown backend '%s' (this build has: %s)", name ? name : "",
                      halo_backend_available());
}

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
    return be->iface.compute(be, tile, in, out, node_ms);
}

const char *halo_backend_impl(struct halo_backend *be, int node)
{
    const char *s = be->iface.impl ? be->iface.impl(be, node) : NULL;
    return s ? s : "-";
}

int halo_backend_threads(struct halo_backend *be) { return be->iface.threads ? be->iface.threads(be) : 1; }
