/* emu_internal: what the emulated libraries (emu_runtime.c, emu_cudnn.c, emu_cublas.c) and the
 * emulated kernels (emu_kernels.c) share: the bookkeeping kept in emu_runtime.c. */
#ifndef HALO_CUDA_EMU_INTERNAL_H
#define HALO_CUDA_EMU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cuda_runtime_api.h>

#include "emu.h"
#include "kernels.h"

/* True when [p, p + bytes) lies inside one live emulated device allocation. */
bool emu_dev_ok(const void *p, size_t bytes);
/* Reports a refused call on stderr and counts it. */
void emu_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void emu_count_kernel(void);
/* The counters emu_stats() reports; each emulated library bumps its own. */
extern struct emu_stats emu_counts;
/* Devices the emulation has (emu_set_device_count): cudnnCreate and cublasCreate fail at 0. */
int emu_device_count(void);
/* The message of the last refused call, for cudnnGetLastErrorString. */
const char *emu_last_msg(void);

#endif
