/* backend_cuda: the cuDNN backend's entry — creating it (finding and initialising the GPU, binding
 * the host thread near it), describing it, and its interface table.
 *
 * The backend: weights go to the device once at load (each BatchNorm folded into the conv before
 * it as well); a compute call copies the tile's input to the device, runs every node there (cuDNN
 * convolution with fused bias + ReLU and max pooling, cuBLAS for linear layers, kernels.cu for
 * crops, pads and element-wise ops) and copies the last output back. The parts: cuda_load.c (the
 * device state, loading), cuda_plan.c (cuDNN descriptors and algorithms), cuda_compute.c (running
 * a tile), cuda_check.c (checked calls), cuda_ceilings.c (the GPU's measured ceilings, with
 * ceilings_kernels.cu), sharing cuda_internal.h.
 *
 * Tiles: a node is a 'valid' window over pad + read (model/rf.h). cuDNN's legacy padding is
 * symmetric, so a conv or pool whose pad is asymmetric, or whose read is smaller than its
 * producer's buffer, gets an explicit padded copy (zeros for conv, -inf for max pool) and runs
 * unpadded. Convolutions run in exact FP32 (CUDNN_FMA_MATH) so that they agree with the ref
 * backend; HALO_CUDA_TF32=1 lets cuDNN use TF32 tensor cores instead. */
#include "cuda_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if HALO_CUDA_HWLOC
#include <hwloc.h>
#include <hwloc/cudart.h>
#endif

static const char *cuda_name(struct halo_backend *be)
{
    (void)be;
    return "cuda";
}

static const char *cuda_version(struct halo_backend *be)
{
    struct cuda_ctx *c = be->ctx;
    return c->version;
}

static int cuda_threads(struct halo_backend *be)
{
    (void)be;
    return 1;
}

/* ---- creation: detect the GPU at once ---------------------------------------------------------- */

#if HALO_CUDA_HWLOC
/* hwloc calls return < 0 on failure: log the call and go on, binding is an optimisation. */
static bool hw_ok(int rc, const char *call)
{
    if (rc >= 0) return true;
    HALO_WARN("cuda backend: %s failed (%s); host thread not bound to the GPU's cores", call, strerror(errno));
    return false;
}
#define HW_OK(call) hw_ok((call), #call)

/* Binds the calling thread to the cores near the GPU (its PCI root), so that launches and copies do
 * not cross sockets, and records those cores. */
static void bind_near_gpu(struct cuda_ctx *c)
{
    hwloc_topology_t topo;
    if (!HW_OK(hwloc_topology_init(&topo))) return;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char *list = NULL;
    if (!set) {
        HALO_WARN("cuda backend: hwloc_bitmap_alloc() failed");
        goto done;
    }
    if (!HW_OK(hwloc_topology_load(topo))) goto done;
    if (!HW_OK(hwloc_cudart_get_device_cpuset(topo, c->device, set))) goto done;
    if (!HW_OK(hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(topo)))) goto done;
    if (hwloc_bitmap_iszero(set)) {
        HALO_WARN("cuda backend: none of the GPU's local cores is allowed to this process; host thread not bound");
        goto done;
    }
    if (HW_OK(hwloc_bitmap_list_asprintf(&list, set))) {
        free(c->cpuset);
        c->cpuset = halo_strdup(list);
    }
    if (HW_OK(hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD))) c->info.bound = true;
done:
    free(list);
    hwloc_bitmap_free(set);
    hwloc_topology_destroy(topo);
}
#endif

/* Records what the GPU and libraries are, and the version() string. */
static enum halo_status describe_device(struct cuda_ctx *c)
{
    struct cudaDeviceProp prop;
    CU(cudaGetDeviceProperties(&prop, c->device));
    int drv = 0, rt = 0;
    CU(cudaDriverGetVersion(&drv));
    CU(cudaRuntimeGetVersion(&rt));
    int dnn = (int)cudnnGetVersion();
    char pci[64];
    snprintf(pci, sizeof pci, "%04x:%02x:%02x.0", (unsigned)prop.pciDomainID, (unsigned)prop.pciBusID,
             (unsigned)prop.pciDeviceID);
    c->name = halo_strdup(prop.name);
    c->pci = halo_strdup(pci);
    if (!c->cpuset) c->cpuset = halo_strdup("");
    if (!c->name || !c->pci || !c->cpuset) return HALO_ERR_NOMEM;
    c->info.name = c->name;
    c->info.sms = prop.multiProcessorCount;
    c->info.memory_bytes = (int64_t)prop.totalGlobalMem;
    c->info.cc_major = prop.major;
    c->info.cc_minor = prop.minor;
    c->info.pci_bus_id = c->pci;
    c->info.driver_version = drv;
    c->info.runtime_version = rt;
    c->info.cudnn_version = dnn;
    c->info.tf32 = c->math != CUDNN_FMA_MATH;
    c->info.cpuset = c->cpuset;
    const char *fmt = "cuDNN %d.%d.%d, CUDA runtime %d.%d, driver %d.%d, %s (%d SMs, %.1f GiB)%s";
#define HALO_CUDA_VERSION_ARGS                                                                              \
    dnn / 10000, dnn / 100 % 100, dnn % 100, rt / 1000, rt % 1000 / 10, drv / 1000, drv % 1000 / 10, prop.name, \
        prop.multiProcessorCount, (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0),                 \
        c->info.tf32 ? ", tf32" : ""
    int n = snprintf(NULL, 0, fmt, HALO_CUDA_VERSION_ARGS);
    c->version = n >= 0 ? halo_malloc((size_t)n + 1, 1) : NULL;
    if (!c->version) return HALO_ERR_NOMEM;
    snprintf(c->version, (size_t)n + 1, fmt, HALO_CUDA_VERSION_ARGS);
#undef HALO_CUDA_VERSION_ARGS
    return HALO_OK;
}

