/* emu_internal: what the emulated runtime (emu_runtime.c) shares with the emulated kernels. */
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

#endif
