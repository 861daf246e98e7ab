/* onnx: reading an ONNX file — protobuf-c unpacks onnx.proto's ModelProto — checking its graph
 * (one image input, one output, every value defined, no cycle), ordering the nodes the output
 * needs, and importing them one by one (onnx_ops*.c) into a halo graph and its weights. The
 * helpers all the importer's files share are in onnx_values.c. */
#include "model/onnx.h"
#include "core/alloc.h"
#include "core/hash.h" /* halo_hash_bytes: the file's hash */
#include "model/onnx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes the importer accepts in one file: protobuf messages are limited to 2 GiB; larger models
 * keep their tensors in external files, which halo does not read. */
#define ONNX_FILE_LIMIT_BYTES ((size_t)2 << 30)

bool halo_onnx_available(void) { return true; }

bool halo_onnx_is_path(const char *model)
{
    size_t n = model ? strlen(model) : 0;
    return n > 5 && !strcmp(model + n - 5, ".onnx");
}

/* ---- the graph: inputs, order, import ------------------------------------------------------------ */

/* The model's one image input: float, 1 x C x H x W (batch and H, W may be symbolic). */
static enum halo_status graph_input(struct onnx_ctx *x, int *channels)
{
    const Onnx__GraphProto *gp = x->graph;
    const Onnx__ValueInfoProto *in = NULL;
    int n_in = 0;
    for (size_t i = 0; i < gp->n_input; i++) {
        const char *name = gp->input[i]->name;
        if (!name || !*name) return halo_error(HALO_ERR_INVALID, "%s: graph.input[%zu]: no name", x->file, i);
        bool is_init = false;
        for (size_t k = 0; k < gp->n_initializer && !is_init; k++)
            is_init = gp->initializer[k]->name && !strcmp(gp->initializer[k]->name, name);
        if (is_init) continue; /* older exporters list the initializers among the inputs */
        in = gp->input[i];
        n_in++;
    }
    if (n_in != 1)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: graph: %d inputs besides the initializers; halo's networks read one image",
                          x->file, n_in);
    const Onnx__TypeProto *tp = in->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: input '%s': not a tensor", x->file, in->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->has_elem_type && tt->elem_type != ONNX_FLOAT)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: input '%s': element type %s; halo computes in float32", x->file,
                          in->name, onnx_dtype_name(tt->elem_type));
    const Onnx__TensorShapeProto *sh = tt->shape;
    if (!sh || sh->n_dim != 4)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: input '%s': %s; halo reads images N x C x H x W", x->file, in->name,
                          sh ? "rank is not 4" : "no shape");
    int64_t d[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 4; k++)
        if (sh->dim[k]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) d[k] = sh->dim[k]->dim_value;
    if (d[0] != -1 && d[0] != 1)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: input '%s': batch %lld; halo runs one image at a time (batch 1)",
                          x->file, in->name, (long long)d[0]);
    if (d[1] < 1 || d[1] > 65536)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: input '%s': channels must be a fixed number from 1 to 65536",
                          x->file, in->name);
    x->ref_static = d[2] > 0 && d[3] > 0 && d[2] <= 65536 && d[3] <= 65536;
    x->ref_h = x->ref_static ? (int)d[2] : 224;
    x->ref_w = x->ref_static ? (int)d[3] : 224;
    *channels = (int)d[1];
    struct onnx_value *v;
    HALO_TRY(onnx_value_add(x, in->name, &v));
    v->kind = ONNX_VALUE_TENSOR;
    v->producer = HALO_INPUT;
    v->c = *channels;
    return HALO_OK;
}

/* The node producing each value: names and node indices, with open addressing over the names; and
 * how many times the nodes the output needs read each (filled by order_nodes). */
struct producers {
    const char **name;
    int *node;
    int *uses;
    int n;
    int *slots;
    size_t n_slots;
};

/* The entry of value `name`, or -1 when no node produces it. */
static int producer_entry(const struct producers *P, const char *name)
{
    if (!name || !P->n_slots) return -1;
    for (size_t h = onnx_name_hash(name) & (P->n_slots - 1);; h = (h + 1) & (P->n_slots - 1)) {
        int k = P->slots[h];
        if (k < 0 || !strcmp(P->name[k], name)) return k;
    }
}

static int producer_of(const struct producers *P, const char *name)
{
    int k = producer_entry(P, name);
    return k < 0 ? -1 : P->node[k];
}

