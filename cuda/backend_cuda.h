/* backend_cuda: what the cuda backend knows about its GPU and host binding, in plain C types.
 * Internal to cuda/: the rest of halo sees it through the backend's describe entry. */
#ifndef HALO_BACKEND_CUDA_H
#define HALO_BACKEND_CUDA_H

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

#endif
