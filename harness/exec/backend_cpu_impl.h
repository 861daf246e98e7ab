/* backend_cpu_impl: internals of the oneDNN cpu backend shared by backend_cpu*.c — the context,
 * per-node state (weights in each layout a primitive chose, the primitive cache), fusion groups
 * and the activation buffer pool. Not part of libhalo's interface.
 * Its files call one way, each only those before it: backend_cpu_prim.c (primitives, weights,
 * checks) <- backend_cpu_exec.c (running them, buffers) <- backend_cpu_run.c (a compute call)
 * <- backend_cpu.c (the backend object, load). */
#ifndef HALO_BACKEND_CPU_IMPL_H
#define HALO_BACKEND_CPU_IMPL_H

#include <dnnl.h>
#include <stdbool.h>
#include <stddef.h>

#include "exec/backend.h"

/* Checks a oneDNN call; on failure records its text and status and returns HALO_ERR_BACKEND. */
#define CPU_CHECK(call)                                                                          \
    do {                                                                                         \
        dnnl_status_t cpu_s_ = (call);                                                           \
        if (cpu_s_ != dnnl_success) return cpu_dnnl_error(cpu_s_, #call, __FILE__, __LINE__);   \
    } while (0)

/* The same, for functions with a cleanup ladder: sets `st` and jumps to `label`. */
#define CPU_CHECK_GOTO(st, call, label)                                                          \
    do {                                                                                         \
        dnnl_status_t cpu_s_ = (call);                                                           \
        if (cpu_s_ != dnnl_success) {                                                            \
            (st) = cpu_dnnl_error(cpu_s_, #call, __FILE__, __LINE__);                            \
            goto label;                                                                          \
        }                                                                                        \
    } while (0)

/* The error CPU_CHECK returns (backend_cpu_prim.c). */
enum halo_status cpu_dnnl_error(dnnl_status_t s, const char *call, const char *file, int line);

/* What a group's primitive is. */
enum cpu_kind {
    CPU_CONV,     /* convolution (+ folded BN, post-ops eltwise / sum) */
    CPU_POOL,     /* max or average pooling, and adaptive average pooling with uniform bins */
    CPU_ADAPTIVE, /* adaptive average pooling with uneven bins: plain C over a plain NCHW copy */
    CPU_LINEAR,   /* inner product (+ eltwise post-ops); reads a flatten's input as is */
    CPU_BN,       /* batch normalisation that could not be folded */
    CPU_ELTWISE,  /* an activation that could not be fused (ReLU, ReLU6) or is never fused */
    CPU_ADD,      /* binary add that could not be fused, and binary mul (a gate broadcast) */
    CPU_CONCAT,   /* concat on channels */
};

/* Groups that read two tensors (the main node's two inputs). */
static inline bool cpu_kind_binary(enum cpu_kind k) { return k == CPU_ADD || k == CPU_CONCAT; }

enum cpu_post { CPU_POST_RELU, CPU_POST_RELU6, CPU_POST_SUM };

/* A chain of nodes run by one primitive: `main` owns it and its output is node `last`'s.
 * Post-ops of a conv: at most relu, then sum (the residual add), then relu. */
struct cpu_group {
    enum cpu_kind kind;
    int main, last;
    int fold_bn;           /* BN node folded into the conv's weights, or -1 */
    int n_post;
    enum cpu_post post[3];
    int sum_node, sum_k;   /* the add fused as a sum post-op and which of its inputs is the identity */
};

/* How a primitive reads one input from its producer's buffer. */
struct cpu_input {
    dnnl_memory_desc_t view;   /* the part of the producer's buffer read, in the producer's layout */
    dnnl_memory_desc_t target; /* what the primitive reads */
    dnnl_primitive_t reorder;  /* view -> target; NULL when the primitive reads the view itself */
    dnnl_memory_t mview, mtarget;
};

/* A cached primitive for one (group, input layouts and rects, padding, output size). */
struct cpu_entry {
    /* key */
    int last;
    int n_in;
    dnnl_memory_desc_t in_md[2];   /* producers' buffer descriptors */
    struct halo_rect in_rel[2];    /* read rect relative to the producer buffer's origin */
    struct halo_pad pad[2];
    struct halo_rect out;          /* output rect (only its size matters except for CPU_ADAPTIVE) */
    /* prepared */
    enum cpu_kind kind;
    int sum_in;                    /* index in in[] of the sum post-op's identity, or -1 */
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    struct cpu_input in[2];
    dnnl_memory_desc_t dst_md;
    dnnl_memory_t mdst;
    dnnl_exec_arg_t args[6];
    int n_args;
    char *impl;
};

/* A weights tensor reordered into the layout one primitive chose (kept for the graph's life). */
struct cpu_wmem {
    int variant; /* 0 as loaded, 1 with a BN folded in */
    dnnl_memory_desc_t md;
    dnnl_memory_t mem;
};

struct cpu_node {
    float *w, *b;          /* conv/linear: weights and bias as loaded (b NULL without bias) */
    float *fw, *fb;        /* conv: weights and bias with BN `folded` folded in */
    int folded;            /* -1 when fw/fb are not computed */
    struct cpu_wmem *wm;
    int n_wm;
    size_t cap_wm;
    dnnl_memory_t bias_mem[2]; /* per variant */
    float *bn_mean, *bn_var, *bn_ss; /* BN: running statistics, [gamma | beta] */
    dnnl_memory_t m_mean, m_var, m_ss;
    struct cpu_entry **entries;
    int n_entries;
    size_t cap_entries;
    const char *impl; /* what ran the node last: an entry's impl or `fused` */
    char *fused;      /* "fused into <node>" */
};

/* Activation buffers, reused between calls (same sequence of sizes each call). */
struct cpu_block {
    void *p;
    size_t size;
    bool used;
};

/* Output reorders (blocked layout -> the caller's plain NCHW), cached by descriptors. */
struct cpu_outcopy {
    dnnl_memory_desc_t src, dst;
    dnnl_primitive_t prim;
    dnnl_memory_t msrc, mdst;
};

struct cpu_ctx {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    int threads;
    char *version;
    const struct halo_graph *g;
    int n_nodes;
    struct cpu_node *node; /* n_nodes */
    struct cpu_block *blocks;
    int n_blocks;
    size_t cap_blocks;
    struct cpu_outcopy *outs;
    int n_outs;
    size_t cap_outs;
};

/* ---- values: the buffers of one compute call ---- */

/* A buffer's state during one compute call: the producer's output (or the tile input). */
struct cpu_value {
    dnnl_memory_desc_t md;
    float *data;
    struct halo_rect rect; /* region of the full tensor the buffer holds (4D values) */
    int block;             /* pool block, or -1 for the caller's buffers */
    int refs;              /* reads still to come (+1 for the range output) */
    bool flat;             /* 4D buffer standing for a flattened tensor (after flatten) */
    bool readonly;         /* the caller's input: never written */
};

/* What one group reads and writes in this tile: its inputs (the main node's, then the sum
 * identity), the rect of each it reads (full-tensor coordinates), the zeros beyond (convs and
 * pools), and the rect it produces. */
struct cpu_io {
    int n_in;
    struct cpu_value *in[2];
    struct halo_rect read[2];
    struct halo_pad pad[2];
    struct halo_rect out;
};

/* ---- backend_cpu_prim.c: primitives ---- */

/* Returns the cached primitive for group `gr` with these inputs and rects, creating it (and the
 * weights in the layout it chose) on first use. */
enum halo_status cpu_entry_get(struct cpu_ctx *c, const struct cpu_group *gr, const struct cpu_io *io,
                               struct cpu_entry **out);
void cpu_entry_free(struct cpu_entry *e);
/* True when two memory descriptors describe the same layout. */
bool cpu_md_eq(const dnnl_memory_desc_t *a, const dnnl_memory_desc_t *b);
/* A 4-D (1, c, h, w) f32 descriptor with format `tag`. */
enum halo_status cpu_md4(dnnl_memory_desc_t *md, int64_t c, int64_t h, int64_t w, dnnl_format_tag_t tag);
/* The part `r` of value v's buffer, in v's layout. */
enum halo_status cpu_md_view(dnnl_memory_desc_t *md, const struct cpu_value *v, struct halo_rect r);
/* A reorder primitive from one layout to another (the caller destroys it). */
enum halo_status cpu_make_reorder(struct cpu_ctx *c, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                  dnnl_primitive_t *out);

/* ---- backend_cpu_exec.c: running primitives ---- */

/* Runs an entry: reorders inputs where needed, fills the destination (in place over the
 * identity when that is its last use), executes. `dst` receives the output value. */
enum halo_status cpu_entry_run(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_io *io,
                               struct cpu_value *dst);
/* Copies `v` (the part `out` covers) into the caller's plain NCHW output tensor. */
enum halo_status cpu_copy_out(struct cpu_ctx *c, const struct cpu_value *v, struct halo_tensor *out);

/* Pool: a free block of at least `bytes` (reused, else allocated); -1 on allocation failure. */
int cpu_block_get(struct cpu_ctx *c, size_t bytes);
void cpu_block_put(struct cpu_ctx *c, int block);

/* ---- backend_cpu_run.c: one compute call ---- */

enum halo_status cpu_compute(struct halo_backend *be, const struct halo_tile *tile, const struct halo_tensor *in,
                             struct halo_tensor *out, double *node_ms);

#endif
