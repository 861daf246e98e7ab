/* emu_cudnn: the cuDNN entry points the cuda backend calls, emulated on the host. Convolution and
 * pooling follow cuDNN's legacy API: NCHW float, symmetric padding, output = floor((in + 2p -
 * d(k-1) - 1) / s) + 1. The search answers NOT_SUPPORTED for some algorithms, and the fused call
 * refuses WINOGRAD_NONFUSED, so that the backend's status checks and fallbacks run. */
#include "emu_internal.h"

#include <cudnn.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cuDNN ------------------------------------------------------------------------------------- */

struct cudnnContext {
    cudaStream_t stream;
};
struct cudnnTensorStruct {
    int n, c, h, w, set;
};
struct cudnnFilterStruct {
    int k, c, h, w, set;
};
struct cudnnConvolutionStruct {
    int ph, pw, sh, sw, dh, dw, groups, set;
    cudnnMathType_t math;
};
struct cudnnPoolingStruct {
    cudnnPoolingMode_t mode;
    int kh, kw, ph, pw, sh, sw, set;
    cudnnNanPropagation_t nan;
};
struct cudnnActivationStruct {
    cudnnActivationMode_t mode;
    double coef;
    cudnnNanPropagation_t nan;
};

size_t cudnnGetVersion(void) { return CUDNN_VERSION; }

const char *cudnnGetErrorString(cudnnStatus_t s)
{
    switch (s) {
    case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
    case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
    default: return "CUDNN_STATUS_(emulated)";
    }
}

void cudnnGetLastErrorString(char *message, size_t max_size)
{
    if (max_size) snprintf(message, max_size, "%s", emu_last_msg());
}

static cudnnStatus_t bad(const char *what)
{
    emu_bad("%s", what);
    return CUDNN_STATUS_BAD_PARAM;
}

cudnnStatus_t cudnnCreate(cudnnHandle_t *h)
{
    if (emu_device_count() < 1) return CUDNN_STATUS_NOT_INITIALIZED;
    *h = calloc(1, sizeof **h);
    return *h ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_ALLOC_FAILED;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t h)
{
    free(h);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t h, cudaStream_t s)
{
    h->stream = s;
    return CUDNN_STATUS_SUCCESS;
}

#define EMU_CREATE_DESTROY(create, destroy, type)                                                    \
    cudnnStatus_t create(type *d)                                                                    \
    {                                                                                                \
        *d = calloc(1, sizeof **d);                                                                  \
        return *d ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_ALLOC_FAILED;                                \
    }                                                                                                \
    cudnnStatus_t destroy(type d)                                                                    \
    {                                                                                                \
        free(d);                                                                                     \
        return CUDNN_STATUS_SUCCESS;                                                                 \
    }
