/* cpu backend: one compute call. Plans the tile's node range into fusion groups (conv + folded
 * BN + ReLU/ReLU6 + residual add as a sum post-op + ReLU; linear + ReLU; flatten and identity
 * adaptive pooling as views), then runs the groups in order, keeping activations in the layouts
 * oneDNN chose; only the tile's input and output are plain NCHW. */
#include "core/alloc.h"
#include "core/clock.h"
#include "exec/backend_cpu_impl.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plan of one call: groups, and per node of the range its role. */
struct plan {
    int first, last;
    int *cons;         /* reads of node i's output inside the range */
    int *only;         /* its reader when cons == 1 */
    int *group_at;     /* group whose output is node i's, or -1 */
    int *owner;        /* main node of the group node i belongs to, or -1 */
    int *alias;        /* producer a view node (flatten, identity pooling) shows, or -2 */
    int *refs;         /* reads (+1 for the range output) of node i's buffer */
    int in_refs;       /* the same for the range input */
    struct cpu_group *groups;
    int n_groups;
};

static void plan_free(struct plan *p)
{
    free(p->cons);
    free(p->only);
    free(p->group_at);
    free(p->owner);
    free(p->alias);
    free(p->refs);
    free(p->groups);
}

static bool is_act(enum halo_op op) { return op == HALO_OP_RELU || op == HALO_OP_RELU6; }

/* Grows the chain of a conv or linear along single readers: BN folded (conv, right after it),
 * ReLU/ReLU6 post-ops, and one residual add as a sum post-op (conv, before any ReLU: the
 * kernels accept sum first). The identity is computed before the group runs, at its last node. */
static void extend(const struct halo_graph *g, struct plan *p, struct cpu_group *gr, const bool *taken)
{
    int cur = gr->main;
    while (cur != p->last - 1 && p->cons[cur - p->first] == 1) {
        int nx = p->only[cur - p->first];
        const struct halo_node *n = &g->nodes[nx];
        if (taken[nx - p->first]) break;
        if (n->op == HALO_OP_BN && gr->kind == CPU_CONV && cur == gr->main) {
            gr->fold_bn = nx;
        } else if (is_act(n->op) && gr->n_post < 3) {
            gr->post[gr->n_post++] = n->op == HALO_OP_RELU ? CPU_POST_RELU : CPU_POST_RELU6;
        } else if (n->op == HALO_OP_ADD && gr->kind == CPU_CONV && gr->sum_node < 0 && gr->n_post == 0 &&
                   n->in[0] != n->in[1]) {
            gr->sum_node = nx;
            gr->sum_k = n->in[0] == cur ? 1 : 0;
            gr->post[gr->n_post++] = CPU_POST_SUM;
        } else {
            break;
        }
        cur = nx;
        gr->last = nx;
    }
}

static enum cpu_kind kind_of(const struct halo_node *n)
{
    switch (n->op) {
    case HALO_OP_CONV: return CPU_CONV;
    case HALO_OP_LINEAR: return CPU_LINEAR;
    case HALO_OP_BN: return CPU_BN;
    case HALO_OP_ADD:
    case HALO_OP_MUL: return CPU_ADD;
    case HALO_OP_CONCAT: return CPU_CONCAT;
    case HALO_OP_ADAPTIVE_AVGPOOL:
        return (n->in_shape[0].h % n->out_h == 0 && n->in_shape[0].w % n->out_w == 0) ? CPU_POOL : CPU_ADAPTIVE;
    default: return halo_op_is_unary(n->op) ? CPU_ELTWISE : CPU_POOL;
    }
}

static bool is_view(const struct halo_node *n)
{
    return n->op == HALO_OP_FLATTEN ||
           (n->op == HALO_OP_ADAPTIVE_AVGPOOL && n->out_h == n->in_shape[0].h && n->out_w == n->in_shape[0].w);
}

/* The buffer node i reads from: the producer itself, or what a view shows (first-1: the input). */
static int real_of(const struct plan *p, int i)
{
    while (i >= p->first && p->alias[i - p->first] != -2) i = p->alias[i - p->first];
    return i < p->first ? p->first - 1 : i;
}

static void add_ref(struct plan *p, int producer)
{
    int r = real_of(p, producer);
    if (r < p->first) p->in_refs++;
    else p->refs[r - p->first]++;
}

