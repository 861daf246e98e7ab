/* cuda_load: the cuda backend's device state — growing device buffers, freeing the context — and
 * loading a graph: weights to the device once, each BatchNorm folded into the conv before it. */
#include "cuda_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- state ------------------------------------------------------------------------------------- */

const char *halo_cuda_impl(struct halo_backend *be, int node)
{
    struct cuda_ctx *c = be->ctx;
    if (!c->node || node < 0 || node >= c->n_nodes) return NULL;
    const struct dev_node *d = &c->node[node];
    if (d->fused_into < 0) return d->impl;
    const char *head = c->g->nodes[d->fused_into].name;
    size_t need = strlen("fused into ") + strlen(head) + 1;
    if (halo_grow((void **)&c->impl_buf, &c->impl_cap, need, 1)) return "fused";
    snprintf(c->impl_buf, c->impl_cap, "fused into %s", head);
    return c->impl_buf;
}

enum halo_status halo_cuda_reserve(struct cuda_ctx *c, void **p, size_t *cap, size_t bytes)
{
    if (*p && *cap >= bytes) return HALO_OK;
    if (bytes < sizeof(float)) bytes = sizeof(float);
    if (*p) {
        CU(cudaStreamSynchronize(c->stream)); /* work queued on the old buffer must finish first */
        CU(cudaFree(*p));
        *p = NULL;
        *cap = 0;
    }
    CU(cudaMalloc(p, bytes));
    *cap = bytes;
    return HALO_OK;
}

static enum halo_status upload(float **dst, const float *src, size_t n)
{
    CU(cudaMalloc((void **)dst, n * sizeof(float)));
    CU(cudaMemcpy(*dst, src, n * sizeof(float), cudaMemcpyHostToDevice));
    return HALO_OK;
}
static void free_nodes(struct cuda_ctx *c)
{
    for (int i = 0; c->node && i < c->n_nodes; i++) {
        struct dev_node *d = &c->node[i];
        float *bufs[] = {d->w, d->b, d->wf, d->bf, d->scale, d->shift, d->out};
        for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
            if (bufs[k]) CU_WARN(cudaFree(bufs[k]));
        if (d->filter) DNN_WARN(cudnnDestroyFilterDescriptor(d->filter));
        if (d->bias_desc) DNN_WARN(cudnnDestroyTensorDescriptor(d->bias_desc));
        if (d->pool) DNN_WARN(cudnnDestroyPoolingDescriptor(d->pool));
        for (size_t k = 0; k < d->n_plans; k++) halo_cuda_plan_destroy(&d->plans[k]);
        free(d->plans);
    }
    free(c->node);
    c->node = NULL;
    c->n_nodes = 0;
    c->g = NULL;
}

void halo_cuda_free(struct halo_backend *be)
{
    if (!be) return;
    struct cuda_ctx *c = be->ctx;
    if (c) {
        if (c->stream) {
            CU_WARN(cudaSetDevice(c->device));
            CU_WARN(cudaStreamSynchronize(c->stream));
        }
        free_nodes(c);
        void *bufs[] = {c->ws, c->in, c->pad};
        for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
            if (bufs[k]) CU_WARN(cudaFree(bufs[k]));
        if (c->relu) DNN_WARN(cudnnDestroyActivationDescriptor(c->relu));
        if (c->ev0) CU_WARN(cudaEventDestroy(c->ev0));
        if (c->ev1) CU_WARN(cudaEventDestroy(c->ev1));
        if (c->blas) {
            cublasStatus_t s = cublasDestroy(c->blas);
            if (s != CUBLAS_STATUS_SUCCESS) HALO_WARN("cuda backend: cublasDestroy: %s", cublasGetStatusString(s));
        }
        if (c->dnn) DNN_WARN(cudnnDestroy(c->dnn));
        if (c->stream) CU_WARN(cudaStreamDestroy(c->stream));
        free(c->name);
        free(c->pci);
        free(c->cpuset);
        free(c->version);
        free(c->impl_buf);
    }
    free(c);
    free(be);
}
/* ---- load: weights to the device once ---------------------------------------------------------- */

/* A host copy of n floats of src, or zeros when src is NULL. */
static float *host_copy(const float *src, size_t n)
{
    float *p = halo_calloc(n ? n : 1, sizeof *p);
    if (p && src) memcpy(p, src, n * sizeof *p);
    return p;
}