static enum halo_status producers_build(struct onnx_ctx *x, struct producers *P)
{
    const Onnx__GraphProto *gp = x->graph;
    size_t total = 0;
    for (size_t j = 0; j < gp->n_node; j++) total += gp->node[j]->n_output;
    P->name = halo_malloc(total + 1, sizeof *P->name);
    P->node = halo_malloc(total + 1, sizeof *P->node);
    P->uses = halo_calloc(total + 1, sizeof *P->uses);
    P->n_slots = 64;
    while (P->n_slots < 2 * (total + 1)) P->n_slots *= 2;
    P->slots = halo_malloc(P->n_slots, sizeof *P->slots);
    if (!P->name || !P->node || !P->uses || !P->slots) return HALO_ERR_NOMEM;
    for (size_t i = 0; i < P->n_slots; i++) P->slots[i] = -1;
    for (size_t j = 0; j < gp->n_node; j++) {
        const Onnx__NodeProto *n = gp->node[j];
        if (!n->op_type) return halo_error(HALO_ERR_INVALID, "%s: node %zu: no op_type", x->file, j);
        for (size_t o = 0; o < n->n_output; o++) {
            const char *name = n->output[o];
            if (!name || !*name) continue;
            if (producer_of(P, name) >= 0)
                return halo_error(HALO_ERR_INVALID, "%s: value '%s' is produced by two nodes", x->file, name);
            size_t h = onnx_name_hash(name) & (P->n_slots - 1);
            while (P->slots[h] >= 0) h = (h + 1) & (P->n_slots - 1);
            P->slots[h] = P->n;
            P->name[P->n] = name;
            P->node[P->n++] = (int)j;
        }
    }
    return HALO_OK;
}

static void producers_free(struct producers *P)
{
    free(P->name);
    free(P->node);
    free(P->uses);
    free(P->slots);
}

/* A name the graph defines without a node: the input or an initializer. */
static bool defined_outside(struct onnx_ctx *x, const char *name) { return onnx_value_find(x, name) != NULL; }

/* A min-heap of node indices: of the ready nodes, the earliest in the file comes out first. */
static void heap_push(int *h, int *n, int v)
{
    int i = (*n)++;
    for (; i > 0 && h[(i - 1) / 2] > v; i = (i - 1) / 2) h[i] = h[(i - 1) / 2];
    h[i] = v;
}

