/* ceilings_cpu: the host CPU's measured ceilings, the cpu backend's `ceilings` entry. FP32 peak
 * by an FMA kernel for each ISA the CPU has (SSE4.1 with mul + add, AVX2 + FMA, AVX-512) at every
 * thread count 1..N, oneDNN's sgemm beside it; STREAM copy and triad over working sets from L1 to
 * DRAM, each placed in the cache level (hwloc's sizes) it fits; the clock the peak implies. */
#ifndef HALO_CEILINGS_CPU_H
#define HALO_CEILINGS_CPU_H

#include "exec/backend.h"

/* Measures the host with up to `threads` threads (>= 1). `library` names the GEMM's library and
 * version for the provenance. The FMA peak and the bandwidths use the widest ISA that
 * ONEDNN_MAX_CPU_ISA allows (all when unset), as the backend does; every ISA the CPU has is still
 * measured and listed. A new JSON object (HALO_CEILINGS_SCHEMA) the caller owns. */
enum halo_status halo_ceilings_cpu(int threads, const struct halo_ceilings_opts *o, const char *library, cJSON **out);

#endif
