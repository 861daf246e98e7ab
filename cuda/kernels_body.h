/* kernels_body: what each thread of the kernels in kernels.cu computes for its output element e.
 * Plain C that nvcc also compiles for the device, so that the host emulation (emu/, test_cuda_emu)
 * runs exactly the index arithmetic the GPU runs. */
#ifndef HALO_CUDA_KERNELS_BODY_H
#define HALO_CUDA_KERNELS_BODY_H

#include "kernels.h"

#ifndef __CUDACC__
#include <math.h>
#endif

#ifdef __CUDACC__
#define HC_HD static __host__ __device__ __forceinline__
#else
#define HC_HD static inline
#endif
#define HC_NEG_INF (-__builtin_inff()) /* gcc and nvcc, host and device */

/* Offset of full-tensor element (ch, y, x) in a buffer holding rect r. */
HC_HD long long hc_at(struct hc_rect r, int ch, int y, int x)
{
    return ((long long)ch * r.h + (y - r.y0)) * r.w + (x - r.x0);
}

HC_HD int hc_inside(struct hc_rect r, int y, int x)
{
    return y >= r.y0 && y < r.y0 + r.h && x >= r.x0 && x < r.x0 + r.w;
}

/* Splits flat index e over c x r.h x r.w into channel and full coordinates. */
HC_HD void hc_unflatten(long long e, struct hc_rect r, int *ch, int *y, int *x)
{
    *x = r.x0 + (int)(e % r.w);
    long long t = e / r.w;
    *y = r.y0 + (int)(t % r.h);
    *ch = (int)(t / r.h);
}

HC_HD void hc_copy_rect_one(long long e, float *dst, struct hc_rect d, const float *src, struct hc_rect sr,
                            struct hc_rect it, struct hc_rect region, float fill)
{
    int ch, y, x;
    hc_unflatten(e, it, &ch, &y, &x);
    dst[hc_at(d, ch, y, x)] = hc_inside(region, y, x) ? src[hc_at(sr, ch, y, x)] : fill;
}

HC_HD float hc_clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

HC_HD void hc_eltwise_one(long long e, enum hc_eltwise_op op, float *y, struct hc_rect out, const float *a,
                          struct hc_rect ar, const float *b, struct hc_rect br, const float *scale, const float *shift,
                          float alpha, float beta)
{
    int ch, yy, xx;
    hc_unflatten(e, out, &ch, &yy, &xx);
    float v = a[hc_at(ar, ch, yy, xx)];
    switch (op) {
    case HC_AFFINE: v = v * scale[ch] + shift[ch]; break;
    case HC_RELU: v = v > 0.0f || v != v ? v : 0.0f; break; /* relu(NaN) is NaN, as in torch */
    case HC_RELU6: v = hc_clamp(v, 0.0f, 6.0f); break;
    case HC_ADD: v += b[hc_at(br, ch, yy, xx)]; break;
    case HC_MUL: v *= b[hc_at(br, ch, yy, xx)]; break;
    case HC_MUL_GATE: v *= b[ch]; break;
    case HC_SIGMOID: v = 1.0f / (1.0f + expf(-v)); break;
    case HC_HARDSIGMOID: v = hc_clamp(alpha * v + beta, 0.0f, 1.0f); break;
    case HC_HARDSWISH: v = v * hc_clamp(v / 6.0f + 0.5f, 0.0f, 1.0f); break;
    case HC_LEAKY_RELU: v = v < 0.0f ? alpha * v : v; break;
    case HC_CLIP: v = v != v ? v : fminf(fmaxf(v, alpha), beta); break; /* torch.clamp: NaN kept, max wins */
    }
    y[e] = v;
}

HC_HD void hc_bias_act_one(long long e, long long hw, float *y, const float *bias, enum hc_act act)
{
    float v = y[e];
    if (bias) v += bias[e / hw];
    if (act == HC_ACT_RELU) v = v > 0.0f || v != v ? v : 0.0f;
    else if (act == HC_ACT_RELU6) v = v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    y[e] = v;
}

/* Window positions in the pad are skipped: max ignores them, avg counts them only through
 * count_include_pad's fixed divisor. */
HC_HD void hc_pool_one(long long e, int is_max, int count_include_pad, float *y, int oh, int ow, const float *x,
                       struct hc_rect xr, struct hc_rect read, int pad_top, int pad_left, struct hc_window k)
{
    int j = (int)(e % ow);
    long long t = e / ow;
    int i = (int)(t % oh), ch = (int)(t / oh);
    float best = HC_NEG_INF, sum = 0.0f;
    int count = 0;
    for (int ky = 0; ky < k.kh; ky++) {
        int ry = i * k.sh + ky * k.dh - pad_top;
        if (ry < 0 || ry >= read.h) continue;
        for (int kx = 0; kx < k.kw; kx++) {
            int rx = j * k.sw + kx * k.dw - pad_left;
            if (rx < 0 || rx >= read.w) continue;
            float v = x[hc_at(xr, ch, read.y0 + ry, read.x0 + rx)];
            best = v > best || v != v ? v : best; /* NaN wins, as in torch */
            sum += v;
            count++;
        }
    }
    if (is_max) y[e] = best;
    else y[e] = sum / (float)(count_include_pad ? k.kh * k.kw : (count ? count : 1));
}

/* PyTorch's bins: rows [floor(oy*H/oh), ceil((oy+1)*H/oh)). */
HC_HD void hc_adaptive_avgpool_one(long long e, float *y, struct hc_rect out, const float *x, struct hc_rect xr,
                                   int full_h, int full_w, int out_h, int out_w)
{
    int ch, oy, ox;
    hc_unflatten(e, out, &ch, &oy, &ox);
    int y0 = (int)((long long)oy * full_h / out_h);
    int y1 = (int)(((long long)(oy + 1) * full_h + out_h - 1) / out_h);
    int x0 = (int)((long long)ox * full_w / out_w);
    int x1 = (int)(((long long)(ox + 1) * full_w + out_w - 1) / out_w);
    float s = 0.0f;
    for (int yy = y0; yy < y1; yy++)
        for (int xx = x0; xx < x1; xx++) s += x[hc_at(xr, ch, yy, xx)];
    y[e] = s / (float)((y1 - y0) * (x1 - x0));
}

#endif
