/* backend_cuda: the cuDNN backend. Weights go to the device once at load (each BatchNorm folded
 * into the conv before it as well); a compute call copies the tile's input to the device, runs
 * every node there (cuDNN convolution with fused bias + ReLU and max pooling, cuBLAS for linear
 * layers, kernels.cu for crops, pads and element-wise ops) and copies the last output back.
 *
 * Tiles: a node is a 'valid' window over pad + read (model/rf.h). cuDNN's legacy padding is
 * symmetric, so a conv or pool whose pad is asymmetric, or whose read is smaller than its
 * producer's buffer, gets an explicit padded copy (zeros for conv, -inf for max pool) and runs
 * unpadded. Convolutions run in exact FP32 (CUDNN_FMA_MATH) so that they agree with the ref
 * backend; HALO_CUDA_TF32=1 lets cuDNN use TF32 tensor cores instead. */
#include "backend_cuda.h"
#include "core/alloc.h"
#include "core/log.h"
#include "exec/backend.h"
#include "kernels.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if HALO_CUDA_HWLOC
#include <hwloc.h>
#include <hwloc/cudart.h>
#endif

/* ---- checked calls: every failure names the call and becomes HALO_ERR_BACKEND ----------------- */

static enum halo_status check_cuda(cudaError_t e, const char *call)
{
    if (e == cudaSuccess) return HALO_OK;
    (void)cudaGetLastError(); /* clear a sticky launch error so that later calls report their own */
    return halo_error(HALO_ERR_BACKEND, "cuda backend: %s: %s (%s)", call, cudaGetErrorString(e), cudaGetErrorName(e));
}

static enum halo_status check_cudnn(cudnnStatus_t s, const char *call)
{
    if (s == CUDNN_STATUS_SUCCESS) return HALO_OK;
    char detail[512] = "";
    cudnnGetLastErrorString(detail, sizeof detail);
    return halo_error(HALO_ERR_BACKEND, "cuda backend: %s: %s%s%s", call, cudnnGetErrorString(s),
                      detail[0] ? ": " : "", detail);
}

static enum halo_status check_cublas(cublasStatus_t s, const char *call)
{
    if (s == CUBLAS_STATUS_SUCCESS) return HALO_OK;
    return halo_error(HALO_ERR_BACKEND, "cuda backend: %s: %s (%s)", call, cublasGetStatusString(s),
                      cublasGetStatusName(s));
}

#define CU(call) HALO_TRY(check_cuda((call), #call))
#define DNN(call) HALO_TRY(check_cudnn((call), #call))
#define BLAS(call) HALO_TRY(check_cublas((call), #call))

