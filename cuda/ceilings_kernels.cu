// ceilings_kernels: the kernels of the cuda backend's ceilings (see ceilings_kernels.h).
#include "ceilings_kernels.h"

namespace {

constexpr int kStreamThreads = 256;
// a pragma's argument is not macro-expanded: the 8 below is HC_CEIL_FMA_UNROLL
static_assert(HC_CEIL_FMA_UNROLL == 8, "k_ceil_fma unrolls by 8");

__global__ void k_ceil_fma(long long iters, float a, float b, float *out)
{
    float x[HC_CEIL_FMA_CHAINS];
#pragma unroll
    for (int k = 0; k < HC_CEIL_FMA_CHAINS; k++) x[k] = 1e-3f * (float)(threadIdx.x + k);
#pragma unroll 8
    for (long long i = 0; i < iters; i++) {
#pragma unroll
        for (int k = 0; k < HC_CEIL_FMA_CHAINS; k++) x[k] = fmaf(x[k], a, b);
    }
    float s = 0;
#pragma unroll
    for (int k = 0; k < HC_CEIL_FMA_CHAINS; k++) s += x[k];
    out[(long long)blockIdx.x * blockDim.x + threadIdx.x] = s;
}

__global__ void k_ceil_copy(float4 *a, const float4 *b, long long n4)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n4; i += (long long)blockDim.x * gridDim.x)
        a[i] = b[i];
}

__global__ void k_ceil_triad(float4 *a, const float4 *b, const float4 *c, float s, long long n4)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n4; i += (long long)blockDim.x * gridDim.x) {
        float4 x = b[i], y = c[i];
        a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
    }
}

} // namespace

extern "C" cudaError_t hc_ceil_fma(cudaStream_t s, int blocks, int threads, long long iters, float *out)
{
    if (blocks < 1 || threads < 1 || iters < 0 || iters % HC_CEIL_FMA_UNROLL) return cudaErrorInvalidValue;
    k_ceil_fma<<<blocks, threads, 0, s>>>(iters, 0.99999994f, 1e-3f, out);
    return cudaGetLastError();
}

extern "C" cudaError_t hc_ceil_copy(cudaStream_t s, int blocks, float *a, const float *b, long long n)
{
    if (blocks < 1 || n < 0 || n % 4) return cudaErrorInvalidValue;
    k_ceil_copy<<<blocks, kStreamThreads, 0, s>>>((float4 *)a, (const float4 *)b, n / 4);
    return cudaGetLastError();
}

extern "C" cudaError_t hc_ceil_triad(cudaStream_t s, int blocks, float *a, const float *b, const float *c, float scalar,
                                     long long n)
{
    if (blocks < 1 || n < 0 || n % 4) return cudaErrorInvalidValue;
    k_ceil_triad<<<blocks, kStreamThreads, 0, s>>>((float4 *)a, (const float4 *)b, (const float4 *)c, scalar, n / 4);
    return cudaGetLastError();
}
