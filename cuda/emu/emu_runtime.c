/* emu_runtime: the CUDA runtime entry points the cuda backend calls, emulated on the host (see
 * emu.h), and the bookkeeping every emulated library shares (allocations, counters, refusals).
 * Streams and events are trivial (everything runs at once, in order); device memory is malloc'd,
 * tracked and filled with NaN. cuDNN is emulated in emu_cudnn.c, cuBLAS in emu_cublas.c. */
#include "emu_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bookkeeping ------------------------------------------------------------------------------- */

struct alloc {
    char *p;
    size_t bytes;
};
static struct alloc *allocs;
static size_t n_allocs, cap_allocs;
struct emu_stats emu_counts;
static int device_count = 1;
static cudaError_t sticky = cudaSuccess;
static char last_msg[512];

void emu_set_device_count(int n) { device_count = n; }
int emu_device_count(void) { return device_count; }
struct emu_stats emu_stats(void) { return emu_counts; }
void emu_count_kernel(void) { emu_counts.kernels++; }
const char *emu_last_msg(void) { return last_msg; }

/* HALO_CUDA_EMU_STATS=1 prints the counters at exit: a quick look at which paths a test took. */
__attribute__((destructor)) static void print_stats(void)
{
    if (!getenv("HALO_CUDA_EMU_STATS")) return;
    struct emu_stats stats = emu_counts;
    fprintf(stderr,
            "emu: finds %ld, conv fused %ld (refused %ld), plain %ld, with cuDNN padding %ld; cuDNN pools %ld; "
            "kernels %ld; 3-D copies %ld; refused calls %ld; %zu bytes still allocated\n",
            stats.finds, stats.conv_fused, stats.conv_refused, stats.conv_plain, stats.conv_cudnn_pad,
            stats.pool_cudnn, stats.kernels, stats.copies_3d, stats.bad_calls, stats.live_bytes);
}

void emu_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "emu: refused: %s\n", last_msg);
    emu_counts.bad_calls++;
}

static struct alloc *find_alloc(const void *p)
{
    const char *q = p;
    for (size_t i = 0; i < n_allocs; i++)
        if (q >= allocs[i].p && q < allocs[i].p + allocs[i].bytes) return &allocs[i];
    return NULL;
}

bool emu_dev_ok(const void *p, size_t bytes)
{
    if (!p) return false;
    const struct alloc *a = find_alloc(p);
    return a && (size_t)((const char *)p - a->p) + bytes <= a->bytes;
}

/* ---- CUDA runtime ------------------------------------------------------------------------------ */

struct CUstream_st {
    int id;
};
struct CUevent_st {
    int recorded;
};

cudaError_t cudaGetDeviceCount(int *count)
{
    if (device_count < 1) {
        *count = 0;
        return cudaErrorNoDevice;
    }
    *count = device_count;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) { return device >= 0 && device < device_count ? cudaSuccess : cudaErrorInvalidDevice; }

cudaError_t cudaGetLastError(void)
{
    cudaError_t e = sticky;
    sticky = cudaSuccess;
    return e;
}

const char *cudaGetErrorString(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorMemoryAllocation: return "out of memory";
    default: return "emulated error";
    }
}

const char *cudaGetErrorName(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    default: return "cudaErrorUnknown";
    }
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device)
{
    if (device < 0 || device >= device_count) return cudaErrorInvalidDevice;
    memset(prop, 0, sizeof *prop);
    snprintf(prop->name, sizeof prop->name, "halo emulated GPU");
    prop->multiProcessorCount = 4;
    prop->totalGlobalMem = (size_t)1 << 30;
    prop->major = 9;
    prop->minor = 0;
    prop->pciBusID = 1;
    prop->l2CacheSize = 2 << 20;
    return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)
{
    if (device < 0 || device >= device_count) return cudaErrorInvalidDevice;
    if (attr != cudaDevAttrClockRate) return cudaErrorInvalidValue; /* the only one the backend asks for */
    *value = 1000000; /* kHz */
    return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int *v)
{
    *v = 13000;
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int *v)
{
    *v = CUDART_VERSION;
    return cudaSuccess;
}

cudaError_t cudaMalloc(void **p, size_t bytes)
{
    *p = NULL;
    if (n_allocs == cap_allocs) {
        size_t cap = cap_allocs ? 2 * cap_allocs : 64;
        struct alloc *a = realloc(allocs, cap * sizeof *a);
        if (!a) return cudaErrorMemoryAllocation;
        allocs = a;
        cap_allocs = cap;
    }
    char *q = malloc(bytes ? bytes : 1);
    if (!q) return cudaErrorMemoryAllocation;
    /* NaN everywhere: a read of memory nothing wrote shows up in the results */
    float nan = NAN;
    for (size_t i = 0; i + sizeof nan <= bytes; i += sizeof nan) memcpy(q + i, &nan, sizeof nan);
    allocs[n_allocs++] = (struct alloc){q, bytes};
    emu_counts.live_bytes += bytes;
    *p = q;
    return cudaSuccess;
}