/* In teardown nothing can be returned: a failure is logged with its call. */
#define CU_WARN(call)                                                                                \
    do {                                                                                             \
        cudaError_t e_ = (call);                                                                     \
        if (e_ != cudaSuccess) HALO_WARN("cuda backend: %s: %s", #call, cudaGetErrorString(e_));     \
    } while (0)
#define DNN_WARN(call)                                                                               \
    do {                                                                                             \
        cudnnStatus_t s_ = (call);                                                                   \
        if (s_ != CUDNN_STATUS_SUCCESS) HALO_WARN("cuda backend: %s: %s", #call, cudnnGetErrorString(s_)); \
    } while (0)

/* ---- state ------------------------------------------------------------------------------------- */

/* Descriptors and algorithm of one node for one input shape (conv and cuDNN max pool). The key is
 * the input cuDNN sees (after any explicit pad) and the symmetric padding cuDNN adds. */
struct plan {
    int in_h, in_w, pad_h, pad_w;
    cudnnTensorDescriptor_t x, y;
    cudnnConvolutionDescriptor_t conv; /* NULL for pooling */
    cudnnConvolutionFwdAlgo_t algo;
    size_t ws_bytes;
    bool unfused; /* cudnnConvolutionBiasActivationForward refused `algo`: conv, then a kernel */
};

struct dev_node {
    float *w, *b;         /* conv / linear weight and bias (zeros when the node has none) */
    float *wf, *bf;       /* conv read by the BatchNorm `fold_bn`: weight and bias with it folded in */
    int fold_bn;          /* -1 when none */
    float *scale, *shift; /* BatchNorm as a per-channel affine map, for when it is not folded */
    cudnnFilterDescriptor_t filter;
    cudnnTensorDescriptor_t bias_desc;
    cudnnPoolingDescriptor_t pool;
    struct plan *plans;
    size_t n_plans, cap_plans;
    float *out; /* output buffer, grown as tiles need */
    size_t out_bytes;
    const char *impl; /* what last ran it */
    int fused_into;   /* the node it last ran inside, or -1 */
};

struct cuda_ctx {
    int device;
    cudaStream_t stream;
    cudnnHandle_t dnn;
    cublasHandle_t blas;
    cudaEvent_t ev0, ev1;
    cudnnActivationDescriptor_t relu;
    cudnnMathType_t math;
    void *ws; /* cuDNN workspace: the largest any plan needs */
    size_t ws_bytes;
    void *in; /* the tile's input */
    size_t in_bytes;
    void *pad; /* explicit padding of one node's input */
    size_t pad_bytes;
    const struct halo_graph *g;
    struct dev_node *node;
    int n_nodes;
    struct halo_gpu_info info;
    char *name, *pci, *cpuset, *version;
    char *impl_buf; /* impl()'s "fused into <node>" */
    size_t impl_cap;
};

static const char *cuda_name(struct halo_backend *be)
{
    (void)be;
    return "cuda";
}

static const char *cuda_version(struct halo_backend *be)
{
    struct cuda_ctx *c = be->ctx;
    return c->version;
}

static int cuda_threads(struct halo_backend *be)
{
    (void)be;
    return 1;
}

static const char *algo_name(cudnnConvolutionFwdAlgo_t a)
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

static const char *cuda_impl(struct halo_backend *be, int node)
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

/* Makes *p hold at least `bytes` of device memory (contents are not kept). */
static enum halo_status dev_reserve(struct cuda_ctx *c, void **p, size_t *cap, size_t bytes)
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

static void plan_destroy(struct plan *p)
{
    if (p->x) DNN_WARN(cudnnDestroyTensorDescriptor(p->x));
    if (p->y) DNN_WARN(cudnnDestroyTensorDescriptor(p->y));
    if (p->conv) DNN_WARN(cudnnDestroyConvolutionDescriptor(p->conv));
    memset(p, 0, sizeof *p);
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
        for (size_t k = 0; k < d->n_plans; k++) plan_destroy(&d->plans[k]);
        free(d->plans);
    }
    free(c->node);
    c->node = NULL;
    c->n_nodes = 0;
    c->g = NULL;
}

static void cuda_free(struct halo_backend *be)
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
        DNN(cudnnSetPooling2dDescriptor(d->pool, CUDNN_POOLING_MAX, CUDNN_NOT_PROPAGATE_NAN, nd->win.kh, nd->win.kw,
                                        0, 0, nd->win.sh, nd->win.sw));
        return HALO_OK;
    default: return HALO_OK;
    }
}

static enum halo_status cuda_load(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w)
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

/* ---- plans: descriptors and algorithm per (node, input shape) ----------------------------------- */

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
        check_cudnn(cudnnFindConvolutionForwardAlgorithm(c->dnn, p->x, d->filter, p->conv, p->y, max, &got, perf),
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
            st = check_cudnn(cudnnSetConvolutionMathType(p->conv, perf[best].mathType),
                             "cudnnSetConvolutionMathType(p->conv, perf[best].mathType)");
        if (st == HALO_OK)
            st = check_cudnn(cudnnGetConvolutionForwardWorkspaceSize(c->dnn, p->x, d->filter, p->conv, p->y, p->algo, &ws),
                             "cudnnGetConvolutionForwardWorkspaceSize(c->dnn, p->x, d->filter, p->conv, p->y, p->algo, &ws)");
        if (ws < perf[best].memory) ws = perf[best].memory;
        p->ws_bytes = ws;
        if (st == HALO_OK && ws > c->ws_bytes) st = dev_reserve(c, &c->ws, &c->ws_bytes, ws);
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

/* The plan of node i for this input shape, made (and for a conv, its algorithm found) on first use. */
static enum halo_status get_plan(struct cuda_ctx *c, int i, int in_h, int in_w, int pad_h, int pad_w, int oh, int ow,
                                 struct plan **out)
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
        plan_destroy(p);
        return st;
    }
    d->n_plans++;
    *out = p;
    return HALO_OK;
}

/* ---- compute ----------------------------------------------------------------------------------- */

static struct hc_rect hrect(struct halo_rect r)
{
    return (struct hc_rect){r.y0, r.x0, halo_rect_h(r), halo_rect_w(r)};
}

/* A node's input on the device: its buffer and the rect the buffer holds. */
struct dev_in {
    const float *p;
    struct halo_rect r;
};

