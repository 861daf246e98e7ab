/* emu_kernels: the kernels of kernels.cu run on the host, one loop iteration per GPU thread, with
 * the same per-element bodies (kernels_body.h); each launch first checks that every buffer it
 * touches is a live emulated allocation large enough for the rects it is given. */
#include "emu_internal.h"
#include "ceilings_kernels.h"
#include "kernels_body.h"

static long long vol(int c, struct hc_rect r) { return (long long)c * r.h * r.w; }

static int contains(struct hc_rect outer, struct hc_rect inner)
{
    if (inner.h <= 0 || inner.w <= 0) return 1;
    return inner.y0 >= outer.y0 && inner.x0 >= outer.x0 && inner.y0 + inner.h <= outer.y0 + outer.h &&
           inner.x0 + inner.w <= outer.x0 + outer.w;
}

static cudaError_t launch_fail(const char *kernel, const char *what)
{
    emu_bad("%s: %s", kernel, what);
    return cudaErrorInvalidValue;
}

cudaError_t hc_copy_rect(cudaStream_t s, int c, float *dst, struct hc_rect d, const float *src, struct hc_rect sr,
                         struct hc_rect iter, struct hc_rect region, float fill)
{
    (void)s;
    long long n = vol(c, iter);
    if (n <= 0) return cudaSuccess;
    if (!emu_dev_ok(dst, (size_t)vol(c, d) * sizeof(float))) return launch_fail("hc_copy_rect", "dst");
    if (!contains(d, iter)) return launch_fail("hc_copy_rect", "iter outside dst");
    if (region.h > 0 && region.w > 0) {
        if (!emu_dev_ok(src, (size_t)vol(c, sr) * sizeof(float))) return launch_fail("hc_copy_rect", "src");
        if (!contains(sr, region)) return launch_fail("hc_copy_rect", "region outside src");
    }
    emu_count_kernel();
    for (long long e = 0; e < n; e++) hc_copy_rect_one(e, dst, d, src, sr, iter, region, fill);
    return cudaSuccess;
}

cudaError_t hc_eltwise(cudaStream_t s, enum hc_eltwise_op op, int c, float *y, struct hc_rect out, const float *a,
                       struct hc_rect ar, const float *b, struct hc_rect br, const float *scale, const float *shift,
                       float alpha, float beta)
{
    (void)s;
    long long n = vol(c, out);
    if (n <= 0) return cudaSuccess;
    if (!emu_dev_ok(y, (size_t)n * sizeof(float))) return launch_fail("hc_eltwise", "y");
    if (!emu_dev_ok(a, (size_t)vol(c, ar) * sizeof(float)) || !contains(ar, out))
        return launch_fail("hc_eltwise", "a");
    if ((op == HC_ADD || op == HC_MUL) && (!emu_dev_ok(b, (size_t)vol(c, br) * sizeof(float)) || !contains(br, out)))
        return launch_fail("hc_eltwise", "b");
    if (op == HC_MUL_GATE && !emu_dev_ok(b, (size_t)c * sizeof(float))) return launch_fail("hc_eltwise", "gate");
    if (op == HC_AFFINE && (!emu_dev_ok(scale, (size_t)c * sizeof(float)) || !emu_dev_ok(shift, (size_t)c * sizeof(float))))
        return launch_fail("hc_eltwise", "scale/shift");
    emu_count_kernel();
    for (long long e = 0; e < n; e++) hc_eltwise_one(e, op, y, out, a, ar, b, br, scale, shift, alpha, beta);
    return cudaSuccess;
}

cudaError_t hc_bias_act(cudaStream_t s, int c, long long hw, float *y, const float *bias, enum hc_act act)
{
    (void)s;
    long long n = (long long)c * hw;
    if (n <= 0 || (!bias && act == HC_ACT_NONE)) return cudaSuccess;
    if (!emu_dev_ok(y, (size_t)n * sizeof(float))) return launch_fail("hc_bias_act", "y");
    if (bias && !emu_dev_ok(bias, (size_t)c * sizeof(float))) return launch_fail("hc_bias_act", "bias");
    emu_count_kernel();
    for (long long e = 0; e < n; e++) hc_bias_act_one(e, hw, y, bias, act);
    return cudaSuccess;
}

