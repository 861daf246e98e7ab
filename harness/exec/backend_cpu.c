/* cpu backend on oneDNN (2.x C API): the backend object, weights at load time (BatchNorm folded
 * into conv weights lazily, per conv+BN pair a tile fuses), threads and their binding, version
 * and implementation names. Planning and execution: backend_cpu_run.c, backend_cpu_exec.c and
 * backend_cpu_prim.c, below this file. */
#include "core/alloc.h"
#include "core/log.h"
#include "core/topology.h"
#include "exec/backend_cpu_impl.h"
#include "exec/ceilings_cpu.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *cpu_name(struct halo_backend *be)
{
    (void)be;
    return "cpu";
}

static const char *cpu_version(struct halo_backend *be) { return ((struct cpu_ctx *)be->ctx)->version; }

static int cpu_threads(struct halo_backend *be) { return ((struct cpu_ctx *)be->ctx)->threads; }

static const char *cpu_impl(struct halo_backend *be, int node)
{
    struct cpu_ctx *c = be->ctx;
    if (!c->g || node < 0 || node >= c->g->n_nodes) return NULL;
    return c->node[node].impl;
}

static void node_clear(struct cpu_node *n)
{
    for (int i = 0; i < n->n_entries; i++) cpu_entry_free(n->entries[i]);
    free(n->entries);
    for (int i = 0; i < n->n_wm; i++) dnnl_memory_destroy(n->wm[i].mem);
    free(n->wm);
    for (int v = 0; v < 2; v++)
        if (n->bias_mem[v]) dnnl_memory_destroy(n->bias_mem[v]);
    if (n->m_mean) dnnl_memory_destroy(n->m_mean);
    if (n->m_var) dnnl_memory_destroy(n->m_var);
    if (n->m_ss) dnnl_memory_destroy(n->m_ss);
    free(n->w);
    free(n->b);
    free(n->fw);
    free(n->fb);
    free(n->bn_mean);
    free(n->bn_var);
    free(n->bn_ss);
    free(n->fused);
    memset(n, 0, sizeof *n);
}

static void ctx_clear_graph(struct cpu_ctx *c)
{
    /* the graph itself may be gone already: only n_nodes is used */
    for (int i = 0; c->node && i < c->n_nodes; i++) node_clear(&c->node[i]);
    free(c->node);
    c->node = NULL;
    c->g = NULL;
    c->n_nodes = 0;
    for (int i = 0; i < c->n_outs; i++) {
        dnnl_primitive_destroy(c->outs[i].prim);
        dnnl_memory_destroy(c->outs[i].msrc);
        dnnl_memory_destroy(c->outs[i].mdst);
    }
    free(c->outs);
    c->outs = NULL;
    c->n_outs = 0;
    c->cap_outs = 0;
    for (int i = 0; i < c->n_blocks; i++) halo_aligned_free(c->blocks[i].p);
    free(c->blocks);
    c->blocks = NULL;
    c->n_blocks = 0;
    c->cap_blocks = 0;
}

static void cpu_free(struct halo_backend *be)
{
    if (!be) return;
    struct cpu_ctx *c = be->ctx;
    if (c) {
        ctx_clear_graph(c);
        if (c->stream) dnnl_stream_destroy(c->stream);
        if (c->engine) dnnl_engine_destroy(c->engine);
        free(c->version);
        free(c);
    }
    free(be);
}

static float *copy_floats(const float *src, int64_t n)
{
    if (!src || n <= 0) return NULL;
    float *d = halo_malloc((size_t)n, sizeof *d);
    if (d) memcpy(d, src, (size_t)n * sizeof *d);
    return d;
}

/* Keeps what compute needs of node i's parameters: a copy (w may be freed after load). */
static enum halo_status load_node(const struct halo_node *nd, const struct halo_node_weights *w, struct cpu_node *n)
{
    int64_t sz[4];
    halo_weights_sizes(nd, sz);
    n->folded = -1;
    if (nd->op == HALO_OP_CONV || nd->op == HALO_OP_LINEAR) {
        n->w = copy_floats(w->weight, sz[0]);
        n->b = copy_floats(w->bias, sz[1]);
        if (!n->w || (sz[1] && !n->b)) return HALO_ERR_NOMEM;
    } else if (nd->op == HALO_OP_BN) {
        int C = nd->cout;
        n->bn_mean = copy_floats(w->mean, C);
        n->bn_var = copy_floats(w->var, C);
        n->bn_ss = halo_malloc((size_t)2 * C, sizeof(float));
        if (!n->bn_mean || !n->bn_var || !n->bn_ss) return HALO_ERR_NOMEM;
        memcpy(n->bn_ss, w->weight, (size_t)C * sizeof(float));
        memcpy(n->bn_ss + C, w->bias, (size_t)C * sizeof(float));
    }
    return HALO_OK;
}

