/* emu_cublas: the cuBLAS entry points the cuda backend calls, emulated on the host: handles and
 * streams, status strings, and the one routine it uses (cublasSgemv), checked against device memory. */
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