static enum halo_status plan_build(const struct halo_graph *g, int first, int last, struct plan *p)
{
    int n = last - first;
    *p = (struct plan){.first = first, .last = last};
    p->cons = halo_calloc((size_t)n, sizeof *p->cons);
    p->only = halo_calloc((size_t)n, sizeof *p->only);
    p->group_at = halo_malloc((size_t)n, sizeof *p->group_at);
    p->owner = halo_malloc((size_t)n, sizeof *p->owner);
    p->alias = halo_malloc((size_t)n, sizeof *p->alias);
    p->refs = halo_calloc((size_t)n, sizeof *p->refs);
    p->groups = halo_calloc((size_t)n, sizeof *p->groups);
    bool *taken = halo_calloc((size_t)n, sizeof *taken);
    if (!p->cons || !p->only || !p->group_at || !p->owner || !p->alias || !p->refs || !p->groups || !taken) {
        free(taken);
        plan_free(p);
        return HALO_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++) p->group_at[i] = p->owner[i] = -1, p->alias[i] = -2;
    for (int j = first; j < last; j++)
        for (int k = 0; k < g->nodes[j].n_in; k++) {
            int q = g->nodes[j].in[k];
            if (q >= first) p->cons[q - first]++, p->only[q - first] = j;
        }
    for (int i = first; i < last; i++) {
        const struct halo_node *nd = &g->nodes[i];
        if (taken[i - first]) continue;
        if (is_view(nd)) {
            p->alias[i - first] = nd->in[0];
            continue;
        }
        struct cpu_group gr = {.kind = kind_of(nd), .main = i, .last = i, .fold_bn = -1, .sum_node = -1, .sum_k = -1};
        if (gr.kind == CPU_CONV || gr.kind == CPU_LINEAR) extend(g, p, &gr, taken);
        for (int j = i;; j = p->only[j - first]) { /* the chain follows single readers */
            taken[j - first] = true;
            p->owner[j - first] = i;
            if (j == gr.last) break;
        }
        p->group_at[gr.last - first] = p->n_groups;
        p->groups[p->n_groups++] = gr;
        add_ref(p, nd->in[0]);
        if (cpu_kind_binary(gr.kind)) add_ref(p, nd->in[1]);
        if (gr.sum_node >= 0) add_ref(p, g->nodes[gr.sum_node].in[gr.sum_k]);
    }
    add_ref(p, last - 1);
    free(taken);
    return HALO_OK;
}

/* Labels what ran each node: the entry's implementation, "fused into X" or a view. */
static enum halo_status label(struct cpu_ctx *c, int i, const char *what)
{
    struct cpu_node *n = &c->node[i];
    if (!n->fused || strcmp(n->fused, what)) {
        char *s = halo_strdup(what);
        if (!s) return HALO_ERR_NOMEM;
        free(n->fused);
        n->fused = s;
    }
    n->impl = n->fused;
    return HALO_OK;
}

static enum halo_status label_views(struct cpu_ctx *c, const struct plan *p)
{
    const struct halo_graph *g = c->g;
    char buf[512];
    for (int i = p->first; i < p->last; i++) {
        int o = p->owner[i - p->first];
        if (o >= 0 && o != i) {
            snprintf(buf, sizeof buf, "fused into %s", g->nodes[o].name);
        } else if (p->alias[i - p->first] != -2) {
            int r = p->cons[i - p->first] == 1 ? p->only[i - p->first] : -1;
            if (r >= 0 && g->nodes[r].op == HALO_OP_LINEAR) snprintf(buf, sizeof buf, "fused into %s", g->nodes[r].name);
            else snprintf(buf, sizeof buf, "view (no copy)");
        } else {
            continue;
        }
        HALO_TRY(label(c, i, buf));
    }
    return HALO_OK;
}

struct run {
    struct cpu_ctx *c;
    const struct halo_tile *tile;
    struct plan p;
    struct cpu_value *val; /* [0]: the range input; [i - first + 1]: node i's output */
};

static struct cpu_value *value_of(struct run *r, int producer)
{
    return &r->val[producer < r->p.first ? 0 : producer - r->p.first + 1];
}

/* One input of a group: the value, the rect read and the zeros beyond. Values seen through a
 * flatten are read whole (their rect is in the pre-flatten coordinates). */
static void io_input(struct run *r, struct cpu_io *io, int node, int k)
{
    const struct halo_tile_node *t = &r->tile->node[node - r->tile->first];
    struct cpu_value *v = value_of(r, r->c->g->nodes[node].in[k]);
    int s = io->n_in++;
    io->in[s] = v;
    io->read[s] = (v->flat || r->c->g->nodes[node].op == HALO_OP_LINEAR) ? v->rect : t->read[k];
    io->pad[s] = t->pad[k];
}

static void release(struct run *r, int producer)
{
    int q = real_of(&r->p, producer);
    struct cpu_value *v = value_of(r, q);
    if (--v->refs == 0 && v->block >= 0) {
        cpu_block_put(r->c, v->block);
        v->block = -1;
    }
}

