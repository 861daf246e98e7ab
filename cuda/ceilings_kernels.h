/* ceilings_kernels: the CUDA kernels behind the cuda backend's ceilings (cuda_ceilings.c) — an FP32
 * FMA kernel with 16 independent chains per thread (the peak), and STREAM copy and triad over
 * float4 (device-memory and L2 bandwidth). */
#ifndef HALO_CUDA_CEILINGS_KERNELS_H
#define HALO_CUDA_CEILINGS_KERNELS_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Chains of FMAs each of the FMA kernel's threads runs side by side. */
#define HC_CEIL_FMA_CHAINS 16
/* The FMA kernel's loop is unrolled this many times: iters must be a multiple of it. */
#define HC_CEIL_FMA_UNROLL 8

/* blocks x threads threads each run `iters` iterations of HC_CEIL_FMA_CHAINS independent FMAs
 * x = x * a + b, then write their sum to out[thread] (out holds blocks * threads floats), so that
 * nothing is optimised away. FLOPs: 2 * HC_CEIL_FMA_CHAINS * iters * blocks * threads. */
cudaError_t hc_ceil_fma(cudaStream_t s, int blocks, int threads, long long iters, float *out);

/* a = b over n floats (n a multiple of 4, pointers 16-byte aligned), grid-stride over `blocks`
 * blocks of 256 threads. */
cudaError_t hc_ceil_copy(cudaStream_t s, int blocks, float *a, const float *b, long long n);

/* a = b + scalar * c over n floats, as hc_ceil_copy. */
cudaError_t hc_ceil_triad(cudaStream_t s, int blocks, float *a, const float *b, const float *c, float scalar,
                          long long n);

#ifdef __cplusplus
}
#endif

#endif
