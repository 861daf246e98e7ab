/* cuda_plan: the cuda backend's plans — cuDNN descriptors and the forward algorithm per (node,
 * input shape), found by timing every algorithm on first use, and the workspace they need. */
#include "cuda_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- plans: descriptors and algorithm per (node, input shape) ----------------------------------- */

const char *halo_cuda_algo_name(cudnnConvolutionFwdAlgo_t a)
{
    switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: return "IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return "IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return "GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT: return "DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT: return "FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: return "FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: return "WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
    default: return "unknown";
    }
}

void halo_cuda_plan_destroy(struct plan *p)
{
    if (p->x) DNN_WARN(cudnnDestroyTensorDescriptor(p->x));
    if (p->y) DNN_WARN(cudnnDestroyTensorDescriptor(p->y));
    if (p->conv) DNN_WARN(cudnnDestroyConvolutionDescriptor(p->conv));
    memset(p, 0, sizeof *p);
}

static struct plan *plan_find(struct dev_node *d, int in_h, int in_w, int pad_h, int pad_w)
{
    for (size_t k = 0; k < d->n_plans; k++) {
        struct plan *p = &d->plans[k];
        if (p->in_h == in_h && p->in_w == in_w && p->pad_h == pad_h && p->pad_w == pad_w) return p;
    }
    return NULL;
}

/* Tries every forward algorithm, keeps the fastest that succeeded, and grows the workspace. */
static enum halo_status choose_algo(struct cuda_ctx *c, const struct halo_node *nd, struct dev_node *d, struct plan *p)
{
    int max = 0, got = 0;
    DNN(cudnnGetConvolutionForwardAlgorithmMaxCount(c->dnn, &max));
    if (max < 1) max = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
    cudnnConvolutionFwdAlgoPerf_t *perf = halo_calloc((size_t)max, sizeof *perf);
    if (!perf) return HALO_ERR_NOMEM;
    enum halo_status st =
        halo_cudnn_check(cudnnFindConvolutionForwardAlgorithm(c->dnn, p->x, d->filter, p->conv, p->y, max, &got, perf),
                         "cudnnFindConvolutionForwardAlgorithm(c->dnn, p->x, d->filter, p->conv, p->y, max, &got, perf)");
    int best = -1;
    for (int k = 0; st == HALO_OK && k < got && best < 0; k++) /* sorted fastest first */
        if (perf[k].status == CUDNN_STATUS_SUCCESS) best = k;
    if (st == HALO_OK && best < 0)
        st = halo_error(HALO_ERR_BACKEND,
                        "cuda backend: no cuDNN forward algorithm supports input %dx%dx%d pad %d,%d (%d tried, "
                        "first: %s)",
                        nd->cin, p->in_h, p->in_w, p->pad_h, p->pad_w, got,
                        got ? cudnnGetErrorString(perf[0].status) : "none returned");
    if (st == HALO_OK) {
        p->algo = perf[best].algo;
        size_t ws = perf[best].memory;
        if (c->math != CUDNN_FMA_MATH) /* TF32 allowed: run it as it was timed; FMA stays FMA */
            st = halo_cudnn_check(cudnnSetConvolutionMathType(p->conv, perf[best].mathType),
                                  "cudnnSetConvolutionMathType(p->conv, perf[best].mathType)");
        if (st == HALO_OK)
            st = halo_cudnn_check(cudnnGetConvolutionForwardWorkspaceSize(c->dnn, p->x, d->filter, p->conv, p->y, p->algo, &ws),
                                  "cudnnGetConvolutionForwardWorkspaceSize(c->dnn, p->x, d->filter, p->conv, p->y, p->algo, &ws)");
        if (ws < perf[best].memory) ws = perf[best].memory;
        p->ws_bytes = ws;
        if (st == HALO_OK && ws > c->ws_bytes) st = halo_cuda_reserve(c, &c->ws, &c->ws_bytes, ws);
    }
    free(perf);
    return st;
}

static enum halo_status conv_plan_init(struct cuda_ctx *c, const struct halo_node *nd, struct dev_node *d,
                                       struct plan *p, int oh, int ow)
{
    DNN(cudnnCreateTensorDescriptor(&p->x));
    DNN(cudnnCreateTensorDescriptor(&p->y));
    DNN(cudnnCreateConvolutionDescriptor(&p->conv));
    DNN(cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, nd->cin, p->in_h, p->in_w));
    DNN(cudnnSetConvolution2dDescriptor(p->conv, p->pad_h, p->pad_w, nd->win.sh, nd->win.sw, nd->win.dh, nd->win.dw,
                                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    DNN(cudnnSetConvolutionGroupCount(p->conv, nd->groups));
    DNN(cudnnSetConvolutionMathType(p->conv, c->math));
    int n, ch, h, w;
    DNN(cudnnGetConvolution2dForwardOutputDim(p->conv, p->x, d->filter, &n, &ch, &h, &w));
    if (n != 1 || ch != nd->cout || h != oh || w != ow)
        return halo_error(HALO_ERR_INTERNAL, "cuda backend: cuDNN's conv output %dx%dx%d differs from the tile's %dx%dx%d",
                          ch, h, w, nd->cout, oh, ow);
    DNN(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, nd->cout, oh, ow));
    return choose_algo(c, nd, d, p);
}

static enum halo_status pool_plan_init(const struct halo_node *nd, struct dev_node *d, struct plan *p, int oh, int ow)
{
    int ch = nd->out_shape.c;
    DNN(cudnnCreateTensorDescriptor(&p->x));
    DNN(cudnnCreateTensorDescriptor(&p->y));
    DNN(cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, ch, p->in_h, p->in_w));
    int n, c2, h, w;
    DNN(cudnnGetPooling2dForwardOutputDim(d->pool, p->x, &n, &c2, &h, &w));
    if (n != 1 || c2 != ch || h != oh || w != ow)
        return halo_error(HALO_ERR_INTERNAL, "cuda backend: cuDNN's pooling output %dx%dx%d differs from the tile's %dx%dx%d",
                          c2, h, w, ch, oh, ow);
    DNN(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, ch, oh, ow));
    return HALO_OK;
}

enum halo_status halo_cuda_get_plan(struct cuda_ctx *c, int i, int in_h, int in_w, int pad_h, int pad_w, int oh,
                                    int ow, struct plan **out)
{
    const struct halo_node *nd = &c->g->nodes[i];
    struct dev_node *d = &c->node[i];
    if ((*out = plan_find(d, in_h, in_w, pad_h, pad_w))) return HALO_OK;
    if (halo_grow((void **)&d->plans, &d->cap_plans, d->n_plans + 1, sizeof *d->plans)) return HALO_ERR_NOMEM;
    struct plan *p = &d->plans[d->n_plans];
    memset(p, 0, sizeof *p);
    *p = (struct plan){.in_h = in_h, .in_w = in_w, .pad_h = pad_h, .pad_w = pad_w};
    enum halo_status st = nd->op == HALO_OP_CONV ? conv_plan_init(c, nd, d, p, oh, ow) : pool_plan_init(nd, d, p, oh, ow);
    if (st != HALO_OK) {
        halo_cuda_plan_destroy(p);
        return st;
    }
    d->n_plans++;
    *out = p;
    return HALO_OK;
}