EMU_CREATE_DESTROY(cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor, cudnnTensorDescriptor_t)
EMU_CREATE_DESTROY(cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor, cudnnFilterDescriptor_t)
EMU_CREATE_DESTROY(cudnnCreateConvolutionDescriptor, cudnnDestroyConvolutionDescriptor, cudnnConvolutionDescriptor_t)
EMU_CREATE_DESTROY(cudnnCreatePoolingDescriptor, cudnnDestroyPoolingDescriptor, cudnnPoolingDescriptor_t)
EMU_CREATE_DESTROY(cudnnCreateActivationDescriptor, cudnnDestroyActivationDescriptor, cudnnActivationDescriptor_t)

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, cudnnTensorFormat_t format,
                                         cudnnDataType_t type, int n, int c, int h, int w)
{
    if (format != CUDNN_TENSOR_NCHW || type != CUDNN_DATA_FLOAT || n < 1 || c < 1 || h < 1 || w < 1)
        return bad("cudnnSetTensor4dDescriptor: not NCHW float with positive sizes");
    *d = (struct cudnnTensorStruct){n, c, h, w, 1};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t type, cudnnTensorFormat_t format,
                                         int k, int c, int h, int w)
{
    if (format != CUDNN_TENSOR_NCHW || type != CUDNN_DATA_FLOAT || k < 1 || c < 1 || h < 1 || w < 1)
        return bad("cudnnSetFilter4dDescriptor: not NCHW float with positive sizes");
    *d = (struct cudnnFilterStruct){k, c, h, w, 1};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int ph, int pw, int sh, int sw, int dh,
                                              int dw, cudnnConvolutionMode_t mode, cudnnDataType_t type)
{
    if (mode != CUDNN_CROSS_CORRELATION || type != CUDNN_DATA_FLOAT || ph < 0 || pw < 0 || sh < 1 || sw < 1 ||
        dh < 1 || dw < 1)
        return bad("cudnnSetConvolution2dDescriptor: bad parameters");
    *d = (struct cudnnConvolutionStruct){ph, pw, sh, sw, dh, dw, 1, 1, CUDNN_DEFAULT_MATH};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int groups)
{
    if (groups < 1) return bad("cudnnSetConvolutionGroupCount: groups < 1");
    d->groups = groups;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, cudnnMathType_t math)
{
    d->math = math;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetPooling2dDescriptor(cudnnPoolingDescriptor_t d, cudnnPoolingMode_t mode,
                                          cudnnNanPropagation_t nan, int kh, int kw, int ph, int pw, int sh, int sw)
{
    if (kh < 1 || kw < 1 || ph < 0 || pw < 0 || sh < 1 || sw < 1) return bad("cudnnSetPooling2dDescriptor: bad parameters");
    *d = (struct cudnnPoolingStruct){mode, kh, kw, ph, pw, sh, sw, 1, nan};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetActivationDescriptor(cudnnActivationDescriptor_t d, cudnnActivationMode_t mode,
                                           cudnnNanPropagation_t nan, double coef)
{
    d->mode = mode;
    d->coef = coef;
    d->nan = nan;
    return CUDNN_STATUS_SUCCESS;
}

static int out_dim(int in, int pad, int k, int d, int s) { return (in + 2 * pad - (d * (k - 1) + 1)) / s + 1; }

/* The checks cuDNN makes of a forward convolution's descriptors. */
static cudnnStatus_t conv_check(const struct cudnnTensorStruct *x, const struct cudnnFilterStruct *f,
                                const struct cudnnConvolutionStruct *cv, const struct cudnnTensorStruct *y)
{
    if (!x->set || !f->set || !cv->set || (y && !y->set)) return bad("convolution: descriptor not set");
    if (x->c != f->c * cv->groups || f->k % cv->groups) return bad("convolution: channels do not match the groups");
    int oh = out_dim(x->h, cv->ph, f->h, cv->dh, cv->sh), ow = out_dim(x->w, cv->pw, f->w, cv->dw, cv->sw);
    if (oh < 1 || ow < 1) return bad("convolution: empty output");
    if (y && (y->n != x->n || y->c != f->k || y->h != oh || y->w != ow)) return bad("convolution: y has the wrong shape");
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(cudnnConvolutionDescriptor_t cv, cudnnTensorDescriptor_t x,
                                                    cudnnFilterDescriptor_t f, int *n, int *c, int *h, int *w)
{
    cudnnStatus_t s = conv_check(x, f, cv, NULL);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    *n = x->n;
    *c = f->k;
    *h = out_dim(x->h, cv->ph, f->h, cv->dh, cv->sh);
    *w = out_dim(x->w, cv->pw, f->w, cv->dw, cv->sw);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithmMaxCount(cudnnHandle_t h, int *count)
{
    (void)h;
    *count = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
    return CUDNN_STATUS_SUCCESS;
}

/* Workspace each emulated algorithm needs (some none, GEMM an im2col buffer). */
static size_t ws_need(cudnnConvolutionFwdAlgo_t a, const struct cudnnTensorStruct *y, const struct cudnnFilterStruct *f)
{
    switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return (size_t)f->c * f->h * f->w * y->h * y->w * sizeof(float);
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return 4096;
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: return (size_t)1 << 16;
    default: return 0;
    }
}

cudnnStatus_t cudnnFindConvolutionForwardAlgorithm(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t f,
                                                   cudnnConvolutionDescriptor_t cv, cudnnTensorDescriptor_t y,
                                                   int requested, int *returned, cudnnConvolutionFwdAlgoPerf_t *perf)
{
    (void)h;
    cudnnStatus_t s = conv_check(x, f, cv, y);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    if (requested < 1) return bad("cudnnFindConvolutionForwardAlgorithm: requestedAlgoCount < 1");
    emu_counts.finds++;
    /* Unsupported ones first (a real list is sorted by time, failures last, but the backend must
     * not rely on that), then the usable ones in an order that depends on the shape, so that
     * different nodes get different algorithms. */
    static const cudnnConvolutionFwdAlgo_t usable[] = {
        CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM,
        CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED};
    const int n_usable = (int)(sizeof usable / sizeof *usable);
    int rot = (x->h * 7 + x->w * 3 + f->k + f->h + cv->ph) % n_usable, k = 0;
    cudnnConvolutionFwdAlgoPerf_t all[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    memset(all, 0, sizeof all);
    all[k++] = (cudnnConvolutionFwdAlgoPerf_t){.algo = CUDNN_CONVOLUTION_FWD_ALGO_FFT, .status = CUDNN_STATUS_NOT_SUPPORTED};
    all[k++] = (cudnnConvolutionFwdAlgoPerf_t){.algo = CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, .status = CUDNN_STATUS_NOT_SUPPORTED};
    for (int i = 0; i < n_usable; i++) {
        cudnnConvolutionFwdAlgo_t a = usable[(rot + i) % n_usable];
        all[k++] = (cudnnConvolutionFwdAlgoPerf_t){.algo = a, .status = CUDNN_STATUS_SUCCESS, .time = 1.0f + i,
                                                   .memory = ws_need(a, y, f), .mathType = cv->math};
    }
    *returned = k < requested ? k : requested;
    memcpy(perf, all, (size_t)*returned * sizeof *perf);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t f,
                                                      cudnnConvolutionDescriptor_t cv, cudnnTensorDescriptor_t y,
                                                      cudnnConvolutionFwdAlgo_t algo, size_t *bytes)
{
    (void)h;
    cudnnStatus_t s = conv_check(x, f, cv, y);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    *bytes = ws_need(algo, y, f);
    return CUDNN_STATUS_SUCCESS;
}

/* y = act(alpha1 * conv(x) + alpha2 * z + bias), with every buffer checked. */
static cudnnStatus_t conv_run(const float *alpha1, cudnnTensorDescriptor_t xd, const float *x, cudnnFilterDescriptor_t fd,
                              const float *w, cudnnConvolutionDescriptor_t cv, cudnnConvolutionFwdAlgo_t algo, void *ws,
                              size_t ws_bytes, const float *alpha2, const float *z, const float *bias,
                              cudnnActivationDescriptor_t act, cudnnTensorDescriptor_t yd, float *y)
{
    cudnnStatus_t s = conv_check(xd, fd, cv, yd);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    size_t xn = (size_t)xd->n * xd->c * xd->h * xd->w, yn = (size_t)yd->n * yd->c * yd->h * yd->w;
    size_t wn = (size_t)fd->k * fd->c * fd->h * fd->w, need = ws_need(algo, yd, fd);
    if (!emu_dev_ok(x, xn * sizeof(float))) return bad("convolution: x is not a device buffer of its descriptor's size");
    if (!emu_dev_ok(w, wn * sizeof(float))) return bad("convolution: w is not a device buffer of its size");
    if (!emu_dev_ok(y, yn * sizeof(float))) return bad("convolution: y is not a device buffer of its descriptor's size");
    if (ws_bytes < need || (need && !emu_dev_ok(ws, need))) return bad("convolution: workspace too small");
    if (bias && !emu_dev_ok(bias, (size_t)fd->k * sizeof(float))) return bad("convolution: bias is not a device buffer");
    if (z && *alpha2 != 0.0f && !emu_dev_ok(z, yn * sizeof(float))) return bad("convolution: z is not a device buffer");
    if (cv->ph || cv->pw) emu_counts.conv_cudnn_pad++;
    int cin_g = fd->c, cout_g = fd->k / cv->groups;
    float *out = malloc(yn * sizeof *out);
    if (!out) return CUDNN_STATUS_ALLOC_FAILED;
    for (int oc = 0; oc < yd->c; oc++) {
        int g = oc / cout_g;
        for (int oy = 0; oy < yd->h; oy++)
            for (int ox = 0; ox < yd->w; ox++) {
                double acc = 0;
                for (int ic = 0; ic < cin_g; ic++)
                    for (int ky = 0; ky < fd->h; ky++) {
                        int iy = oy * cv->sh - cv->ph + ky * cv->dh;
                        if (iy < 0 || iy >= xd->h) continue;
                        for (int kx = 0; kx < fd->w; kx++) {
                            int ix = ox * cv->sw - cv->pw + kx * cv->dw;
                            if (ix < 0 || ix >= xd->w) continue;
                            acc += (double)w[(((size_t)oc * cin_g + ic) * fd->h + ky) * fd->w + kx] *
                                   x[((size_t)(g * cin_g + ic) * xd->h + iy) * xd->w + ix];
                        }
                    }
                size_t e = ((size_t)oc * yd->h + oy) * yd->w + ox;
                double v = *alpha1 * acc;
                if (z && *alpha2 != 0.0f) v += *alpha2 * z[e];
                if (bias) v += bias[oc];
                /* cuDNN's NaN flag: with CUDNN_NOT_PROPAGATE_NAN a NaN becomes a number */
                if (act && act->mode == CUDNN_ACTIVATION_RELU) v = v > 0 || (isnan(v) && act->nan == CUDNN_PROPAGATE_NAN) ? v : 0;
                else if (act && act->mode == CUDNN_ACTIVATION_CLIPPED_RELU) v = v < 0 ? 0 : (v > act->coef ? act->coef : v);
                out[e] = (float)v;
            }
    }
    memcpy(y, out, yn * sizeof *out); /* y may alias z */
    free(out);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
                                      cudnnFilterDescriptor_t fd, const void *w, cudnnConvolutionDescriptor_t cv,
                                      cudnnConvolutionFwdAlgo_t algo, void *ws, size_t ws_bytes, const void *beta,
                                      cudnnTensorDescriptor_t yd, void *y)
{
    (void)h;
    if (*(const float *)beta != 0.0f) return bad("cudnnConvolutionForward: the backend always passes beta = 0");
    emu_counts.conv_plain++;
    return conv_run(alpha, xd, x, fd, w, cv, algo, ws, ws_bytes, beta, NULL, NULL, NULL, yd, y);
}

cudnnStatus_t cudnnConvolutionBiasActivationForward(cudnnHandle_t h, const void *alpha1, cudnnTensorDescriptor_t xd,
                                                    const void *x, cudnnFilterDescriptor_t fd, const void *w,
                                                    cudnnConvolutionDescriptor_t cv, cudnnConvolutionFwdAlgo_t algo,
                                                    void *ws, size_t ws_bytes, const void *alpha2,
                                                    cudnnTensorDescriptor_t zd, const void *z, cudnnTensorDescriptor_t bd,
                                                    const void *bias, cudnnActivationDescriptor_t act,
                                                    cudnnTensorDescriptor_t yd, void *y)
{
    (void)h;
    if (act->mode != CUDNN_ACTIVATION_RELU && !(act->mode == CUDNN_ACTIVATION_IDENTITY &&
                                                 algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM))
        return bad("cudnnConvolutionBiasActivationForward: activation must be RELU (or IDENTITY with PRECOMP_GEMM)");
    if (algo == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED) {
        emu_counts.conv_refused++;
        return CUDNN_STATUS_NOT_SUPPORTED;
    }
    if (!zd->set || zd->c != yd->c || zd->h != yd->h || zd->w != yd->w) return bad("conv+bias+act: z has the wrong shape");
    if (!bd->set || bd->n != 1 || bd->c != fd->k || bd->h != 1 || bd->w != 1) return bad("conv+bias+act: bias descriptor");
    emu_counts.conv_fused++;
    return conv_run(alpha1, xd, x, fd, w, cv, algo, ws, ws_bytes, alpha2, z, bias, act, yd, y);
}

cudnnStatus_t cudnnGetPooling2dForwardOutputDim(cudnnPoolingDescriptor_t p, cudnnTensorDescriptor_t x, int *n, int *c,
                                                int *h, int *w)
{
    if (!p->set || !x->set) return bad("cudnnGetPooling2dForwardOutputDim: descriptor not set");
    *n = x->n;
    *c = x->c;
    *h = (x->h + 2 * p->ph - p->kh) / p->sh + 1;
    *w = (x->w + 2 * p->pw - p->kw) / p->sw + 1;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnPoolingForward(cudnnHandle_t h, cudnnPoolingDescriptor_t p, const void *alpha,
                                  cudnnTensorDescriptor_t xd, const void *xv, const void *beta,
                                  cudnnTensorDescriptor_t yd, void *yv)
{
    (void)h;
    int n, c, oh, ow;
    cudnnStatus_t s = cudnnGetPooling2dForwardOutputDim(p, xd, &n, &c, &oh, &ow);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    if (p->mode != CUDNN_POOLING_MAX) return bad("cudnnPoolingForward: only max pooling is emulated");
    if (!yd->set || yd->n != n || yd->c != c || yd->h != oh || yd->w != ow) return bad("cudnnPoolingForward: y shape");
    if (*(const float *)alpha != 1.0f || *(const float *)beta != 0.0f) return bad("cudnnPoolingForward: alpha/beta");
    const float *x = xv;
    float *y = yv;
    if (!emu_dev_ok(x, (size_t)n * c * xd->h * xd->w * sizeof(float))) return bad("cudnnPoolingForward: x");
    if (!emu_dev_ok(y, (size_t)n * c * oh * ow * sizeof(float))) return bad("cudnnPoolingForward: y");
    emu_counts.pool_cudnn++;
    for (int ch = 0; ch < n * c; ch++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                float best = -INFINITY;
                for (int ky = 0; ky < p->kh; ky++)
                    for (int kx = 0; kx < p->kw; kx++) {
                        int iy = i * p->sh - p->ph + ky, ix = j * p->sw - p->pw + kx;
                        if (iy < 0 || ix < 0 || iy >= xd->h || ix >= xd->w) continue;
                        float v = x[((size_t)ch * xd->h + iy) * xd->w + ix];
                        if (v > best || (isnan(v) && p->nan == CUDNN_PROPAGATE_NAN && !isnan(best))) best = v;
                    }
                y[((size_t)ch * oh + i) * ow + j] = best;
            }
    return CUDNN_STATUS_SUCCESS;
}
