/* backend_gpu: what the cuda backend knows about its GPU and host binding, in plain C types, for
 * profiles and bench output. These functions live in cuda/ and exist only when the cuda backend is
 * compiled in: include "halo_config.h" and call them under `#if HALO_CUDA_BACKEND`, on a backend
 * whose halo_backend_name() is "cuda". */
#ifndef HALO_BACKEND_GPU_H
#define HALO_BACKEND_GPU_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "exec/backend.h"

struct halo_gpu_info {
    const char *name;       /* "NVIDIA H100 80GB HBM3" */
    int sms;                /* streaming multiprocessors */
    int64_t memory_bytes;   /* global memory */
    int cc_major, cc_minor; /* compute capability */
    const char *pci_bus_id; /* "0000:01:00.0" */
    int driver_version;     /* CUDA encoding: 13000 = 13.0 */
    int runtime_version;    /* CUDA encoding */
    int cudnn_version;      /* cuDNN 9 encoding: 91900 = 9.19.0 */
    bool tf32;              /* convolutions may use TF32 tensor cores (HALO_CUDA_TF32=1) */
    const char *cpuset;     /* hwloc list of the cores near the GPU ("0-7"), "" when unknown */
    bool bound;             /* the host thread was bound to `cpuset` */
};

/* Fills *info; the strings belong to the backend. HALO_ERR_INVALID when be is not the cuda backend. */
enum halo_status halo_backend_cuda_info(struct halo_backend *be, struct halo_gpu_info *info);

/* Adds the GPU's fields to obj: gpu, gpu_sms, gpu_memory_bytes, gpu_compute_capability,
 * gpu_pci_bus_id, cuda_driver, cuda_runtime, cudnn, conv_math ("fp32" or "tf32"), host_cpuset,
 * host_bound. HALO_ERR_INVALID when be is not the cuda backend, HALO_ERR_NOMEM when cJSON fails. */
enum halo_status halo_backend_cuda_describe(struct halo_backend *be, cJSON *obj);

#endif
