/* profile_price: the pricer — a node's (or a node range's) predicted time on a tile, from the
 * profile's measured layer times where it measured this graph, from the fit elsewhere. */
#include "profile/profile.h"
#include "core/alloc.h"
#include "model/count.h"

#include <stdlib.h>
#include <string.h>

struct halo_pricer {
    const struct halo_profile *p;
    const struct halo_graph *g;
    const struct halo_prof_layer **measured; /* per node, NULL when priced by the fit */
    bool *fused;                             /* per node: fused into a preceding conv (fit pricing) */
    enum halo_layer_class *cls;              /* per node: the fit class used (after fallbacks) */
    bool all_measured;
};

static bool op_fused_by(const struct halo_profile *p, enum halo_op op)
{
    for (int i = 0; i < p->n_fused_ops; i++)
        if (!strcmp(p->fused_ops[i], halo_op_name(op))) return true;
    return false;
}

/* The class whose fit prices a node: its own, or the nearest present one. */
static enum halo_layer_class fit_class(const struct halo_profile *p, enum halo_layer_class c)
{
    static const enum halo_layer_class fallback[HALO_CLASS_COUNT_][4] = {
        [HALO_CLASS_CONV3X3] = {HALO_CLASS_CONV_OTHER, HALO_CLASS_CONV_STRIDED, HALO_CLASS_CONV1X1, HALO_CLASS_COUNT_},
        [HALO_CLASS_CONV1X1] = {HALO_CLASS_CONV3X3, HALO_CLASS_CONV_STRIDED, HALO_CLASS_CONV_OTHER, HALO_CLASS_COUNT_},
        [HALO_CLASS_CONV_STRIDED] = {HALO_CLASS_CONV3X3, HALO_CLASS_CONV_OTHER, HALO_CLASS_CONV1X1, HALO_CLASS_COUNT_},
        [HALO_CLASS_DEPTHWISE] = {HALO_CLASS_COUNT_},
        [HALO_CLASS_CONV_OTHER] = {HALO_CLASS_CONV3X3, HALO_CLASS_CONV_STRIDED, HALO_CLASS_CONV1X1, HALO_CLASS_COUNT_},
        [HALO_CLASS_LINEAR] = {HALO_CLASS_CONV1X1, HALO_CLASS_COUNT_},
        [HALO_CLASS_ELEMENTWISE] = {HALO_CLASS_COUNT_},
    };
    if (p->has_fit && p->fit[c].present) return c;
    for (int i = 0; i < 4 && fallback[c][i] != HALO_CLASS_COUNT_; i++)
        if (p->has_fit && p->fit[fallback[c][i]].present) return fallback[c][i];
    return HALO_CLASS_COUNT_;
}

static enum halo_status pricer_build(const struct halo_profile *p, const struct halo_graph *g, bool fit_only,
                                     struct halo_pricer **out)
{
    HALO_ASSERT(g->inferred);
    *out = NULL;
    struct halo_pricer *pr = halo_calloc(1, sizeof *pr);
    if (!pr) return HALO_ERR_NOMEM;
    pr->p = p;
    pr->g = g;
    pr->measured = halo_calloc((size_t)g->n_nodes, sizeof *pr->measured);
    pr->fused = halo_calloc((size_t)g->n_nodes, sizeof *pr->fused);
    pr->cls = halo_calloc((size_t)g->n_nodes, sizeof *pr->cls);
    if (!pr->measured || !pr->fused || !pr->cls) {
        halo_pricer_free(pr);
        return HALO_ERR_NOMEM;
    }
    const struct halo_prof_model *pm = fit_only ? NULL : halo_profile_find(p, g->name, g->input.h, g->input.w);
    if (pm && pm->n_layers != g->n_nodes) pm = NULL; /* a different graph of the same name */
    pr->all_measured = pm != NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        const struct halo_node *n = &g->nodes[i];
        if (pm && pm->layers[i].index == i && !strcmp(pm->layers[i].node, n->name)) {
            pr->measured[i] = &pm->layers[i];
            continue;
        }
        pr->all_measured = false;
        for (int k = 0; k < n->n_in && op_fused_by(p, n->op); k++) {
            int q = n->in[k];
            if (q >= 0 && (g->nodes[q].op == HALO_OP_CONV || pr->fused[q])) pr->fused[i] = true;
        }
        pr->cls[i] = fit_class(p, halo_layer_class_of(n));
        bool needs_price = !pr->fused[i] && n->op != HALO_OP_FLATTEN;
        if (needs_price && pr->cls[i] == HALO_CLASS_COUNT_) {
            enum halo_layer_class c = halo_layer_class_of(n);
            halo_pricer_free(pr);
            return halo_error(HALO_ERR_INVALID,
                              "%s: fit.classes.%s: missing, and the profile did not measure %s at %dx%d (node %s)",
                              p->path ? p->path : p->name, halo_layer_class_name(c), g->name, g->input.h,
                              g->input.w, n->name);
        }
    }
    *out = pr;
    return HALO_OK;
}