static enum halo_status init_device(struct cuda_ctx *c)
{
    CU(cudaSetDevice(c->device));
    cudnnStatus_t ds = cudnnCreate(&c->dnn);
    if (ds == CUDNN_STATUS_NOT_INITIALIZED)
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no usable CUDA device (cudnnCreate: %s)",
                          cudnnGetErrorString(ds));
    HALO_TRY(halo_cudnn_check(ds, "cudnnCreate(&c->dnn)"));
    cublasStatus_t bs = cublasCreate(&c->blas);
    if (bs == CUBLAS_STATUS_NOT_INITIALIZED)
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no usable CUDA device (cublasCreate: %s)",
                          cublasGetStatusString(bs));
    HALO_TRY(halo_cublas_check(bs, "cublasCreate(&c->blas)"));
    CU(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    DNN(cudnnSetStream(c->dnn, c->stream));
    BLAS(cublasSetStream(c->blas, c->stream));
    CU(cudaEventCreate(&c->ev0));
    CU(cudaEventCreate(&c->ev1));
    DNN(cudnnCreateActivationDescriptor(&c->relu));
    DNN(cudnnSetActivationDescriptor(c->relu, CUDNN_ACTIVATION_RELU, CUDNN_PROPAGATE_NAN, 0.0));
    const char *tf32 = getenv("HALO_CUDA_TF32");
    c->math = tf32 && !strcmp(tf32, "1") ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
#if HALO_CUDA_HWLOC
    bind_near_gpu(c);
#endif
    return describe_device(c);
}

/* ---- describe ----------------------------------------------------------------------------------- */

static enum halo_status cuda_describe(struct halo_backend *be, cJSON *obj)
{
    struct halo_gpu_info gi = ((struct cuda_ctx *)be->ctx)->info;
    char cc[32], drv[32], rt[32], dnn[32];
    snprintf(cc, sizeof cc, "%d.%d", gi.cc_major, gi.cc_minor);
    snprintf(drv, sizeof drv, "%d.%d", gi.driver_version / 1000, gi.driver_version % 1000 / 10);
    snprintf(rt, sizeof rt, "%d.%d", gi.runtime_version / 1000, gi.runtime_version % 1000 / 10);
    snprintf(dnn, sizeof dnn, "%d.%d.%d", gi.cudnn_version / 10000, gi.cudnn_version / 100 % 100,
             gi.cudnn_version % 100);
    bool ok = cJSON_AddStringToObject(obj, "gpu", gi.name) && cJSON_AddNumberToObject(obj, "gpu_sms", gi.sms) &&
              cJSON_AddNumberToObject(obj, "gpu_memory_bytes", (double)gi.memory_bytes) &&
              cJSON_AddStringToObject(obj, "gpu_compute_capability", cc) &&
              cJSON_AddStringToObject(obj, "gpu_pci_bus_id", gi.pci_bus_id) &&
              cJSON_AddStringToObject(obj, "cuda_driver", drv) && cJSON_AddStringToObject(obj, "cuda_runtime", rt) &&
              cJSON_AddStringToObject(obj, "cudnn", dnn) &&
              cJSON_AddStringToObject(obj, "conv_math", gi.tf32 ? "tf32" : "fp32") &&
              cJSON_AddStringToObject(obj, "host_cpuset", gi.cpuset) &&
              cJSON_AddBoolToObject(obj, "host_bound", gi.bound);
    return ok ? HALO_OK : halo_error(HALO_ERR_NOMEM, "cuda backend: out of memory describing the GPU");
}

static const struct halo_backend_i cuda_iface = {
    .name = cuda_name,
    .version = cuda_version,
    .load = halo_cuda_load,
    .compute = halo_cuda_compute,
    .impl = halo_cuda_impl,
    .threads = cuda_threads,
    .describe = cuda_describe,
    .ceilings = halo_cuda_ceilings,
    .free = halo_cuda_free,
};

enum halo_status halo_backend_cuda_new(const struct halo_backend_opts *opts, struct halo_backend **out)
{
    *out = NULL;
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        if (e == cudaErrorInsufficientDriver) /* also what a machine without any NVIDIA driver says */
            return halo_error(HALO_ERR_NODEVICE,
                              "cuda backend: no CUDA device (cudaGetDeviceCount: %s; no NVIDIA driver, or one older "
                              "than CUDA %d.%d)",
                              cudaGetErrorString(e), CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10);
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no CUDA device (cudaGetDeviceCount: %s)",
                          cudaGetErrorString(e));
    }
    if (n < 1) return halo_error(HALO_ERR_NODEVICE, "cuda backend: no CUDA device (cudaGetDeviceCount: 0 devices)");
    int dev = opts ? opts->device : 0;
    if (dev < 0 || dev >= n)
        return halo_error(HALO_ERR_NODEVICE, "cuda backend: no CUDA device %d (this machine has %d: 0..%d)", dev, n,
                          n - 1);
    struct halo_backend *be = halo_calloc(1, sizeof *be);
    struct cuda_ctx *c = halo_calloc(1, sizeof *c);
    if (!be || !c) {
        free(be);
        free(c);
        return HALO_ERR_NOMEM;
    }
    c->device = dev;
    be->iface = cuda_iface;
    be->ctx = c;
    enum halo_status st = init_device(c);
    if (st != HALO_OK) {
        halo_cuda_free(be);
        return st;
    }
    *out = be;
    return HALO_OK;
}