/* What one node does in a tile: its inputs, output buffer and rect, and what is fused into it. */
struct step {
    int i;
    const struct halo_node *nd;
    const struct halo_tile_node *t;
    struct dev_in x[2];
    float *y;
    struct halo_rect out;
    bool bn;          /* conv: the next node (a BatchNorm) runs inside it, with the folded weights */
    enum hc_act act;  /* conv: the activation that runs inside it */
};

/* Where a conv's or pool's window input comes from: the producer's buffer itself with cuDNN's
 * symmetric padding, or an explicit copy of pad + read. */
struct window_src {
    bool explicit_pad;
    int in_h, in_w, pad_h, pad_w;
};

/* cuDNN pads `lo` on both sides; with hi <= lo the windows are the same as long as the extra
 * hi - lo zeros at the end stay shorter than a stride, which the output size then confirms (e.g.
 * a 3x3 stride-2 conv on an even input reads padding 1 above and 0 below). */
static bool cudnn_pad_fits(int lo, int hi, int stride) { return hi <= lo && lo - hi < stride; }

static struct window_src window_src_of(const struct step *s, bool allow_cudnn_pad)
{
    struct halo_rect r = s->t->read[0];
    struct halo_pad p = s->t->pad[0];
    bool whole = halo_rect_eq(r, s->x[0].r);
    bool fits = cudnn_pad_fits(p.top, p.bottom, s->nd->win.sh) && cudnn_pad_fits(p.left, p.right, s->nd->win.sw);
    bool none = !p.top && !p.bottom && !p.left && !p.right;
    if (whole && (none || (fits && allow_cudnn_pad)))
        return (struct window_src){false, halo_rect_h(r), halo_rect_w(r), p.top, p.left};
    return (struct window_src){true, halo_rect_h(r) + p.top + p.bottom, halo_rect_w(r) + p.left + p.right, 0, 0};
}

/* The window input for cuDNN: either x itself or the padded copy in c->pad (filled with `fill`). */
static enum halo_status window_input(struct cuda_ctx *c, const struct step *s, const struct window_src *w, int ch,
                                     float fill, const float **xin)
{
    if (!w->explicit_pad) {
        *xin = s->x[0].p;
        return HALO_OK;
    }
    struct halo_rect r = s->t->read[0];
    struct halo_pad p = s->t->pad[0];
    struct hc_rect dst = {r.y0 - p.top, r.x0 - p.left, w->in_h, w->in_w};
    CU(hc_copy_rect(c->stream, ch, c->pad, dst, s->x[0].p, hrect(s->x[0].r), dst, hrect(r), fill));
    *xin = c->pad;
    return HALO_OK;
}

static enum halo_status reserve_pad(struct cuda_ctx *c, const struct window_src *w, int ch)
{
    if (!w->explicit_pad) return HALO_OK;
    return dev_reserve(c, &c->pad, &c->pad_bytes, (size_t)ch * w->in_h * w->in_w * sizeof(float));
}

static enum halo_status run_conv(struct cuda_ctx *c, const struct step *s, const struct window_src *w,
                                 struct plan *p)
{
    const struct halo_node *nd = s->nd;
    struct dev_node *d = &c->node[s->i];
    const float *xin;
    HALO_TRY(window_input(c, s, w, nd->cin, 0.0f, &xin));
    const float *wt = s->bn ? d->wf : d->w, *bias = s->bn ? d->bf : d->b;
    bool has_bias = s->bn || nd->bias;
    const float one = 1.0f, zero = 0.0f;
    if (s->act == HC_ACT_RELU && !p->unfused) {
        /* y = relu(conv(x) + bias); z = y with alpha2 = 0 is not read. */
        cudnnStatus_t st = cudnnConvolutionBiasActivationForward(c->dnn, &one, p->x, xin, d->filter, wt, p->conv,
                                                                 p->algo, c->ws, c->ws_bytes, &zero, p->y, s->y,
                                                                 d->bias_desc, bias, c->relu, p->y, s->y);
        if (st == CUDNN_STATUS_SUCCESS) return HALO_OK;
        /* Usually NOT_SUPPORTED for this algorithm; whatever it was, the plain call below either
         * works (and this plan stops trying) or reports the real problem with its own text. */
        p->unfused = true;
        HALO_DEBUG("cuda backend: %s: cudnnConvolutionBiasActivationForward with %s: %s; running conv, then bias + "
                   "relu as a kernel", nd->name, algo_name(p->algo), cudnnGetErrorString(st));
    }
    DNN(cudnnConvolutionForward(c->dnn, &one, p->x, xin, d->filter, wt, p->conv, p->algo, c->ws, c->ws_bytes, &zero,
                                p->y, s->y));
    long long hw = (long long)halo_rect_h(s->out) * halo_rect_w(s->out);
    CU(hc_bias_act(c->stream, nd->cout, hw, s->y, has_bias ? bias : NULL, s->act));
    return HALO_OK;
}

