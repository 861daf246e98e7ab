// kernels: the CUDA kernels of the cuda backend (see kernels.h). One thread per output element,
// grid-stride loops with 64-bit indices so that any tensor size works with a bounded grid. What a
// thread computes is in kernels_body.h, shared with the host emulation that tests it.
#include "kernels_body.h"

namespace {

constexpr int kThreads = 256;
constexpr long long kMaxBlocks = 1 << 20;

unsigned blocks_for(long long n)
{
    long long b = (n + kThreads - 1) / kThreads;
    return (unsigned)(b < kMaxBlocks ? b : kMaxBlocks);
}

#define HC_FOR_EACH(e, n) \
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < (n); e += (long long)blockDim.x * gridDim.x)

__global__ void k_copy_rect(long long n, float *dst, hc_rect d, const float *src, hc_rect sr, hc_rect it,
                            hc_rect region, float fill)
{
    HC_FOR_EACH(e, n) hc_copy_rect_one(e, dst, d, src, sr, it, region, fill);
}

__global__ void k_eltwise(long long n, hc_eltwise_op op, float *y, hc_rect out, const float *a, hc_rect ar,
                          const float *b, hc_rect br, const float *scale, const float *shift, float alpha, float beta)
{
    HC_FOR_EACH(e, n) hc_eltwise_one(e, op, y, out, a, ar, b, br, scale, shift, alpha, beta);
}

__global__ void k_bias_act(long long n, long long hw, float *y, const float *bias, hc_act act)
{
    HC_FOR_EACH(e, n) hc_bias_act_one(e, hw, y, bias, act);
}

__global__ void k_pool(long long n, int is_max, int count_include_pad, float *y, int oh, int ow, const float *x,
                       hc_rect xr, hc_rect read, int pad_top, int pad_left, hc_window k)
{
    HC_FOR_EACH(e, n) hc_pool_one(e, is_max, count_include_pad, y, oh, ow, x, xr, read, pad_top, pad_left, k);
}

__global__ void k_adaptive_avgpool(long long n, float *y, hc_rect out, const float *x, hc_rect xr, int full_h,
                                   int full_w, int out_h, int out_w)
{
    HC_FOR_EACH(e, n) hc_adaptive_avgpool_one(e, y, out, x, xr, full_h, full_w, out_h, out_w);
}

long long volume(int c, hc_rect r) { return (long long)c * r.h * r.w; }

} // namespace

extern "C" cudaError_t hc_copy_rect(cudaStream_t s, int c, float *dst, hc_rect d, const float *src, hc_rect sr,
                                    hc_rect iter, hc_rect region, float fill)
{
    long long n = volume(c, iter);
    if (n <= 0) return cudaSuccess;
    k_copy_rect<<<blocks_for(n), kThreads, 0, s>>>(n, dst, d, src, sr, iter, region, fill);
    return cudaGetLastError();
}

extern "C" cudaError_t hc_eltwise(cudaStream_t s, hc_eltwise_op op, int c, float *y, hc_rect out, const float *a,
                                  hc_rect ar, const float *b, hc_rect br, const float *scale, const float *shift,
                                  float alpha, float beta)
{
    long long n = volume(c, out);
    if (n <= 0) return cudaSuccess;
    k_eltwise<<<blocks_for(n), kThreads, 0, s>>>(n, op, y, out, a, ar, b, br, scale, shift, alpha, beta);
    return cudaGetLastError();
}

extern "C" cudaError_t hc_bias_act(cudaStream_t s, int c, long long hw, float *y, const float *bias, hc_act act)
{
    long long n = (long long)c * hw;
    if (n <= 0 || (!bias && act == HC_ACT_NONE)) return cudaSuccess;
    k_bias_act<<<blocks_for(n), kThreads, 0, s>>>(n, hw, y, bias, act);
    return cudaGetLastError();
}

extern "C" cudaError_t hc_pool(cudaStream_t s, int is_max, int count_include_pad, int c, float *y, int oh, int ow,
                               const float *x, hc_rect xr, hc_rect read, int pad_top, int pad_left, hc_window win)
{
    long long n = (long long)c * oh * ow;
    if (n <= 0) return cudaSuccess;
    k_pool<<<blocks_for(n), kThreads, 0, s>>>(n, is_max, count_include_pad, y, oh, ow, x, xr, read, pad_top,
                                              pad_left, win);
    return cudaGetLastError();
}

extern "C" cudaError_t hc_adaptive_avgpool(cudaStream_t s, int c, float *y, hc_rect out, const float *x,
                                           hc_rect xr, int full_h, int full_w, int out_h, int out_w)
{
    long long n = volume(c, out);
    if (n <= 0) return cudaSuccess;
    k_adaptive_avgpool<<<blocks_for(n), kThreads, 0, s>>>(n, y, out, x, xr, full_h, full_w, out_h, out_w);
    return cudaGetLastError();
}
