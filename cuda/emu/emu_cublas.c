/* emu_cublas: the cuBLAS entry points the cuda backend calls, emulated on the host: handles and
 * streams, status strings, the one routine its compute uses (cublasSgemv), checked against device
 * memory, and the GEMMs its ceilings time (checked, not run: see emu_kernels.c). */
#include "emu_internal.h"

#include <cublas_v2.h>

#include <stdlib.h>

/* ---- cuBLAS ------------------------------------------------------------------------------------ */

struct cublasContext {
    cudaStream_t stream;
};

cublasStatus_t cublasCreate(cublasHandle_t *h)
{
    if (emu_device_count() < 1) return CUBLAS_STATUS_NOT_INITIALIZED;
    *h = calloc(1, sizeof **h);
    return *h ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_ALLOC_FAILED;
}

cublasStatus_t cublasDestroy(cublasHandle_t h)
{
    free(h);
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s)
{
    h->stream = s;
    return CUBLAS_STATUS_SUCCESS;
}

const char *cublasGetStatusString(cublasStatus_t s) { return s == CUBLAS_STATUS_SUCCESS ? "success" : "emulated failure"; }
const char *cublasGetStatusName(cublasStatus_t s)
{
    return s == CUBLAS_STATUS_SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_INVALID_VALUE";
}

/* Column-major A (m x n, leading dimension lda): y = alpha op(A) x + beta y. */
cublasStatus_t cublasSgemv(cublasHandle_t h, cublasOperation_t trans, int m, int n, const float *alpha, const float *A,
                           int lda, const float *x, int incx, const float *beta, float *y, int incy)
{
    (void)h;
    if (m < 0 || n < 0 || lda < (m > 1 ? m : 1) || incx != 1 || incy != 1) {
        emu_bad("cublasSgemv: bad sizes");
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    int xn = trans == CUBLAS_OP_N ? n : m, yn = trans == CUBLAS_OP_N ? m : n;
    if (!emu_dev_ok(A, (size_t)lda * n * sizeof(float)) || !emu_dev_ok(x, (size_t)xn * sizeof(float)) ||
        !emu_dev_ok(y, (size_t)yn * sizeof(float))) {
        emu_bad("cublasSgemv: a pointer is not a device buffer of its size");
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    for (int j = 0; j < yn; j++) {
        double s = 0;
        for (int i = 0; i < xn; i++)
            s += (double)(trans == CUBLAS_OP_N ? A[(size_t)i * lda + j] : A[(size_t)j * lda + i]) * x[i];
        y[j] = (float)(*alpha * s + (*beta != 0.0f ? *beta * y[j] : 0.0));
    }
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetVersion(cublasHandle_t h, int *version)
{
    (void)h;
    *version = 130000;
    return CUBLAS_STATUS_SUCCESS;
}

/* An n x n x n GEMM's three operands must be device buffers of n * n elements of their type. */
static cublasStatus_t gemm_check(const char *what, int m, int n, int k, int lda, int ldb, int ldc, const void *A,
                                 const void *B, const void *C, size_t elem)
{
    if (m < 0 || n < 0 || k < 0 || lda < (m > 1 ? m : 1) || ldb < (k > 1 ? k : 1) || ldc < (m > 1 ? m : 1)) {
        emu_bad("%s: bad sizes", what);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (!emu_dev_ok(A, (size_t)lda * k * elem) || !emu_dev_ok(B, (size_t)ldb * n * elem) ||
        !emu_dev_ok(C, (size_t)ldc * n * elem)) {
        emu_bad("%s: an operand is not a device buffer of its size", what);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta,
                           float *C, int ldc)
{
    (void)h;
    (void)alpha;
    (void)beta;
    if (ta != CUBLAS_OP_N || tb != CUBLAS_OP_N) {
        emu_bad("cublasSgemm: only untransposed operands are emulated");
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    return gemm_check("cublasSgemm", m, n, k, lda, ldb, ldc, A, B, C, sizeof(float));
}

cublasStatus_t cublasGemmEx(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                            const void *alpha, const void *A, cudaDataType at, int lda, const void *B, cudaDataType bt,
                            int ldb, const void *beta, void *C, cudaDataType ct, int ldc, cublasComputeType_t compute,
                            cublasGemmAlgo_t algo)
{
    (void)h;
    (void)alpha;
    (void)beta;
    (void)compute;
    (void)algo;
    if (ta != CUBLAS_OP_N || tb != CUBLAS_OP_N || at != bt || at != ct || (at != CUDA_R_32F && at != CUDA_R_16F)) {
        emu_bad("cublasGemmEx: only untransposed fp32 or fp16 operands of one type are emulated");
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    return gemm_check("cublasGemmEx", m, n, k, lda, ldb, ldc, A, B, C, at == CUDA_R_16F ? 2 : 4);
}
