/* kernels: the CUDA kernels of the cuda backend for what cuDNN lacks: copying a rect between two
 * buffers that each hold a rect of one tensor (crop, pad, stitch), element-wise ops with a crop
 * built in, bias + activation, window pooling over pad + read, and adaptive average pooling. */
#ifndef HALO_CUDA_KERNELS_H
#define HALO_CUDA_KERNELS_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A rect of a full tensor held by a buffer: rows [y0, y0+h), columns [x0, x0+w); the buffer is
 * c planes of h x w floats, contiguous (NCHW, one sample). */
struct hc_rect {
    int y0, x0, h, w;
};

enum hc_eltwise_op {
    HC_AFFINE, /* a * scale[c] + shift[c] (inference BatchNorm) */
    HC_RELU,
    HC_RELU6,  /* clamp(a, 0, 6) */
    HC_ADD,    /* a + b */
    HC_MUL,    /* a * b */
    HC_MUL_GATE, /* a * b[c]: b is a c x 1 x 1 gate */
    HC_SIGMOID,
    HC_HARDSIGMOID, /* clamp(alpha * a + beta, 0, 1) */
    HC_HARDSWISH,   /* a * clamp(a / 6 + 1/2, 0, 1) */
    HC_LEAKY_RELU,  /* a < 0 ? alpha * a : a */
    HC_CLIP,        /* min(max(a, alpha), beta) */
};

enum hc_act { HC_ACT_NONE, HC_ACT_RELU, HC_ACT_RELU6 };

/* For every channel and every (y, x) of `iter` (full coordinates): dst(y, x) = src(y, x) when
 * (y, x) lies in `region` (which must lie in src's rect), else `fill`. `iter` must lie in dst's
 * rect. Crop: iter = region = dst. Pad: iter = dst, region = the data read. Stitch: iter = region
 * = the tile, dst the larger buffer. Returns the launch status. */
cudaError_t hc_copy_rect(cudaStream_t s, int c, float *dst, struct hc_rect d, const float *src, struct hc_rect sr,
                         struct hc_rect iter, struct hc_rect region, float fill);

/* y (rect `out`) = op(a, b) element by element, reading a and b at the same full coordinates;
 * both rects must contain `out` (b of HC_MUL_GATE: c floats). b, scale and shift may be NULL
 * where the op does not use them; alpha and beta are the op's parameters (0 where it has none). */
cudaError_t hc_eltwise(cudaStream_t s, enum hc_eltwise_op op, int c, float *y, struct hc_rect out, const float *a,
                       struct hc_rect ar, const float *b, struct hc_rect br, const float *scale, const float *shift,
                       float alpha, float beta);

/* In place over c planes of hw floats: y = act(y + bias[c]); bias may be NULL. */
cudaError_t hc_bias_act(cudaStream_t s, int c, long long hw, float *y, const float *bias, enum hc_act act);

/* Window pooling on pad + read, as the ref backend defines it: output (oh x ow per channel) at
 * local (i, j) covers window positions (i*sh + ky*dh, j*sw + kx*dw) of pad + read; positions in
 * the pad are ignored by max and counted by avg only when count_include_pad (divisor kh*kw). */
struct hc_window {
    int kh, kw, sh, sw, dh, dw;
};
cudaError_t hc_pool(cudaStream_t s, int is_max, int count_include_pad, int c, float *y, int oh, int ow,
                    const float *x, struct hc_rect xr, struct hc_rect read, int pad_top, int pad_left,
                    struct hc_window win);

/* PyTorch's adaptive average pooling of a full_h x full_w tensor to out_h x out_w bins; y holds
 * rect `out` of the output, x holds rect xr of the input (covering the bins of `out`). */
cudaError_t hc_adaptive_avgpool(cudaStream_t s, int c, float *y, struct hc_rect out, const float *x,
                                struct hc_rect xr, int full_h, int full_w, int out_h, int out_w);

#ifdef __cplusplus
}
#endif

#endif
