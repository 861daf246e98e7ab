/* backend: the interface every compute backend implements (ggml style: a struct of function
 * pointers and a context), and the registry, the one place that knows which backends were
 * compiled in. A backend computes a node range on a tile (model/rf), not only whole tensors. */
#ifndef HALO_BACKEND_H
#define HALO_BACKEND_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "core/tensor.h"
#include "model/graph.h"
#include "model/rf.h"
#include "model/weights.h"

struct halo_backend;

/* How a backend measures its platform's ceilings (the `ceilings` entry). */
struct halo_ceilings_opts {
    int threads; /* CPU: FLOP/s measured at 1..threads threads, bandwidth at `threads`; 0: the backend's */
    bool quick;  /* smaller sizes and fewer runs (about a second, for bench and tests): noisier */
    /* what is being measured, for a progress line; may be NULL */
    void (*progress)(void *arg, const char *what);
    void *progress_arg;
};

struct halo_backend_i {
    /* "ref", "cpu", "cuda". */
    const char *(*name)(struct halo_backend *be);
    /* Library and version, e.g. "oneDNN 2.6.3 (isa avx512_core_amx)". */
    const char *(*version)(struct halo_backend *be);
    /* Prepares the weights of g: folds BatchNorm into convs, reorders, uploads. Once per graph,
     * before compute; g and w must outlive the backend's use of them (w may be freed after). */
    enum halo_status (*load)(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w);
    /* Computes a tile of the loaded graph. `in` holds at least tile->in of the range's input
     * tensor (its own rect says which part); `out` is allocated by the caller with
     * tile->node[last-1-first].out and c channels. node_ms, when not NULL, receives per node of
     * [first, last) its time in ms (the backend synchronises after each node; nodes fused into
     * another get 0). Primitives are created once per (node, tile shape) and reused. */
    enum halo_status (*compute)(struct halo_backend *be, const struct halo_tile *tile,
                                const struct halo_tensor *in, struct halo_tensor *out, double *node_ms);
    /* The implementation or algorithm that last ran node i ("brgconv:avx512_core", "ref",
     * "fused"); may be NULL (then "-" is reported). */
    const char *(*impl)(struct halo_backend *be, int node);
    /* Threads the backend computes with (1 for a GPU backend's host side). */
    int (*threads)(struct halo_backend *be);
    /* Adds what the backend knows of its device to obj (a GPU's model, memory, driver and
     * libraries, its host binding); NULL when there is nothing beyond name and version. */
    enum halo_status (*describe)(struct halo_backend *be, cJSON *obj);
    /* Measures the platform's ceilings: peak FP32 FLOP/s (an FMA kernel per ISA, the library's
     * GEMM beside it), memory bandwidth per level (STREAM copy and triad), for a GPU also tensor
     * cores and host<->device copies; a new JSON object (schema HALO_CEILINGS_SCHEMA, every key
     * with its unit, provenance included) the caller owns. NULL: the backend measures none. */
    enum halo_status (*ceilings)(struct halo_backend *be, const struct halo_ceilings_opts *o, cJSON **out);
    void (*free)(struct halo_backend *be);
};

struct halo_backend {
    struct halo_backend_i iface;
    void *ctx;
};

struct halo_backend_opts {
    int threads; /* 0: the cores of the process's cpuset */
    int device;  /* GPU index for cuda */
};

/* Creates backend `name` ("ref", "cpu", "cuda"). Unknown or not compiled in: HALO_ERR_INVALID
 * listing the available ones; compiled but no device (cuda without a GPU): HALO_ERR_NODEVICE. */
enum halo_status halo_backend_new(const char *name, const struct halo_backend_opts *opts,
                                  struct halo_backend **out);
/* Comma-separated names of the backends compiled into this build ("ref,cpu,cuda"). */
const char *halo_backend_available(void);
/* True when `name` is a backend compiled into this build (not whether its device is present). */
bool halo_backend_compiled(const char *name);
void halo_backend_free(struct halo_backend *be);

/* Wrappers that check optional entries. */
const char *halo_backend_name(struct halo_backend *be);
const char *halo_backend_version(struct halo_backend *be);
enum halo_status halo_backend_load(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w);
enum halo_status halo_backend_compute(struct halo_backend *be, const struct halo_tile *tile,
                                      const struct halo_tensor *in, struct halo_tensor *out, double *node_ms);
const char *halo_backend_impl(struct halo_backend *be, int node);
int halo_backend_threads(struct halo_backend *be);
/* The backend's describe entry, or nothing when it has none. */
enum halo_status halo_backend_describe(struct halo_backend *be, cJSON *obj);
/* The backend's ceilings entry (see halo_backend_i.ceilings); o may be NULL (defaults). A backend
 * without one: HALO_ERR_UNSUPPORTED saying so. */
enum halo_status halo_backend_ceilings(struct halo_backend *be, const struct halo_ceilings_opts *o, cJSON **out);

#define HALO_CEILINGS_SCHEMA "halo-ceilings/1"


/* Constructors of the backends (exec/registry.c only; each exists when its backend is compiled in). */
enum halo_status halo_backend_ref_new(const struct halo_backend_opts *opts, struct halo_backend **out);
enum halo_status halo_backend_cpu_new(const struct halo_backend_opts *opts, struct halo_backend **out);
enum halo_status halo_backend_cuda_new(const struct halo_backend_opts *opts, struct halo_backend **out);

#endif