static int heap_pop(int *h, int *n)
{
    int top = h[0], v = h[--*n], i = 0;
    for (int c = 1; c < *n; c = 2 * i + 1) {
        if (c + 1 < *n && h[c + 1] < h[c]) c++;
        if (h[c] >= v) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = v;
    return top;
}

/* The nodes the output needs, in an order where every producer comes before its readers: of the
 * nodes whose inputs are all there, the first in the file (the file's order where it allows, which
 * keeps a block's branches together). Cycles and values nobody defines are errors. Counts each
 * value's reads by those nodes in P->uses. O(edges + nodes log nodes). */
static enum halo_status order_nodes(struct onnx_ctx *x, struct producers *P, const char *output, int **order,
                                    int *n_order)
{
    const Onnx__GraphProto *gp = x->graph;
    int n = (int)gp->n_node;
    *order = NULL;
    *n_order = 0;
    size_t edges = 0;
    for (int j = 0; j < n; j++) edges += gp->node[j]->n_input;
    bool *need = halo_calloc((size_t)n + 1, sizeof *need);
    int *stack = halo_malloc((size_t)n + 1, sizeof *stack); /* the search, then the heap of ready nodes */
    int *out = halo_malloc((size_t)n + 1, sizeof *out);
    int *waits = halo_calloc((size_t)n + 1, sizeof *waits); /* a node's inputs whose producer is not out */
    int *first = halo_calloc((size_t)n + 1, sizeof *first); /* node p's readers: reader[first[p]..first[p+1]) */
    int *fill = halo_calloc((size_t)n + 1, sizeof *fill);
    int *reader = halo_malloc(edges + 1, sizeof *reader);
    enum halo_status st = HALO_OK;
    if (!need || !stack || !out || !waits || !first || !fill || !reader) st = HALO_ERR_NOMEM;
    int sp = 0, m = 0;
    if (st == HALO_OK) {
        int p = producer_of(P, output);
        if (p >= 0) {
            need[p] = true;
            stack[sp++] = p;
            m++;
        }
    }
    /* the nodes the output depends on, and for each the producers of its inputs: the reads of each
     * value, the inputs each node waits for, and the readers of each producer (counted here) */
    while (st == HALO_OK && sp > 0) {
        int j = stack[--sp];
        const Onnx__NodeProto *nd = gp->node[j];
        for (size_t k = 0; k < nd->n_input; k++) {
            const char *name = nd->input[k];
            if (!name || !*name) continue;
            int e = producer_entry(P, name);
            if (e < 0 && !defined_outside(x, name)) {
                x->node = nd;
                st = onnx_node_error(x, HALO_ERR_INVALID,
                                     "input '%s' is neither the graph's input, an initializer nor a node's output", name);
                x->node = NULL;
                break;
            }
            if (e < 0) continue;
            int p = P->node[e];
            P->uses[e]++;
            waits[j]++;
            first[p + 1]++;
            if (!need[p]) {
                need[p] = true;
                stack[sp++] = p;
                m++;
            }
        }
    }
    /* the readers of each producer, one per input read */
    for (int p = 0; st == HALO_OK && p < n; p++) first[p + 1] += first[p];
    for (int j = 0; st == HALO_OK && j < n; j++) {
        if (!need[j]) continue;
        const Onnx__NodeProto *nd = gp->node[j];
        for (size_t k = 0; k < nd->n_input; k++) {
            int p = producer_of(P, nd->input[k]);
            if (p >= 0) reader[first[p] + fill[p]++] = j;
        }
    }
    /* Kahn's: emit the first ready node; its readers wait for one input less */
    int ready = 0, emitted = 0;
    for (int j = 0; st == HALO_OK && j < n; j++)
        if (need[j] && !waits[j]) heap_push(stack, &ready, j);
    while (st == HALO_OK && ready > 0) {
        int p = heap_pop(stack, &ready);
        out[emitted++] = p;
        for (int r = first[p]; r < first[p + 1]; r++)
            if (--waits[reader[r]] == 0) heap_push(stack, &ready, reader[r]);
    }
    if (st == HALO_OK && emitted < m) {
        int j = 0;
        while (!need[j] || !waits[j]) j++;
        x->node = gp->node[j];
        st = onnx_node_error(x, HALO_ERR_INVALID, "the graph has a cycle through this node");
        x->node = NULL;
    }
    free(need);
    free(stack);
    free(waits);
    free(first);
    free(fill);
    free(reader);
    if (st != HALO_OK) {
        free(out);
        return st;
    }
    *order = out;
    *n_order = emitted;
    return HALO_OK;
}

static enum halo_status import_graph(struct onnx_ctx *x)
{
    const Onnx__GraphProto *gp = x->graph;
    int channels = 0;
    HALO_TRY(graph_input(x, &channels));
    /* initializers: constants, converted when a node reads them */
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *t = gp->initializer[i];
        if (!t->name || !*t->name) return halo_error(HALO_ERR_INVALID, "%s: graph.initializer[%zu]: no name", x->file, i);
        struct onnx_value *v = onnx_value_find(x, t->name);
        if (v && v->kind == ONNX_VALUE_TENSOR)
            return halo_error(HALO_ERR_INVALID, "%s: initializer '%s' has the input's name", x->file, t->name);
        if (v) return halo_error(HALO_ERR_INVALID, "%s: initializer '%s' is defined twice", x->file, t->name);
        HALO_TRY(onnx_value_add(x, t->name, &v));
        v->kind = ONNX_VALUE_CONST;
        v->init = t;
    }
    if (gp->n_sparse_initializer)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: graph: sparse initializers are not supported", x->file);
    if (gp->n_output != 1 || !gp->output[0]->name || !*gp->output[0]->name)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: graph: %zu outputs; halo's networks have one", x->file,
                          gp->n_output);
    const char *output = gp->output[0]->name;
    struct producers P = {0};
    int *order = NULL, n_order = 0;
    enum halo_status st = producers_build(x, &P);
    if (st == HALO_OK) st = order_nodes(x, &P, output, &order, &n_order);
    if (st == HALO_OK && !(x->g = halo_graph_new(x->file, channels))) st = HALO_ERR_NOMEM;
    for (int i = 0; st == HALO_OK && i < n_order; i++) {
        x->node = gp->node[order[i]];
        const char *dom = x->node->domain;
        if (dom && *dom && strcmp(dom, "ai.onnx"))
            st = onnx_node_error(x, HALO_ERR_UNSUPPORTED, "domain '%s' is not supported (only ONNX's own ops)", dom);
        int before = x->n_values;
        if (st == HALO_OK) st = onnx_import_node(x);
        if (st == HALO_OK && x->g->oom) st = HALO_ERR_NOMEM;
        for (int v = before; st == HALO_OK && v < x->n_values; v++) { /* the node's outputs (output_value) */
            int e = producer_entry(&P, x->values[v].name);
            HALO_ASSERT(e >= 0);
            x->values[v].uses = P.uses[e] + !strcmp(x->values[v].name, output);
        }
    }
    x->node = NULL;
    if (st == HALO_OK) {
        struct onnx_value *v = onnx_value_find(x, output);
        if (!v) st = halo_error(HALO_ERR_INVALID, "%s: output '%s' is defined by no node", x->file, output);
        else if (v->kind != ONNX_VALUE_TENSOR)
            st = halo_error(HALO_ERR_UNSUPPORTED, "%s: output '%s' is a constant", x->file, output);
        else if (v->producer == HALO_INPUT || v->producer != x->g->n_nodes - 1)
            st = halo_error(HALO_ERR_UNSUPPORTED, "%s: output '%s' is %s", x->file, output,
                            v->producer == HALO_INPUT ? "the input itself" : "not computed last");
    }
    producers_free(&P);
    free(order);
    return st;
}