cudaError_t cudaFree(void *p)
{
    if (!p) return cudaSuccess;
    for (size_t i = 0; i < n_allocs; i++)
        if (allocs[i].p == p) {
            emu_counts.live_bytes -= allocs[i].bytes;
            free(p);
            allocs[i] = allocs[--n_allocs];
            return cudaSuccess;
        }
    emu_bad("cudaFree of %p, not an allocation", p);
    return cudaErrorInvalidValue;
}

/* Pinned host memory is host memory to the emulation (never a device allocation). */
cudaError_t cudaMallocHost(void **p, size_t bytes)
{
    *p = malloc(bytes ? bytes : 1);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFreeHost(void *p)
{
    free(p);
    return cudaSuccess;
}

cudaError_t cudaMemset(void *p, int value, size_t bytes)
{
    if (!emu_dev_ok(p, bytes)) {
        emu_bad("cudaMemset: %p (%zu bytes) is not device memory", p, bytes);
        return cudaErrorInvalidValue;
    }
    memset(p, value, bytes);
    return cudaSuccess;
}

static cudaError_t copy(void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind)
{
    bool dst_dev = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    bool src_dev = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if (dst_dev ? !emu_dev_ok(dst, bytes) : find_alloc(dst) != NULL) {
        emu_bad("cudaMemcpy: destination %p (%zu bytes) is not %s memory", dst, bytes, dst_dev ? "device" : "host");
        return cudaErrorInvalidValue;
    }
    if (src_dev ? !emu_dev_ok(src, bytes) : find_alloc(src) != NULL) {
        emu_bad("cudaMemcpy: source %p (%zu bytes) is not %s memory", src, bytes, src_dev ? "device" : "host");
        return cudaErrorInvalidValue;
    }
    memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind)
{
    return copy(dst, src, bytes, kind);
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind, cudaStream_t s)
{
    (void)s;
    return copy(dst, src, bytes, kind);
}

cudaError_t cudaMemcpy3DAsync(const struct cudaMemcpy3DParms *m, cudaStream_t s)
{
    (void)s;
    if (m->srcArray || m->dstArray || m->kind != cudaMemcpyHostToDevice) {
        emu_bad("cudaMemcpy3DAsync: only linear host-to-device copies are emulated");
        return cudaErrorInvalidValue;
    }
    emu_counts.copies_3d++;
    size_t sp = m->srcPtr.pitch, sslice = sp * m->srcPtr.ysize, dp = m->dstPtr.pitch, dslice = dp * m->dstPtr.ysize;
    if (m->extent.width > sp || m->extent.width > dp || m->srcPos.x + m->extent.width > sp ||
        m->dstPos.x + m->extent.width > dp || m->srcPos.y + m->extent.height > m->srcPtr.ysize ||
        m->dstPos.y + m->extent.height > m->dstPtr.ysize) {
        emu_bad("cudaMemcpy3DAsync: extent outside the pitched pointers");
        return cudaErrorInvalidValue;
    }
    for (size_t z = 0; z < m->extent.depth; z++)
        for (size_t y = 0; y < m->extent.height; y++) {
            const char *src = (const char *)m->srcPtr.ptr + (m->srcPos.z + z) * sslice + (m->srcPos.y + y) * sp + m->srcPos.x;
            char *dst = (char *)m->dstPtr.ptr + (m->dstPos.z + z) * dslice + (m->dstPos.y + y) * dp + m->dstPos.x;
            cudaError_t e = copy(dst, src, m->extent.width, cudaMemcpyHostToDevice);
            if (e != cudaSuccess) return e;
        }
    return cudaSuccess;
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned int flags)
{
    (void)flags;
    *s = calloc(1, sizeof **s);
    return *s ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaStreamDestroy(cudaStream_t s)
{
    free(s);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t s)
{
    (void)s;
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t *e)
{
    *e = calloc(1, sizeof **e);
    return *e ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaEventDestroy(cudaEvent_t e)
{
    free(e);
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s)
{
    (void)s;
    e->recorded = 1;
    return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t e)
{
    return e->recorded ? cudaSuccess : cudaErrorInvalidValue;
}

cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    if (!a->recorded || !b->recorded) return cudaErrorInvalidValue;
    *ms = 0.25f;
    return cudaSuccess;
}