static enum halo_status run_group(struct run *r, const struct cpu_group *gr, double *node_ms)
{
    struct cpu_ctx *c = r->c;
    const struct halo_graph *g = c->g;
    const struct halo_node *nd = &g->nodes[gr->main];
    struct cpu_io io = {0};
    io_input(r, &io, gr->main, 0);
    if (cpu_kind_binary(gr->kind)) io_input(r, &io, gr->main, 1);
    if (gr->sum_node >= 0) {
        io_input(r, &io, gr->sum_node, gr->sum_k);
        io.pad[1] = (struct halo_pad){0, 0, 0, 0};
    }
    io.out = r->tile->node[gr->last - r->tile->first].out;
    double t0 = node_ms ? halo_now_ms() : 0;
    struct cpu_entry *e;
    HALO_TRY(cpu_entry_get(c, gr, &io, &e));
    struct cpu_value *dst = value_of(r, gr->last);
    HALO_TRY(cpu_entry_run(c, e, &io, dst));
    dst->refs = r->p.refs[gr->last - r->p.first];
    c->node[gr->main].impl = e->impl;
    release(r, nd->in[0]);
    if (cpu_kind_binary(gr->kind)) release(r, nd->in[1]);
    if (gr->sum_node >= 0) release(r, g->nodes[gr->sum_node].in[gr->sum_k]);
    if (node_ms) {
        CPU_CHECK(dnnl_stream_wait(c->stream));
        node_ms[gr->main - r->p.first] += halo_now_ms() - t0;
    }
    return HALO_OK;
}

static enum halo_status run_all(struct run *r, const struct halo_tensor *in, struct halo_tensor *out, double *node_ms)
{
    struct cpu_ctx *c = r->c;
    struct plan *p = &r->p;
    struct cpu_value *iv = &r->val[0];
    *iv = (struct cpu_value){.data = in->data, .rect = in->rect, .block = -1, .refs = p->in_refs, .readonly = true};
    dnnl_dims_t d = {1, in->c, halo_rect_h(in->rect), halo_rect_w(in->rect)};
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&iv->md, 4, d, dnnl_f32, dnnl_nchw));
    for (int i = p->first; i < p->last; i++) {
        int a = p->alias[i - p->first];
        if (a != -2) {
            struct cpu_value *v = value_of(r, i);
            *v = *value_of(r, a);
            v->block = -1; /* the buffer stays its producer's */
            v->flat = v->flat || c->g->nodes[i].op == HALO_OP_FLATTEN;
            continue;
        }
        int gi = p->group_at[i - p->first];
        if (gi >= 0) HALO_TRY(run_group(r, &p->groups[gi], node_ms));
    }
    int last = p->last - 1;
    double t0 = node_ms ? halo_now_ms() : 0;
    HALO_TRY(cpu_copy_out(c, value_of(r, last), out));
    if (node_ms) {
        CPU_CHECK(dnnl_stream_wait(c->stream));
        int o = p->owner[last - p->first];
        node_ms[(o >= 0 ? o : last) - p->first] += halo_now_ms() - t0;
    }
    CPU_CHECK(dnnl_stream_wait(c->stream));
    return HALO_OK;
}

enum halo_status cpu_compute(struct halo_backend *be, const struct halo_tile *tile, const struct halo_tensor *in,
                             struct halo_tensor *out, double *node_ms)
{
    struct cpu_ctx *c = be->ctx;
    if (!c->g || tile->g != c->g)
        return halo_error(HALO_ERR_INVALID, "cpu backend: compute on a graph that was not loaded");
    omp_set_num_threads(c->threads); /* per calling thread; another backend may have set its own */
    struct run r = {.c = c, .tile = tile};
    int n = tile->last - tile->first;
    if (node_ms) memset(node_ms, 0, (size_t)n * sizeof *node_ms);
    HALO_TRY(plan_build(c->g, tile->first, tile->last, &r.p));
    enum halo_status st = HALO_OK;
    r.val = halo_calloc((size_t)n + 1, sizeof *r.val);
    if (!r.val) st = HALO_ERR_NOMEM;
    if (st == HALO_OK) st = label_views(c, &r.p);
    if (st == HALO_OK) st = run_all(&r, in, out, node_ms);
    for (int i = 0; r.val && i <= n; i++) cpu_block_put(c, r.val[i].block);
    for (int i = 0; i < c->n_blocks; i++) c->blocks[i].used = false;
    free(r.val);
    plan_free(&r.p);
    return st;
}