static enum halo_status run_linear(struct cuda_ctx *c, const struct step *s)
{
    const struct halo_node *nd = s->nd;
    struct dev_node *d = &c->node[s->i];
    const float one = 1.0f;
    /* y = bias, then y += W x, W row-major [out][in] = column-major in x out. */
    CU(cudaMemcpyAsync(s->y, d->b, (size_t)nd->cout * sizeof(float), cudaMemcpyDeviceToDevice, c->stream));
    BLAS(cublasSgemv(c->blas, CUBLAS_OP_T, nd->cin, nd->cout, &one, d->w, nd->cin, s->x[0].p, 1, &one, s->y, 1));
    return HALO_OK;
}

/* Everything a node needs before it is timed: buffers, descriptors, algorithm search. */
static enum halo_status prepare(struct cuda_ctx *c, const struct step *s, struct window_src *w, struct plan **p)
{
    const struct halo_node *nd = s->nd;
    int oh = halo_rect_h(s->out), ow = halo_rect_w(s->out);
    *p = NULL;
    if (nd->op == HALO_OP_CONV) {
        *w = window_src_of(s, true);
        HALO_TRY(reserve_pad(c, w, nd->cin));
        return get_plan(c, s->i, w->in_h, w->in_w, w->pad_h, w->pad_w, oh, ow, p);
    }
    if (nd->op == HALO_OP_MAXPOOL && c->node[s->i].pool) {
        *w = window_src_of(s, false); /* -inf padding: never cuDNN's */
        HALO_TRY(reserve_pad(c, w, nd->out_shape.c));
        return get_plan(c, s->i, w->in_h, w->in_w, 0, 0, oh, ow, p);
    }
    return HALO_OK;
}

static enum halo_status run_step(struct cuda_ctx *c, const struct step *s, const struct window_src *w,
                                 struct plan *p)
{
    const struct halo_node *nd = s->nd;
    struct dev_node *d = &c->node[s->i];
    struct hc_rect out = hrect(s->out), x0 = hrect(s->x[0].r);
    int ch = nd->out_shape.c, oh = out.h, ow = out.w;
    const float one = 1.0f, zero = 0.0f;
    switch (nd->op) {
    case HALO_OP_CONV:
        d->impl = algo_name(p->algo);
        return run_conv(c, s, w, p);
    case HALO_OP_MAXPOOL:
    case HALO_OP_AVGPOOL:
        if (p) {
            const float *xin;
            HALO_TRY(window_input(c, s, w, ch, -INFINITY, &xin));
            d->impl = "cudnn:maxpool";
            DNN(cudnnPoolingForward(c->dnn, d->pool, &one, p->x, xin, &zero, p->y, s->y));
            return HALO_OK;
        }
        {
            struct halo_pad pad = s->t->pad[0];
            struct hc_window win = {nd->win.kh, nd->win.kw, nd->win.sh, nd->win.sw, nd->win.dh, nd->win.dw};
            bool is_max = nd->op == HALO_OP_MAXPOOL;
            d->impl = is_max ? "kernel:maxpool" : "kernel:avgpool";
            CU(hc_pool(c->stream, is_max, nd->count_include_pad, ch, s->y, oh, ow, s->x[0].p, x0,
                       hrect(s->t->read[0]), pad.top, pad.left, win));
            return HALO_OK;
        }
    case HALO_OP_ADAPTIVE_AVGPOOL:
        d->impl = "kernel:adaptive_avgpool";
        CU(hc_adaptive_avgpool(c->stream, ch, s->y, out, s->x[0].p, x0, nd->in_shape[0].h, nd->in_shape[0].w,
                               nd->out_h, nd->out_w));
        return HALO_OK;
    case HALO_OP_FLATTEN:
        d->impl = "copy";
        CU(cudaMemcpyAsync(s->y, s->x[0].p, (size_t)ch * oh * ow * sizeof(float), cudaMemcpyDeviceToDevice,
                           c->stream));
        return HALO_OK;
    case HALO_OP_LINEAR: d->impl = "cublas:sgemv"; return run_linear(c, s);
    case HALO_OP_BN:
        d->impl = "kernel:bn";
        CU(hc_eltwise(c->stream, HC_AFFINE, ch, s->y, out, s->x[0].p, x0, NULL, x0, d->scale, d->shift));
        return HALO_OK;
    case HALO_OP_RELU:
    case HALO_OP_RELU6:
        d->impl = nd->op == HALO_OP_RELU ? "kernel:relu" : "kernel:relu6";
        CU(hc_eltwise(c->stream, nd->op == HALO_OP_RELU ? HC_RELU : HC_RELU6, ch, s->y, out, s->x[0].p, x0, NULL, x0,
                      NULL, NULL));
        return HALO_OK;
    case HALO_OP_ADD:
        d->impl = "kernel:add";
        CU(hc_eltwise(c->stream, HC_ADD, ch, s->y, out, s->x[0].p, x0, s->x[1].p, hrect(s->x[1].r), NULL, NULL));
        return HALO_OK;
    default:
        return halo_error(HALO_ERR_UNSUPPORTED, "cuda backend: op %s is not implemented", halo_op_name(nd->op));
    }
}

