/* limits: the one table of numeric bounds on everything halo reads — cluster, profile, plan, rates
 * and trace files, inline capacities, fitted values, arguments. A quantity has the same bounds
 * wherever it appears, and the bounds keep every computation on it finite: the slowest link at
 * the largest latency moving the largest tensor still gives a finite time, the fastest device
 * still a time > 0. README's file-format section lists them for people. */
#ifndef HALO_LIMITS_H
#define HALO_LIMITS_H

/* Link bandwidth in Mbit/s (device uplinks and downlinks, links matrices, rates, traces). */
#define HALO_BANDWIDTH_MBPS_MIN 1e-3
#define HALO_BANDWIDTH_MBPS_MAX 1e9
/* One-way link latency in ms (links matrices, rates). A device's own latency_ms is half of it:
 * a link between two devices takes the sum of theirs. */
#define HALO_LATENCY_MS_MAX 1e6
#define HALO_DEVICE_LATENCY_MS_MAX (HALO_LATENCY_MS_MAX / 2)

/* Effective capacity in GFLOP/s (inline capacities and their classes, fitted classes). */
#define HALO_GFLOPS_MIN 1e-6
#define HALO_GFLOPS_MAX 1e9
/* Fixed cost per layer in ms (inline capacities, fitted classes). */
#define HALO_OVERHEAD_MS_MAX 1e6
/* A device's relative speed (clusters, plans). */
#define HALO_SPEED_MIN 1e-6
#define HALO_SPEED_MAX 1e6

/* A measured or predicted time in ms: 0 (a layer fused into the one before it) or within
 * [HALO_TIME_MS_MIN, HALO_TIME_MS_MAX]; a whole model's latency is never 0. */
#define HALO_TIME_MS_MIN 1e-6
#define HALO_TIME_MS_MAX 1e9
/* A predicted time in ms (plans): the bounds above keep any prediction below it. */
#define HALO_PREDICTED_MS_MAX 1e18
/* Multiply-accumulates of one layer or part: whole numbers, exact in a JSON number (2^53). */
#define HALO_MACS_MAX 9007199254740992.0

/* A side of an input image or tensor, in pixels. */
#define HALO_IMAGE_SIDE_MAX 65536
/* A network's feature maps (halo_graph_infer, the ONNX importer): channels, height and width (padding
 * may grow a map past the input's side), and flattened features, each at most this; and a layer's
 * multiply-accumulates, element operations and output elements each at most HALO_MACS_MAX. A
 * network past them is refused as absurd, so no count overflows. */
#define HALO_TENSOR_DIM_MAX (1 << 24)
/* Devices of a cluster or plan (the source included): the links are n x n matrices. */
#define HALO_DEVICES_MAX 1024
/* Bytes of a device, model or tensor name. */
#define HALO_NAME_MAX_BYTES 255
/* Bytes of a host name (a device's host in clusters and plans, a hostfile's line): DNS's limit. */
#define HALO_HOST_MAX_BYTES 253
/* Bytes of a JSON file (clusters, profiles, plans, rates, a safetensors header). */
#define HALO_JSON_MAX_BYTES (100L * 1024 * 1024)

/* Compute threads of one process (--threads of every command): at most this, and at most
 * HALO_THREADS_PER_CPU per processor the machine has (see halo_threads_max in core/parse.h). */
#define HALO_THREADS_MAX 1024
#define HALO_THREADS_PER_CPU 64

/* Draws of a channel simulation (halo sim --draws), input sizes of one sweep (--sizes). */
#define HALO_DRAWS_MAX 100000000L
#define HALO_SIZES_MAX 1024
/* A run's timeout per inference in ms (--timeout-ms), and the longest the default one (a multiple
 * of the predicted latency) may be: ask for more with --timeout-ms. */
#define HALO_TIMEOUT_MS_MAX 1e9
#define HALO_DEFAULT_TIMEOUT_MS_MAX 600000.0

#endif
