/* emu: a host emulation of the CUDA runtime, cuDNN and cuBLAS calls the cuda backend makes, linked
 * into test_cuda_emu in place of the real libraries so that the backend's own logic (tiles, pads,
 * crops, fusion, folding, plans, copies) is tested against the ref backend on a machine without a
 * GPU. Device memory is tracked host memory: every pointer and extent a call receives is checked
 * and fresh allocations are filled with NaN. cuDNN convolution and pooling follow cuDNN's
 * documented semantics. It says nothing about the real libraries or the GPU. */
#ifndef HALO_CUDA_EMU_H
#define HALO_CUDA_EMU_H

#include <stddef.h>

/* What the emulated libraries were asked to do, for tests to assert on. */
struct emu_stats {
    long finds;           /* cudnnFindConvolutionForwardAlgorithm calls */
    long conv_fused;      /* cudnnConvolutionBiasActivationForward runs */
    long conv_refused;    /* ... answered NOT_SUPPORTED (the backend must fall back) */
    long conv_plain;      /* cudnnConvolutionForward runs */
    long conv_cudnn_pad;  /* convolutions run with cuDNN's own (symmetric) padding */
    long pool_cudnn;      /* cudnnPoolingForward runs */
    long kernels;         /* hc_* kernels launched */
    long copies_3d;       /* cudaMemcpy3DAsync calls */
    long bad_calls;       /* calls refused for a bad pointer, extent or descriptor (see stderr) */
    size_t live_bytes;    /* device memory allocated now */
};

/* Number of devices cudaGetDeviceCount reports (default 1; 0 makes it fail as without a driver). */
void emu_set_device_count(int n);
/* The counters so far. */
struct emu_stats emu_stats(void);

#endif