/* Node j is the only node of the tile reading node i, reads nothing else, and covers its rect:
 * then j can run inside i and i's output never exists on its own. */
static bool only_reader(const struct halo_tile *t, int i, int j)
{
    const struct halo_graph *g = t->g;
    if (j >= t->last || g->nodes[j].n_in != 1 || g->nodes[j].in[0] != i) return false;
    for (int k = i + 1; k < t->last; k++)
        for (int m = 0; k != j && m < g->nodes[k].n_in; m++)
            if (g->nodes[k].in[m] == i) return false;
    return halo_rect_eq(t->node[i - t->first].out, t->node[j - t->first].out);
}

/* Decides what runs inside conv i in this tile; returns the last node fused (i when none). */
static int plan_fusion(struct cuda_ctx *c, const struct halo_tile *t, int i, bool *bn, enum hc_act *act)
{
    const struct halo_graph *g = t->g;
    int tail = i;
    *bn = false;
    *act = HC_ACT_NONE;
    if (c->node[i].fold_bn == i + 1 && only_reader(t, i, i + 1)) {
        *bn = true;
        tail = i + 1;
    }
    if (tail + 1 < t->last && only_reader(t, tail, tail + 1)) {
        enum halo_op op = g->nodes[tail + 1].op;
        if (op == HALO_OP_RELU || op == HALO_OP_RELU6) {
            *act = op == HALO_OP_RELU ? HC_ACT_RELU : HC_ACT_RELU6;
            tail++;
        }
    }
    return tail;
}

/* Copies the tile's input rect of `in` to c->in. */
static enum halo_status upload_input(struct cuda_ctx *c, const struct halo_tile *t, const struct halo_tensor *in)
{
    struct halo_rect r = t->in;
    size_t rw = (size_t)halo_rect_w(r), rh = (size_t)halo_rect_h(r), bytes = (size_t)in->c * rh * rw * sizeof(float);
    HALO_TRY(dev_reserve(c, &c->in, &c->in_bytes, bytes));
    if (halo_rect_eq(in->rect, r)) {
        CU(cudaMemcpyAsync(c->in, in->data, bytes, cudaMemcpyHostToDevice, c->stream));
        return HALO_OK;
    }
    /* The rect inside a larger host buffer: one strided 3-D copy (width in bytes, rows, channels). */
    size_t iw = (size_t)halo_rect_w(in->rect), ih = (size_t)halo_rect_h(in->rect);
    struct cudaMemcpy3DParms m;
    memset(&m, 0, sizeof m);
    m.srcPtr.ptr = (void *)in->data;
    m.srcPtr.pitch = iw * sizeof(float);
    m.srcPtr.xsize = iw;
    m.srcPtr.ysize = ih;
    m.srcPos.x = (size_t)(r.x0 - in->rect.x0) * sizeof(float);
    m.srcPos.y = (size_t)(r.y0 - in->rect.y0);
    m.dstPtr.ptr = c->in;
    m.dstPtr.pitch = rw * sizeof(float);
    m.dstPtr.xsize = rw;
    m.dstPtr.ysize = rh;
    m.extent.width = rw * sizeof(float);
    m.extent.height = rh;
    m.extent.depth = (size_t)in->c;
    m.kind = cudaMemcpyHostToDevice;
    CU(cudaMemcpy3DAsync(&m, c->stream));
    return HALO_OK;
}