enum halo_status halo_pricer_new(const struct halo_profile *p, const struct halo_graph *g, struct halo_pricer **out)
{
    return pricer_build(p, g, false, out);
}

void halo_pricer_free(struct halo_pricer *pr)
{
    if (!pr) return;
    free(pr->measured);
    free(pr->fused);
    free(pr->cls);
    free(pr);
}

bool halo_pricer_measured(const struct halo_pricer *pr) { return pr->all_measured; }

static double penalty_at(const struct halo_profile *p, enum halo_layer_class c, double f)
{
    int n = p->n_fractions;
    if (!n || f >= 1) return 1.0;
    const double *pen = p->penalty + c * n, *fr = p->fractions;
    if (f <= fr[0]) return pen[0];
    for (int i = 0; i < n; i++) {
        double f1 = i + 1 < n ? fr[i + 1] : 1.0, p1 = i + 1 < n ? pen[i + 1] : 1.0;
        if (f <= f1) return pen[i] + (p1 - pen[i]) * (f - fr[i]) / (f1 - fr[i]);
    }
    return 1.0;
}

double halo_pricer_node_ms(const struct halo_pricer *pr, int i, int64_t area)
{
    const struct halo_node *n = &pr->g->nodes[i];
    int64_t full = (int64_t)n->out_shape.h * n->out_shape.w;
    double f = full > 0 ? (double)area / (double)full : 1.0;
    if (f <= 0) return 0;
    const struct halo_prof_layer *m = pr->measured[i];
    if (m) return m->fused ? 0 : halo_prof_layer_time_ms(m, f);
    if (pr->fused[i] || n->op == HALO_OP_FLATTEN) return 0;
    enum halo_layer_class c = pr->cls[i];
    const struct halo_class_fit *fit = &pr->p->fit[c];
    struct halo_count cnt = halo_count_node(pr->g, i);
    double work = halo_layer_class_of(n) == HALO_CLASS_ELEMENTWISE ? (double)cnt.elem_ops : 2.0 * (double)cnt.macs;
    return fit->overhead_ms + work * f / (fit->gflops * 1e6) * penalty_at(pr->p, c, f);
}

double halo_pricer_range_ms(const struct halo_pricer *pr, int first, int last)
{
    double t = 0;
    for (int i = first; i < last; i++)
        t += halo_pricer_node_ms(pr, i, (int64_t)pr->g->nodes[i].out_shape.h * pr->g->nodes[i].out_shape.w);
    return t;
}

enum halo_status halo_profile_predict_ms(const struct halo_profile *p, const struct halo_graph *g, double *ms)
{
    struct halo_pricer *pr;
    HALO_TRY(pricer_build(p, g, true, &pr));
    *ms = halo_pricer_range_ms(pr, 0, g->n_nodes);
    halo_pricer_free(pr);
    return HALO_OK;
}
