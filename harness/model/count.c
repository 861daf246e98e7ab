#include "model/count.h"

int64_t halo_count_node_params(const struct halo_graph *g, int i)
{
    const struct halo_node *n = &g->nodes[i];
    switch (n->op) {
    case HALO_OP_CONV:
        return (int64_t)n->cout * (n->cin / n->groups) * n->win.kh * n->win.kw + (n->bias ? n->cout : 0);
    case HALO_OP_LINEAR: return (int64_t)n->cout * n->cin + (n->bias ? n->cout : 0);
    case HALO_OP_BN: return 2 * (int64_t)n->cout;
    default: return 0;
    }
}

int64_t halo_count_node_macs_area(const struct halo_graph *g, int i, int64_t out_area)
{
    const struct halo_node *n = &g->nodes[i];
    if (n->op == HALO_OP_CONV)
        return (int64_t)n->cout * (n->cin / n->groups) * n->win.kh * n->win.kw * out_area;
    if (n->op == HALO_OP_LINEAR) return (int64_t)n->cin * n->cout;
    return 0;
}

/* Sum over adaptive-pool output cells of their bin sizes along one axis. */
static int64_t adaptive_bins(int in, int out)
{
    int64_t s = 0;
    for (int i = 0; i < out; i++) {
        int lo = (int)((int64_t)i * in / out), hi = (int)(((int64_t)(i + 1) * in + out - 1) / out);
        s += hi - lo;
    }
    return s;
}

struct halo_count halo_count_node(const struct halo_graph *g, int i)
{
    HALO_ASSERT(g->inferred);
    const struct halo_node *n = &g->nodes[i];
    struct halo_shape y = n->out_shape, x = n->in_shape[0];
    int64_t elems = (int64_t)y.c * y.h * y.w;
    struct halo_count c = {0, halo_count_node_params(g, i), 0, 4 * elems};
    switch (n->op) {
    case HALO_OP_CONV:
    case HALO_OP_LINEAR: c.macs = halo_count_node_macs_area(g, i, (int64_t)y.h * y.w); break;
    case HALO_OP_BN: c.elem_ops = 2 * elems; break;
    case HALO_OP_RELU:
    case HALO_OP_RELU6:
    case HALO_OP_SIGMOID:
    case HALO_OP_HARDSIGMOID:
    case HALO_OP_HARDSWISH:
    case HALO_OP_LEAKY_RELU:
    case HALO_OP_CLIP:
    case HALO_OP_MUL:
    case HALO_OP_ADD: c.elem_ops = elems; break;
    case HALO_OP_MAXPOOL: c.elem_ops = elems * ((int64_t)n->win.kh * n->win.kw - 1); break;
    case HALO_OP_AVGPOOL: c.elem_ops = elems * n->win.kh * (int64_t)n->win.kw; break;
    case HALO_OP_ADAPTIVE_AVGPOOL:
        c.elem_ops = (int64_t)y.c * adaptive_bins(x.h, y.h) * adaptive_bins(x.w, y.w);
        break;
    case HALO_OP_FLATTEN:
    case HALO_OP_CONCAT: /* a copy */
    case HALO_OP_COUNT_: break;
    }
    return c;
}

struct halo_count halo_count_range(const struct halo_graph *g, int first, int last)
{
    struct halo_count t = {0, 0, 0, 0};
    for (int i = first; i < last; i++) {
        struct halo_count c = halo_count_node(g, i);
        t.macs += c.macs;
        t.params += c.params;
        t.elem_ops += c.elem_ops;
        t.out_bytes += c.out_bytes;
    }
    return t;
}

double halo_count_min_bytes(const struct halo_graph *g, int *node)
{
    double peak = 0, params = 0;
    *node = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const struct halo_node *n = &g->nodes[i];
        double b = 4.0 * n->out_shape.c * n->out_shape.h * n->out_shape.w;
        for (int k = 0; k < n->n_in; k++) b += 4.0 * n->in_shape[k].c * n->in_shape[k].h * n->in_shape[k].w;
        if (b > peak) {
            peak = b;
            *node = i;
        }
        params += 4.0 * (double)halo_count_node_params(g, i);
    }
    return peak + params;
}