static enum halo_status compute_nodes(struct cuda_ctx *c, const struct halo_tile *t, int *head, double *node_ms)
{
    const struct halo_graph *g = t->g;
    int first = t->first, last = t->last;
    for (int i = first; i < last; i++) head[i - first] = -1;
    for (int i = first; i < last; i++) {
        struct dev_node *d = &c->node[i];
        if (head[i - first] >= 0) { /* ran inside an earlier conv */
            d->fused_into = head[i - first];
            if (node_ms) node_ms[i - first] = 0;
            continue;
        }
        d->fused_into = -1;
        struct step s = {.i = i, .nd = &g->nodes[i], .t = &t->node[i - first], .act = HC_ACT_NONE};
        int tail = i;
        if (s.nd->op == HALO_OP_CONV) tail = plan_fusion(c, t, i, &s.bn, &s.act);
        for (int k = i + 1; k <= tail; k++) head[k - first] = i;
        s.out = s.t->out;
        for (int k = 0; k < s.nd->n_in; k++) {
            int p = s.nd->in[k];
            if (p < first) s.x[k] = (struct dev_in){c->in, t->in};
            else s.x[k] = (struct dev_in){c->node[p].out, t->node[p - first].out};
            if (!s.x[k].p || !halo_rect_contains(s.x[k].r, s.t->read[k]))
                return halo_error(HALO_ERR_INTERNAL, "cuda backend: %s: input %d is not on the device", s.nd->name, k);
        }
        /* The output lives in the buffer of the last node fused: that is the node its readers read. */
        struct dev_node *dt = &c->node[tail];
        size_t bytes = (size_t)g->nodes[tail].out_shape.c * (size_t)halo_rect_area(s.out) * sizeof(float);
        HALO_TRY(dev_reserve(c, (void **)&dt->out, &dt->out_bytes, bytes));
        s.y = dt->out;
        struct window_src w = {0};
        struct plan *p;
        enum halo_status st = prepare(c, &s, &w, &p);
        if (st == HALO_OK && node_ms) st = check_cuda(cudaEventRecord(c->ev0, c->stream), "cudaEventRecord(c->ev0, c->stream)");
        if (st == HALO_OK) st = run_step(c, &s, &w, p);
        if (st != HALO_OK) {
            halo_error_prefix("%s: node %s", g->name, s.nd->name);
            return st;
        }
        if (node_ms) {
            float ms = 0;
            CU(cudaEventRecord(c->ev1, c->stream));
            CU(cudaEventSynchronize(c->ev1));
            CU(cudaEventElapsedTime(&ms, c->ev0, c->ev1));
            node_ms[i - first] = ms;
        }
    }
    return HALO_OK;
}

static enum halo_status cuda_compute(struct halo_backend *be, const struct halo_tile *tile,
                                     const struct halo_tensor *in, struct halo_tensor *out, double *node_ms)
{
    struct cuda_ctx *c = be->ctx;
    if (!c->node || tile->g != c->g || tile->g->n_nodes != c->n_nodes)
        return halo_error(HALO_ERR_INVALID, "cuda backend: compute on graph %s before it was loaded", tile->g->name);
    if (in->c != halo_graph_tensor_shape(tile->g, halo_range_input(tile->first)).c)
        return halo_error(HALO_ERR_INVALID, "cuda backend: input has %d channels, node range [%d, %d) reads %d",
                          in->c, tile->first, tile->last, halo_graph_tensor_shape(tile->g, halo_range_input(tile->first)).c);
    CU(cudaSetDevice(c->device));
    int *head = halo_malloc((size_t)(tile->last - tile->first), sizeof *head);
    if (!head) return HALO_ERR_NOMEM;
    enum halo_status st = upload_input(c, tile, in);
    if (st == HALO_OK) st = compute_nodes(c, tile, head, node_ms);
    free(head);
    HALO_TRY(st);
    const struct dev_node *d = &c->node[tile->last - 1];
    size_t bytes = halo_tensor_numel(out) * sizeof(float);
    if (d->out_bytes < bytes)
        return halo_error(HALO_ERR_INTERNAL, "cuda backend: output buffer holds %zu bytes, %zu expected", d->out_bytes,
                          bytes);
    CU(cudaMemcpyAsync(out->data, d->out, bytes, cudaMemcpyDeviceToHost, c->stream));
    CU(cudaStreamSynchronize(c->stream));
    return HALO_OK;
}

/* ---- creation: detect the GPU at once ---------------------------------------------------------- */

#if HALO_CUDA_HWLOC
/* hwloc calls return < 0 on failure: log the call and go on, binding is an optimisation. */
static bool hw_ok(int rc, const char *call)
{
    if (rc >= 0) return true;
    HALO_WARN("cuda backend: %s failed (%s); host thread not bound to the GPU's cores", call, strerror(errno));
    return false;
}
#define HW_OK(call) hw_ok((call), #call)

