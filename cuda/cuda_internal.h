/* cuda_internal: what the files of the cuda backend share — the check macros that name every failed
 * CUDA, cuDNN and cuBLAS call, the backend's context (device, handles, per-node device state). */
#ifndef HALO_CUDA_INTERNAL_H
#define HALO_CUDA_INTERNAL_H

#include "backend_cuda.h"
#include "core/alloc.h"
#include "core/log.h"
#include "exec/backend.h"
#include "kernels.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

/* ---- checked calls (cuda_check.c): every failure names the call and becomes HALO_ERR_BACKEND --- */

enum halo_status halo_cuda_check(cudaError_t e, const char *call);
enum halo_status halo_cudnn_check(cudnnStatus_t s, const char *call);
enum halo_status halo_cublas_check(cublasStatus_t s, const char *call);

#define CU(call) HALO_TRY(halo_cuda_check((call), #call))
#define DNN(call) HALO_TRY(halo_cudnn_check((call), #call))
#define BLAS(call) HALO_TRY(halo_cublas_check((call), #call))

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

/* ---- the context ------------------------------------------------------------------------------ */

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

/* ---- state and load (cuda_load.c) ---- */

/* Makes *p hold at least `bytes` of device memory (contents are not kept). */
enum halo_status halo_cuda_reserve(struct cuda_ctx *c, void **p, size_t *cap, size_t bytes);
/* The backend's load, impl and free entries. */
enum halo_status halo_cuda_load(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w);
const char *halo_cuda_impl(struct halo_backend *be, int node);
void halo_cuda_free(struct halo_backend *be);

/* ---- algorithm plans (cuda_plan.c) ---- */

/* The plan of node i for this input shape, made (and for a conv, its algorithm found) on first use. */
enum halo_status halo_cuda_get_plan(struct cuda_ctx *c, int i, int in_h, int in_w, int pad_h, int pad_w, int oh,
                                    int ow, struct plan **out);
/* Destroys a plan's descriptors and zeroes it. */
void halo_cuda_plan_destroy(struct plan *p);
/* cuDNN's name of a forward algorithm ("IMPLICIT_GEMM"), for impl(). */
const char *halo_cuda_algo_name(cudnnConvolutionFwdAlgo_t a);

/* ---- ceilings (cuda_ceilings.c) ---- */

/* The backend's ceilings entry: FP32 FMA kernel and SGEMM, TF32/FP16 tensor-core GEMM, device-memory
 * copy and triad over working sets, host<->device copies (pinned, pageable). */
enum halo_status halo_cuda_ceilings(struct halo_backend *be, const struct halo_ceilings_opts *o, cJSON **out);

/* ---- compute (cuda_compute.c) ---- */

/* The backend's compute entry: the tile's input to the device, every node, the output back. */
enum halo_status halo_cuda_compute(struct halo_backend *be, const struct halo_tile *tile,
                                   const struct halo_tensor *in, struct halo_tensor *out, double *node_ms);

#endif