static enum halo_status cpu_load(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w)
{
    struct cpu_ctx *c = be->ctx;
    ctx_clear_graph(c);
    c->node = halo_calloc((size_t)g->n_nodes, sizeof *c->node);
    if (!c->node) return HALO_ERR_NOMEM;
    c->g = g;
    c->n_nodes = g->n_nodes;
    for (int i = 0; i < g->n_nodes; i++) {
        enum halo_status st = load_node(&g->nodes[i], &w->node[i], &c->node[i]);
        if (st != HALO_OK) {
            ctx_clear_graph(c);
            return st == HALO_ERR_NOMEM ? halo_error(st, "cpu backend: out of memory loading %s", g->name) : st;
        }
    }
    return HALO_OK;
}

static const char *isa_name(dnnl_cpu_isa_t isa)
{
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_all: return "all";
    default: return "unknown isa";
    }
}

/* OpenMP keeps its pool threads across parallel regions of the same size, so binding thread i
 * to core i once holds for every oneDNN primitive run later with `threads` threads. */
static void bind_threads(int threads)
{
    struct halo_topology *t;
    if (halo_topology_load_cpus(&t) != HALO_OK) {
        HALO_WARN("cpu backend: threads not bound: %s", halo_error_msg());
        return;
    }
    int cores = halo_topology_cores(t), failed = 0;
    if (threads <= cores) {
#pragma omp parallel num_threads(threads) reduction(+ : failed)
        failed += halo_topology_bind_thread(t, omp_get_thread_num()) != HALO_OK;
        if (failed) HALO_WARN("cpu backend: binding %d of %d threads to their cores failed", failed, threads);
    } else {
        HALO_WARN("cpu backend: %d threads on %d cores: threads not bound", threads, cores);
    }
    halo_topology_free(t);
}

static enum halo_status cpu_init(struct cpu_ctx *c, const struct halo_backend_opts *opts)
{
    c->threads = opts->threads > 0 ? opts->threads : halo_topology_process_cores();
    omp_set_num_threads(c->threads);
    bind_threads(c->threads);
    CPU_CHECK(dnnl_engine_create(&c->engine, dnnl_cpu, 0));
    CPU_CHECK(dnnl_stream_create(&c->stream, c->engine, dnnl_stream_default_flags));
    const dnnl_version_t *v = dnnl_version();
    char buf[128];
    snprintf(buf, sizeof buf, "oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch,
             isa_name(dnnl_get_effective_cpu_isa()));
    c->version = halo_strdup(buf);
    return c->version ? HALO_OK : HALO_ERR_NOMEM;
}

static enum halo_status cpu_ceilings(struct halo_backend *be, const struct halo_ceilings_opts *o, cJSON **out)
{
    struct cpu_ctx *c = be->ctx;
    return halo_ceilings_cpu(o->threads > 0 ? o->threads : c->threads, o, c->version, out);
}

static const struct halo_backend_i cpu_iface = {
    .name = cpu_name,
    .version = cpu_version,
    .load = cpu_load,
    .compute = cpu_compute,
    .impl = cpu_impl,
    .threads = cpu_threads,
    .ceilings = cpu_ceilings,
    .free = cpu_free,
};

enum halo_status halo_backend_cpu_new(const struct halo_backend_opts *opts, struct halo_backend **out)
{
    *out = NULL;
    struct halo_backend *be = halo_calloc(1, sizeof *be);
    struct cpu_ctx *c = halo_calloc(1, sizeof *c);
    if (!be || !c) {
        free(be);
        free(c);
        return HALO_ERR_NOMEM;
    }
    be->iface = cpu_iface;
    be->ctx = c;
    enum halo_status st = cpu_init(c, opts);
    if (st != HALO_OK) {
        cpu_free(be);
        return st;
    }
    *out = be;
    return HALO_OK;
}