static void ctx_free(struct onnx_ctx *x)
{
    for (int v = 0; v < x->n_values; v++) onnx_tensor_free(x->values[v].t);
    free(x->values);
    free(x->slots);
    free(x->named);
    if (x->nw) {
        for (int i = 0; i < x->n_nw; i++) {
            free(x->nw[i].weight);
            free(x->nw[i].bias);
            free(x->nw[i].mean);
            free(x->nw[i].var);
        }
        free(x->nw);
    }
    halo_graph_free(x->g);
    if (x->model) onnx__model_proto__free_unpacked(x->model, NULL);
}

/* Moves the parameters gathered during the import into weights of the graph's layout. */
static enum halo_status take_weights(struct onnx_ctx *x, struct halo_weights **out)
{
    struct halo_graph *g = x->g;
    if (halo_grow((void **)&x->nw, &x->cap_nw, (size_t)g->n_nodes + 1, sizeof *x->nw)) return HALO_ERR_NOMEM;
    struct halo_weights *w = halo_calloc(1, sizeof *w);
    if (!w) return HALO_ERR_NOMEM;
    w->n_nodes = g->n_nodes;
    w->node = x->nw;
    x->nw = NULL;
    x->cap_nw = 0;
    for (int i = 0; i < g->n_nodes; i++) { /* every slot the graph's layout has is filled */
        int64_t sz[4];
        halo_weights_sizes(&g->nodes[i], sz);
        const float *t[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
        for (int k = 0; k < 4; k++) HALO_ASSERT(!sz[k] == !t[k]);
    }
    w->source = halo_strdup(g->source);
    if (!w->source) {
        halo_weights_free(w);
        return HALO_ERR_NOMEM;
    }
    w->hash = halo_weights_hash(g, w);
    *out = w;
    return HALO_OK;
}

enum halo_status halo_onnx_import_mem(const char *name, const void *data, size_t size, struct halo_graph **g,
                                      struct halo_weights **w)
{
    *g = NULL;
    if (w) *w = NULL;
    struct onnx_ctx x = {.file = name, .want_weights = w != NULL};
    if (size > ONNX_FILE_LIMIT_BYTES)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: %zu bytes: larger than protobuf's 2 GiB limit", name, size);
    x.model = onnx__model_proto__unpack(NULL, size, data);
    if (!x.model)
        return halo_error(HALO_ERR_PARSE, "%s: not an ONNX model (the protobuf is truncated or malformed)", name);
    enum halo_status st = HALO_OK;
    x.graph = x.model->graph;
    if (!x.graph) st = halo_error(HALO_ERR_INVALID, "%s: the model has no graph", name);
    for (size_t i = 0; st == HALO_OK && i < x.model->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = x.model->opset_import[i];
        if (!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx")) x.opset = o->has_version ? o->version : 1;
    }
    if (st == HALO_OK && x.opset == 0) x.opset = 1; /* IR version 1/2 files name no opset */
    if (st == HALO_OK) st = import_graph(&x);
    if (st == HALO_OK) {
        x.g->source = halo_strdup(name);
        x.g->source_hash = halo_hash_bytes(data, size);
        if (!x.g->source) st = HALO_ERR_NOMEM;
    }
    if (st == HALO_OK) {
        st = halo_graph_finalize(x.g);
        if (st != HALO_OK) halo_error_prefix("%s", name);
    }
    if (st == HALO_OK && w) st = take_weights(&x, w);
    if (st == HALO_OK) {
        *g = x.g;
        x.g = NULL;
    }
    ctx_free(&x);
    return st;
}

enum halo_status halo_onnx_import(const char *path, struct halo_graph **g, struct halo_weights **w)
{
    *g = NULL;
    if (w) *w = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return halo_error(HALO_ERR_IO, "%s: not a regular file", path);
    }
    size_t size = (size_t)sb.st_size;
    if (size == 0) {
        close(fd);
        return halo_error(HALO_ERR_PARSE, "%s: empty file, not an ONNX model", path);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return halo_error(HALO_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    enum halo_status st = halo_onnx_import_mem(path, map, size, g, w);
    munmap(map, size);
    return st;
}