static enum halo_status load_conv(struct cuda_ctx *c, const struct halo_graph *g, const struct halo_weights *w, int i)
{
    const struct halo_node *nd = &g->nodes[i];
    const struct halo_node_weights *nw = &w->node[i];
    struct dev_node *d = &c->node[i];
    size_t per_oc = (size_t)(nd->cin / nd->groups) * nd->win.kh * nd->win.kw, cout = (size_t)nd->cout;
    HALO_TRY(upload(&d->w, nw->weight, cout * per_oc));
    float *b = host_copy(nd->bias ? nw->bias : NULL, cout);
    if (!b) return HALO_ERR_NOMEM;
    enum halo_status st = upload(&d->b, b, cout);
    free(b);
    HALO_TRY(st);
    DNN(cudnnCreateFilterDescriptor(&d->filter));
    DNN(cudnnSetFilter4dDescriptor(d->filter, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, nd->cout, nd->cin / nd->groups,
                                   nd->win.kh, nd->win.kw));
    DNN(cudnnCreateTensorDescriptor(&d->bias_desc));
    DNN(cudnnSetTensor4dDescriptor(d->bias_desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, nd->cout, 1, 1));

    /* A BatchNorm reading this conv: keep a folded copy, used when both run in one tile. */
    int j = i + 1;
    if (j >= g->n_nodes || g->nodes[j].op != HALO_OP_BN || g->nodes[j].n_in != 1 || g->nodes[j].in[0] != i ||
        g->nodes[j].cin != nd->cout)
        return HALO_OK;
    const struct halo_node_weights *bn = &w->node[j];
    float *wf = halo_malloc(cout * per_oc, sizeof *wf), *bf = halo_malloc(cout, sizeof *bf);
    if (!wf || !bf) {
        free(wf);
        free(bf);
        return HALO_ERR_NOMEM;
    }
    for (size_t oc = 0; oc < cout; oc++) {
        double s = bn->weight[oc] / sqrt((double)bn->var[oc] + g->nodes[j].eps);
        for (size_t k = 0; k < per_oc; k++) wf[oc * per_oc + k] = (float)(nw->weight[oc * per_oc + k] * s);
        double bias = nd->bias ? nw->bias[oc] : 0.0;
        bf[oc] = (float)((bias - bn->mean[oc]) * s + bn->bias[oc]);
    }
    st = upload(&d->wf, wf, cout * per_oc);
    if (st == HALO_OK) st = upload(&d->bf, bf, cout);
    free(wf);
    free(bf);
    if (st == HALO_OK) d->fold_bn = j;
    return st;
}

static enum halo_status load_node(struct cuda_ctx *c, const struct halo_graph *g, const struct halo_weights *w, int i)
{
    const struct halo_node *nd = &g->nodes[i];
    const struct halo_node_weights *nw = &w->node[i];
    struct dev_node *d = &c->node[i];
    switch (nd->op) {
    case HALO_OP_CONV: return load_conv(c, g, w, i);
    case HALO_OP_LINEAR: {
        HALO_TRY(upload(&d->w, nw->weight, (size_t)nd->cout * nd->cin));
        float *b = host_copy(nd->bias ? nw->bias : NULL, (size_t)nd->cout);
        if (!b) return HALO_ERR_NOMEM;
        enum halo_status st = upload(&d->b, b, (size_t)nd->cout);
        free(b);
        return st;
    }
    case HALO_OP_BN: {
        int ch = nd->cin;
        float *scale = halo_malloc((size_t)ch, sizeof *scale), *shift = halo_malloc((size_t)ch, sizeof *shift);
        enum halo_status st = HALO_ERR_NOMEM;
        if (scale && shift) {
            for (int k = 0; k < ch; k++) {
                double s = nw->weight[k] / sqrt((double)nw->var[k] + nd->eps);
                scale[k] = (float)s;
                shift[k] = (float)(nw->bias[k] - nw->mean[k] * s);
            }
            st = upload(&d->scale, scale, (size_t)ch);
            if (st == HALO_OK) st = upload(&d->shift, shift, (size_t)ch);
        }
        free(scale);
        free(shift);
        return st;
    }
    case HALO_OP_MAXPOOL:
        if (nd->win.dh != 1 || nd->win.dw != 1) return HALO_OK; /* cuDNN pooling has no dilation: kernel */
        DNN(cudnnCreatePoolingDescriptor(&d->pool));
        DNN(cudnnSetPooling2dDescriptor(d->pool, CUDNN_POOLING_MAX, CUDNN_PROPAGATE_NAN, nd->win.kh, nd->win.kw,
                                        0, 0, nd->win.sh, nd->win.sw));
        return HALO_OK;
    default: return HALO_OK;
    }
}

enum halo_status halo_cuda_load(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w)
{
    struct cuda_ctx *c = be->ctx;
    CU(cudaSetDevice(c->device));
    CU(cudaStreamSynchronize(c->stream));
    free_nodes(c);
    c->node = halo_calloc((size_t)g->n_nodes, sizeof *c->node);
    if (!c->node) return HALO_ERR_NOMEM;
    c->n_nodes = g->n_nodes;
    for (int i = 0; i < g->n_nodes; i++) c->node[i].fold_bn = c->node[i].fused_into = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        enum halo_status st = load_node(c, g, w, i);
        if (st != HALO_OK) {
            halo_error_prefix("%s: node %s", g->name, g->nodes[i].name);
            free_nodes(c);
            return st;
        }
    }
    c->g = g;
    return HALO_OK;
}