/* Binds the calling thread to the cores near the GPU (its PCI root), so that launches and copies do
 * not cross sockets, and records those cores. */
static void bind_near_gpu(struct cuda_ctx *c)
{
    hwloc_topology_t topo;
    if (!HW_OK(hwloc_topology_init(&topo))) return;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char *list = NULL;
    if (!set) {
        HALO_WARN("cuda backend: hwloc_bitmap_alloc() failed");
        goto done;
    }
    if (!HW_OK(hwloc_topology_load(topo))) goto done;
    if (!HW_OK(hwloc_cudart_get_device_cpuset(topo, c->device, set))) goto done;
    if (!HW_OK(hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(topo)))) goto done;
    if (hwloc_bitmap_iszero(set)) {
        HALO_WARN("cuda backend: none of the GPU's local cores is allowed to this process; host thread not bound");
        goto done;
    }
    if (HW_OK(hwloc_bitmap_list_asprintf(&list, set))) {
        free(c->cpuset);
        c->cpuset = halo_strdup(list);
    }
    if (HW_OK(hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD))) c->info.bound = true;
done:
    free(list);
    hwloc_bitmap_free(set);
    hwloc_topology_destroy(topo);
}
#endif

/* Records what the GPU and libraries are, and the version() string. */
static enum halo_status describe_device(struct cuda_ctx *c)
{
    struct cudaDeviceProp prop;
    CU(cudaGetDeviceProperties(&prop, c->device));
    int drv = 0, rt = 0;
    CU(cudaDriverGetVersion(&drv));
    CU(cudaRuntimeGetVersion(&rt));
    int dnn = (int)cudnnGetVersion();
    char pci[64];
    snprintf(pci, sizeof pci, "%04x:%02x:%02x.0", (unsigned)prop.pciDomainID, (unsigned)prop.pciBusID,
             (unsigned)prop.pciDeviceID);
    c->name = halo_strdup(prop.name);
    c->pci = halo_strdup(pci);
    if (!c->cpuset) c->cpuset = halo_strdup("");
    if (!c->name || !c->pci || !c->cpuset) return HALO_ERR_NOMEM;
    c->info.name = c->name;
    c->info.sms = prop.multiProcessorCount;
    c->info.memory_bytes = (int64_t)prop.totalGlobalMem;
    c->info.cc_major = prop.major;
    c->info.cc_minor = prop.minor;
    c->info.pci_bus_id = c->pci;
    c->info.driver_version = drv;
    c->info.runtime_version = rt;
    c->info.cudnn_version = dnn;
    c->info.tf32 = c->math != CUDNN_FMA_MATH;
    c->info.cpuset = c->cpuset;
    const char *fmt = "cuDNN %d.%d.%d, CUDA runtime %d.%d, driver %d.%d, %s (%d SMs, %.1f GiB)%s";
#define HALO_CUDA_VERSION_ARGS                                                                              \
    dnn / 10000, dnn / 100 % 100, dnn % 100, rt / 1000, rt % 1000 / 10, drv / 1000, drv % 1000 / 10, prop.name, \
        prop.multiProcessorCount, (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0),                 \
        c->info.tf32 ? ", tf32" : ""
    int n = snprintf(NULL, 0, fmt, HALO_CUDA_VERSION_ARGS);
    c->version = n >= 0 ? halo_malloc((size_t)n + 1, 1) : NULL;
    if (!c->version) return HALO_ERR_NOMEM;
    snprintf(c->version, (size_t)n + 1, fmt, HALO_CUDA_VERSION_ARGS);
#undef HALO_CUDA_VERSION_ARGS
    return HALO_OK;
}

static enum halo_status init_device(struct cuda_ctx *c)
{
    CU(cudaSetDevice(c->device));
    cudnnStatus_t ds = cudnnCreate(&c->dnn);
    if (ds == CUDNN_STATUS_NOT_INITIALIZED)
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no usable CUDA device (cudnnCreate: %s)",
                          cudnnGetErrorString(ds));
    HALO_TRY(check_cudnn(ds, "cudnnCreate(&c->dnn)"));
    cublasStatus_t bs = cublasCreate(&c->blas);
    if (bs == CUBLAS_STATUS_NOT_INITIALIZED)
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no usable CUDA device (cublasCreate: %s)",
                          cublasGetStatusString(bs));
    HALO_TRY(check_cublas(bs, "cublasCreate(&c->blas)"));
    CU(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    DNN(cudnnSetStream(c->dnn, c->stream));
    BLAS(cublasSetStream(c->blas, c->stream));
    CU(cudaEventCreate(&c->ev0));
    CU(cudaEventCreate(&c->ev1));
    DNN(cudnnCreateActivationDescriptor(&c->relu));
    DNN(cudnnSetActivationDescriptor(c->relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0));
    const char *tf32 = getenv("HALO_CUDA_TF32");
    c->math = tf32 && !strcmp(tf32, "1") ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
#if HALO_CUDA_HWLOC
    bind_near_gpu(c);
#endif
    return describe_device(c);
}