cudaError_t hc_pool(cudaStream_t s, int is_max, int count_include_pad, int c, float *y, int oh, int ow,
                    const float *x, struct hc_rect xr, struct hc_rect read, int pad_top, int pad_left,
                    struct hc_window win)
{
    (void)s;
    long long n = (long long)c * oh * ow;
    if (n <= 0) return cudaSuccess;
    if (!emu_dev_ok(y, (size_t)n * sizeof(float))) return launch_fail("hc_pool", "y");
    if (!emu_dev_ok(x, (size_t)vol(c, xr) * sizeof(float)) || !contains(xr, read)) return launch_fail("hc_pool", "x");
    emu_count_kernel();
    for (long long e = 0; e < n; e++)
        hc_pool_one(e, is_max, count_include_pad, y, oh, ow, x, xr, read, pad_top, pad_left, win);
    return cudaSuccess;
}

cudaError_t hc_adaptive_avgpool(cudaStream_t s, int c, float *y, struct hc_rect out, const float *x,
                                struct hc_rect xr, int full_h, int full_w, int out_h, int out_w)
{
    (void)s;
    long long n = vol(c, out);
    if (n <= 0) return cudaSuccess;
    if (!emu_dev_ok(y, (size_t)n * sizeof(float))) return launch_fail("hc_adaptive_avgpool", "y");
    if (!emu_dev_ok(x, (size_t)vol(c, xr) * sizeof(float))) return launch_fail("hc_adaptive_avgpool", "x");
    /* the bins of `out` must lie in xr */
    struct hc_rect need = {(int)((long long)out.y0 * full_h / out_h), (int)((long long)out.x0 * full_w / out_w), 0, 0};
    need.h = (int)(((long long)(out.y0 + out.h) * full_h + out_h - 1) / out_h) - need.y0;
    need.w = (int)(((long long)(out.x0 + out.w) * full_w + out_w - 1) / out_w) - need.x0;
    if (!contains(xr, need)) return launch_fail("hc_adaptive_avgpool", "bins outside x");
    emu_count_kernel();
    for (long long e = 0; e < n; e++) hc_adaptive_avgpool_one(e, y, out, x, xr, full_h, full_w, out_h, out_w);
    return cudaSuccess;
}

/* The ceilings' kernels exist to be timed, which an emulation cannot do, and the backend never
 * reads what they write: they are checked (arguments, buffers) and not run. The emulated events
 * give every sample the same made-up time, so a ceiling measured here says nothing of a GPU; the
 * document names the emulated device ("halo emulated GPU"), and only test_cuda_emu links this. */
cudaError_t hc_ceil_fma(cudaStream_t s, int blocks, int threads, long long iters, float *out)
{
    (void)s;
    if (blocks < 1 || threads < 1 || iters < 0 || iters % HC_CEIL_FMA_UNROLL) return launch_fail("hc_ceil_fma", "sizes");
    if (!emu_dev_ok(out, (size_t)blocks * threads * sizeof(float))) return launch_fail("hc_ceil_fma", "out");
    emu_count_kernel();
    return cudaSuccess;
}

cudaError_t hc_ceil_copy(cudaStream_t s, int blocks, float *a, const float *b, long long n)
{
    (void)s;
    if (blocks < 1 || n < 0 || n % 4) return launch_fail("hc_ceil_copy", "sizes");
    if (!emu_dev_ok(a, (size_t)n * sizeof(float)) || !emu_dev_ok(b, (size_t)n * sizeof(float)))
        return launch_fail("hc_ceil_copy", "a buffer is not device memory of n floats");
    emu_count_kernel();
    return cudaSuccess;
}

cudaError_t hc_ceil_triad(cudaStream_t s, int blocks, float *a, const float *b, const float *c, float scalar,
                          long long n)
{
    (void)s;
    (void)scalar;
    if (blocks < 1 || n < 0 || n % 4) return launch_fail("hc_ceil_triad", "sizes");
    if (!emu_dev_ok(a, (size_t)n * sizeof(float)) || !emu_dev_ok(b, (size_t)n * sizeof(float)) ||
        !emu_dev_ok(c, (size_t)n * sizeof(float)))
        return launch_fail("hc_ceil_triad", "a buffer is not device memory of n floats");
    emu_count_kernel();
    return cudaSuccess;
}
