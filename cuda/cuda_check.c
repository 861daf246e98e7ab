/* cuda_check: the cuda backend's checked calls — a failed CUDA runtime, cuDNN or cuBLAS call becomes
 * HALO_ERR_BACKEND with a message naming the call and the library's own explanation. */
#include "cuda_internal.h"

enum halo_status halo_cuda_check(cudaError_t e, const char *call)
{
    if (e == cudaSuccess) return HALO_OK;
    (void)cudaGetLastError(); /* clear a sticky launch error so that later calls report their own */
    return halo_error(HALO_ERR_BACKEND, "cuda backend: %s: %s (%s)", call, cudaGetErrorString(e), cudaGetErrorName(e));
}

enum halo_status halo_cudnn_check(cudnnStatus_t s, const char *call)
{
    if (s == CUDNN_STATUS_SUCCESS) return HALO_OK;
    char detail[512] = "";
    cudnnGetLastErrorString(detail, sizeof detail);
    return halo_error(HALO_ERR_BACKEND, "cuda backend: %s: %s%s%s", call, cudnnGetErrorString(s),
                      detail[0] ? ": " : "", detail);
}

enum halo_status halo_cublas_check(cublasStatus_t s, const char *call)
{
    if (s == CUBLAS_STATUS_SUCCESS) return HALO_OK;
    return halo_error(HALO_ERR_BACKEND, "cuda backend: %s: %s (%s)", call, cublasGetStatusString(s),
                      cublasGetStatusName(s));
}