static enum halo_status cuda_describe(struct halo_backend *be, cJSON *obj);

static const struct halo_backend_i cuda_iface = {
    .name = cuda_name,
    .version = cuda_version,
    .load = cuda_load,
    .compute = cuda_compute,
    .impl = cuda_impl,
    .threads = cuda_threads,
    .describe = cuda_describe,
    .free = cuda_free,
};

enum halo_status halo_backend_cuda_new(const struct halo_backend_opts *opts, struct halo_backend **out)
{
    *out = NULL;
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        if (e == cudaErrorInsufficientDriver) /* also what a machine without any NVIDIA driver says */
            return halo_error(HALO_ERR_NODEVICE,
                              "cuda backend: no CUDA device (cudaGetDeviceCount: %s; no NVIDIA driver, or one older "
                              "than CUDA %d.%d)",
                              cudaGetErrorString(e), CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10);
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no CUDA device (cudaGetDeviceCount: %s)",
                          cudaGetErrorString(e));
    }
    if (n < 1) return halo_error(HALO_ERR_NODEVICE, "cuda backend: no CUDA device (cudaGetDeviceCount: 0 devices)");
    int dev = opts ? opts->device : 0;
    if (dev < 0 || dev >= n)
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no CUDA device %d (this machine has %d: 0..%d)", dev, n,
                          n - 1);
    struct halo_backend *be = halo_calloc(1, sizeof *be);
    struct cuda_ctx *c = halo_calloc(1, sizeof *c);
    if (!be || !c) {
        free(be);
        free(c);
        return HALO_ERR_NOMEM;
    }
    c->device = dev;
    be->iface = cuda_iface;
    be->ctx = c;
    enum halo_status st = init_device(c);
    if (st != HALO_OK) {
        cuda_free(be);
        return st;
    }
    *out = be;
    return HALO_OK;
}

/* ---- describe ----------------------------------------------------------------------------------- */

static enum halo_status cuda_describe(struct halo_backend *be, cJSON *obj)
{
    struct halo_gpu_info gi = ((struct cuda_ctx *)be->ctx)->info;
    char cc[32], drv[32], rt[32], dnn[32];
    snprintf(cc, sizeof cc, "%d.%d", gi.cc_major, gi.cc_minor);
    snprintf(drv, sizeof drv, "%d.%d", gi.driver_version / 1000, gi.driver_version % 1000 / 10);
    snprintf(rt, sizeof rt, "%d.%d", gi.runtime_version / 1000, gi.runtime_version % 1000 / 10);
    snprintf(dnn, sizeof dnn, "%d.%d.%d", gi.cudnn_version / 10000, gi.cudnn_version / 100 % 100,
             gi.cudnn_version % 100);
    bool ok = cJSON_AddStringToObject(obj, "gpu", gi.name) && cJSON_AddNumberToObject(obj, "gpu_sms", gi.sms) &&
              cJSON_AddNumberToObject(obj, "gpu_memory_bytes", (double)gi.memory_bytes) &&
              cJSON_AddStringToObject(obj, "gpu_compute_capability", cc) &&
              cJSON_AddStringToObject(obj, "gpu_pci_bus_id", gi.pci_bus_id) &&
              cJSON_AddStringToObject(obj, "cuda_driver", drv) && cJSON_AddStringToObject(obj, "cuda_runtime", rt) &&
              cJSON_AddStringToObject(obj, "cudnn", dnn) &&
              cJSON_AddStringToObject(obj, "conv_math", gi.tf32 ? "tf32" : "fp32") &&
              cJSON_AddStringToObject(obj, "host_cpuset", gi.cpuset) &&
              cJSON_AddBoolToObject(obj, "host_bound", gi.bound);
    return ok ? HALO_OK : halo_error(HALO_ERR_NOMEM, "cuda backend: out of memory describing the GPU");
}
