/* onnx_values: the importer's shared helpers (onnx_internal.h) — errors that name the node, the
 * table of named values and the inputs and outputs of the node being imported, constant tensors
 * (TensorProto converted: float32, float16, bfloat16, double, int32, int64), tensor shapes at the
 * reference input size, node names and weights, and attributes. */
#include "core/alloc.h"
#include "model/onnx_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ONNX importer reads raw_data as little-endian, which ONNX specifies"
#endif

/* ---- errors -------------------------------------------------------------------------------- */

enum halo_status onnx_node_error(struct onnx_ctx *x, enum halo_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const Onnx__NodeProto *n = x->node;
    if (!n) return halo_error(st, "%s: %s", x->file, msg);
    return halo_error(st, "%s: node '%s' (%s): %s", x->file, n->name && *n->name ? n->name : "(unnamed)",
                      n->op_type ? n->op_type : "?", msg);
}

/* ---- values ---------------------------------------------------------------------------------- */

static enum halo_status rehash(struct onnx_ctx *x, size_t n_slots)
{
    int *slots = halo_malloc(n_slots, sizeof *slots);
    if (!slots) return HALO_ERR_NOMEM;
    for (size_t i = 0; i < n_slots; i++) slots[i] = -1;
    for (int v = 0; v < x->n_values; v++) {
        size_t h = onnx_name_hash(x->values[v].name) & (n_slots - 1);
        while (slots[h] >= 0) h = (h + 1) & (n_slots - 1);
        slots[h] = v;
    }
    free(x->slots);
    x->slots = slots;
    x->n_slots = n_slots;
    return HALO_OK;
}

struct onnx_value *onnx_value_find(struct onnx_ctx *x, const char *name)
{
    if (!name || !x->n_slots) return NULL;
    for (size_t h = onnx_name_hash(name) & (x->n_slots - 1);; h = (h + 1) & (x->n_slots - 1)) {
        int v = x->slots[h];
        if (v < 0) return NULL;
        if (!strcmp(x->values[v].name, name)) return &x->values[v];
    }
}

enum halo_status onnx_value_add(struct onnx_ctx *x, const char *name, struct onnx_value **out)
{
    if (onnx_value_find(x, name)) return onnx_node_error(x, HALO_ERR_INVALID, "value '%s' is defined twice", name);
    if (halo_grow((void **)&x->values, &x->cap_values, (size_t)x->n_values + 1, sizeof *x->values))
        return HALO_ERR_NOMEM;
    if ((size_t)(x->n_values + 1) * 2 > x->n_slots) HALO_TRY(rehash(x, x->n_slots ? 2 * x->n_slots : 64));
    struct onnx_value *v = &x->values[x->n_values];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->c = -1;
    size_t h = onnx_name_hash(name) & (x->n_slots - 1);
    while (x->slots[h] >= 0) h = (h + 1) & (x->n_slots - 1);
    x->slots[h] = x->n_values++;
    *out = v;
    return HALO_OK;
}

static const char *input_name(struct onnx_ctx *x, int k)
{
    const Onnx__NodeProto *n = x->node;
    if (k < 0 || (size_t)k >= n->n_input || !n->input[k] || !*n->input[k]) return NULL;
    return n->input[k];
}

struct onnx_value *onnx_input(struct onnx_ctx *x, int k)
{
    const char *name = input_name(x, k);
    return name ? onnx_value_find(x, name) : NULL;
}

/* The const value v converted (initializers are converted on first use). */
static enum halo_status value_const(struct onnx_ctx *x, struct onnx_value *v, const struct onnx_tensor **out)
{
    if (!v->t && v->init) HALO_TRY(onnx_tensor_from_proto(x, v->init, &v->t));
    *out = v->t;
    return HALO_OK;
}

enum halo_status onnx_input_const(struct onnx_ctx *x, int k, const char *what, bool optional,
                                  const struct onnx_tensor **out)
{
    *out = NULL;
    struct onnx_value *v = onnx_input(x, k);
    if (!v) {
        if (optional) return HALO_OK;
        return onnx_node_error(x, HALO_ERR_INVALID, "input %d (%s) is missing", k, what);
    }
    if (v->kind != ONNX_VALUE_CONST)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                               "input %d (%s, '%s') is computed by the network: halo needs it constant (an initializer)",
                               k, what, v->name);
    return value_const(x, v, out);
}

enum halo_status onnx_input_weight(struct onnx_ctx *x, int k, const char *what, bool optional,
                                   struct onnx_tensor **out)
{
    *out = NULL;
    struct onnx_value *v = onnx_input(x, k);
    if (!v) {
        if (optional) return HALO_OK;
        return onnx_node_error(x, HALO_ERR_INVALID, "input %d (%s) is missing", k, what);
    }
    if (v->kind != ONNX_VALUE_CONST)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                               "input %d (%s, '%s') is computed by the network: halo needs it constant (an initializer)",
                               k, what, v->name);
    struct onnx_tensor *read = NULL;
    if (v->init && !v->t) { /* converted once, not cached */
        HALO_TRY(onnx_tensor_read(x, v->init, x->want_weights, &read));
        if (!read->is_int || !x->want_weights) {
            read->is_int = false;
            *out = read;
            return HALO_OK;
        }
    }
    const struct onnx_tensor *t = read ? read : v->t; /* integers as floats */
    struct onnx_tensor *c = onnx_tensor_new(false, t->rank, t->dims);
    if (c)
        for (int64_t e = 0; e < t->n; e++) c->f[e] = (float)onnx_tensor_get(t, e);
    onnx_tensor_free(read);
    if (!c) return HALO_ERR_NOMEM;
    *out = c;
    return HALO_OK;
}

enum halo_status onnx_input_tensor(struct onnx_ctx *x, int k, struct onnx_value **out)
{
    struct onnx_value *v = onnx_input(x, k);
    *out = v;
    if (!v) return onnx_node_error(x, HALO_ERR_INVALID, "input %d is missing", k);
    if (v->kind != ONNX_VALUE_TENSOR)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                               "input %d ('%s') is a constant where halo computes a feature map", k, v->name);
    return HALO_OK;
}

static enum halo_status output_value(struct onnx_ctx *x, int k, struct onnx_value **out)
{
    const Onnx__NodeProto *n = x->node;
    *out = NULL;
    if ((size_t)k >= n->n_output || !n->output[k] || !*n->output[k])
        return onnx_node_error(x, HALO_ERR_INVALID, "output %d is missing", k);
    return onnx_value_add(x, n->output[k], out);
}

enum halo_status onnx_set_tensor(struct onnx_ctx *x, int k, int producer, bool flat, int c, bool global)
{
    struct onnx_value *v;
    HALO_TRY(output_value(x, k, &v));
    v->kind = ONNX_VALUE_TENSOR;
    v->direct = true;
    v->producer = producer;
    v->flat = flat;
    v->c = c;
    v->global = global;
    return HALO_OK;
}

enum halo_status onnx_set_alias(struct onnx_ctx *x, int k, const struct onnx_value *src, bool flat, bool global)
{
    struct onnx_value s = *src; /* values may move when the table grows */
    struct onnx_value *v;
    HALO_TRY(output_value(x, k, &v));
    v->kind = ONNX_VALUE_TENSOR;
    v->producer = s.producer;
    v->flat = flat;
    v->c = s.c;
    v->global = global;
    return HALO_OK;
}

enum halo_status onnx_set_const(struct onnx_ctx *x, int k, struct onnx_tensor *t)
{
    struct onnx_value *v;
    enum halo_status st = output_value(x, k, &v);
    if (st != HALO_OK) {
        onnx_tensor_free(t);
        return st;
    }
    v->kind = ONNX_VALUE_CONST;
    v->t = t;
    return HALO_OK;
}

enum halo_status onnx_outputs_unused(struct onnx_ctx *x, int k)
{
    const Onnx__NodeProto *n = x->node;
    for (size_t i = (size_t)k; i < n->n_output; i++) {
        if (!n->output[i] || !*n->output[i]) continue;
        const Onnx__GraphProto *gp = x->graph;
        for (size_t j = 0; j < gp->n_node; j++)
            for (size_t m = 0; m < gp->node[j]->n_input; m++)
                if (gp->node[j]->input[m] && !strcmp(gp->node[j]->input[m], n->output[i]))
                    return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                                           "output %zu ('%s') is read by node '%s': halo does not compute it", i,
                                           n->output[i], gp->node[j]->name ? gp->node[j]->name : "");
        for (size_t j = 0; j < gp->n_output; j++)
            if (gp->output[j]->name && !strcmp(gp->output[j]->name, n->output[i]))
                return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                                       "output %zu ('%s') is a model output: halo does not compute it", i,
                                       n->output[i]);
    }
    return HALO_OK;
}

/* ---- constant tensors ------------------------------------------------------------------------ */

struct onnx_tensor *onnx_tensor_new(bool is_int, int rank, const int64_t *dims)
{
    if (rank < 0 || rank > ONNX_MAX_RANK) return NULL;
    struct onnx_tensor *t = halo_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->is_int = is_int;
    t->rank = rank;
    for (int d = 0; d < rank; d++) t->dims[d] = dims[d];
    if (!onnx_dims_ok(rank, dims, &t->n)) {
        free(t);
        return NULL;
    }
    size_t n = t->n ? (size_t)t->n : 1;
    if (is_int) t->i = halo_calloc(n, sizeof *t->i);
    else t->f = halo_calloc(n, sizeof *t->f);
    if (!t->i && !t->f) {
        free(t);
        return NULL;
    }
    return t;
}

void onnx_tensor_free(struct onnx_tensor *t)
{
    if (!t) return;
    free(t->f);
    free(t->i);
    free(t);
}

double onnx_tensor_get(const struct onnx_tensor *t, int64_t e) { return t->is_int ? (double)t->i[e] : t->f[e]; }

int64_t onnx_tensor_get_int(const struct onnx_tensor *t, int64_t e)
{
    if (t->is_int) return t->i[e];
    double v = t->f[e];
    return isfinite(v) && fabs(v) < 9e18 ? (int64_t)v : 0;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0) { /* zero or subnormal: mant * 2^-24 */
        float v = (float)mant * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    if (exp == 31) bits = sign | 0x7f800000u | (mant << 13); /* inf, nan */
    else bits = sign | ((exp + 112) << 23) | (mant << 13);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static float bf16_to_float(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

const char *onnx_dtype_name(int32_t t)
{
    static const char *const names[] = {"UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16", "INT16",
                                        "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
                                        "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
    return t >= 0 && t < (int32_t)(sizeof names / sizeof names[0]) ? names[t] : "an unknown type";
}

enum halo_status onnx_tensor_from_proto(struct onnx_ctx *x, const Onnx__TensorProto *p, struct onnx_tensor **out)
{
    return onnx_tensor_read(x, p, true, out);
}

enum halo_status onnx_tensor_read(struct onnx_ctx *x, const Onnx__TensorProto *p, bool values, struct onnx_tensor **out)
{
    const char *name = p->name && *p->name ? p->name : "(unnamed)";
    *out = NULL;
    int32_t dt = p->has_data_type ? p->data_type : 0;
    if (p->has_data_location && p->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: tensor '%s': data in an external file is not supported", x->file,
                          name);
    if (p->segment) return halo_error(HALO_ERR_UNSUPPORTED, "%s: tensor '%s': segmented tensors are not supported", x->file, name);
    int elem;
    bool is_int;
    switch (dt) {
    case ONNX_FLOAT: elem = 4, is_int = false; break;
    case ONNX_DOUBLE: elem = 8, is_int = false; break;
    case ONNX_FLOAT16:
    case ONNX_BFLOAT16: elem = 2, is_int = false; break;
    case ONNX_INT32: elem = 4, is_int = true; break;
    case ONNX_INT64: elem = 8, is_int = true; break;
    default:
        return halo_error(HALO_ERR_UNSUPPORTED,
                          "%s: tensor '%s': data type %s is not supported (float, float16, bfloat16 and double "
                          "weights; int32 and int64 shapes)",
                          x->file, name, onnx_dtype_name(dt));
    }
    if (p->n_dims > ONNX_MAX_RANK)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: tensor '%s': rank %zu is more than %d", x->file, name, p->n_dims,
                          ONNX_MAX_RANK);
    for (size_t d = 0; d < p->n_dims; d++)
        if (p->dims[d] < 0)
            return halo_error(HALO_ERR_INVALID, "%s: tensor '%s': dims[%zu] is %lld", x->file, name, d,
                              (long long)p->dims[d]);
    int64_t n;
    if (!onnx_dims_ok((int)p->n_dims, p->dims, &n))
        return halo_error(HALO_ERR_INVALID, "%s: tensor '%s': its dims (zeros left out) multiply past %lld elements: "
                              "absurdly many", x->file, name, (long long)ONNX_MAX_ELEMS);
    size_t typed;
    switch (dt) {
    case ONNX_FLOAT: typed = p->n_float_data; break;
    case ONNX_DOUBLE: typed = p->n_double_data; break;
    case ONNX_INT64: typed = p->n_int64_data; break;
    default: typed = p->n_int32_data; break; /* int32, float16 and bfloat16 (one value per int32) */
    }
    bool raw = p->has_raw_data && p->raw_data.len;
    /* the data must be all there before anything is allocated for it */
    if (raw && p->raw_data.len != (size_t)n * (size_t)elem)
        return halo_error(HALO_ERR_INVALID, "%s: tensor '%s': raw_data holds %zu bytes, %lld %s elements need %lld",
                          x->file, name, p->raw_data.len, (long long)n, onnx_dtype_name(dt), (long long)n * elem);
    if (!raw && typed != (size_t)n)
        return halo_error(HALO_ERR_INVALID, "%s: tensor '%s': holds %zu values, its dims say %lld", x->file, name,
                          typed, (long long)n);
    struct onnx_tensor *t;
    if (values) {
        t = onnx_tensor_new(is_int, (int)p->n_dims, p->dims);
    } else if ((t = halo_calloc(1, sizeof *t))) { /* the header alone: dims and count */
        t->is_int = is_int;
        t->rank = (int)p->n_dims;
        t->n = n;
        for (int d = 0; d < t->rank; d++) t->dims[d] = p->dims[d];
    }
    if (!t) return halo_error(HALO_ERR_NOMEM, "%s: tensor '%s': out of memory", x->file, name);
    enum halo_status st = HALO_OK;
    if (values && raw) {
        const uint8_t *b = p->raw_data.data;
        for (int64_t e = 0; e < n; e++, b += elem) {
            switch (dt) {
            case ONNX_FLOAT: memcpy(&t->f[e], b, 4); break;
            case ONNX_DOUBLE: {
                double v;
                memcpy(&v, b, 8);
                t->f[e] = (float)v;
                break;
            }
            case ONNX_FLOAT16:
            case ONNX_BFLOAT16: {
                uint16_t h;
                memcpy(&h, b, 2);
                t->f[e] = dt == ONNX_FLOAT16 ? half_to_float(h) : bf16_to_float(h);
                break;
            }
            case ONNX_INT32: {
                int32_t v;
                memcpy(&v, b, 4);
                t->i[e] = v;
                break;
            }
            default: memcpy(&t->i[e], b, 8); break;
            }
        }
    } else if (values) {
        for (int64_t e = 0; e < n; e++) {
            switch (dt) {
            case ONNX_FLOAT: t->f[e] = p->float_data[e]; break;
            case ONNX_DOUBLE: t->f[e] = (float)p->double_data[e]; break;
            case ONNX_FLOAT16: t->f[e] = half_to_float((uint16_t)p->int32_data[e]); break;
            case ONNX_BFLOAT16: t->f[e] = bf16_to_float((uint16_t)p->int32_data[e]); break;
            case ONNX_INT32: t->i[e] = p->int32_data[e]; break;
            default: t->i[e] = p->int64_data[e]; break;
            }
        }
    }
    if (st != HALO_OK) {
        onnx_tensor_free(t);
        return st;
    }
    *out = t;
    return HALO_OK;
}

/* ---- shapes at the reference input size ------------------------------------------------------ */

enum halo_status onnx_tensor_shape(struct onnx_ctx *x, const struct onnx_value *v, int64_t dims[4], int *rank)
{
    if (halo_graph_infer(x->g, x->ref_h, x->ref_w) != HALO_OK) {
        char why[300];
        snprintf(why, sizeof why, "%s", halo_error_msg());
        return onnx_node_error(x, HALO_ERR_INVALID, "the shape of '%s' at input %dx%d: %s", v->name, x->ref_h,
                               x->ref_w, why);
    }
    struct halo_shape s = halo_graph_tensor_shape(x->g, v->producer);
    dims[0] = 1;
    if (v->flat) {
        dims[1] = (int64_t)s.c * s.h * s.w;
        *rank = 2;
    } else {
        dims[1] = s.c;
        dims[2] = s.h;
        dims[3] = s.w;
        *rank = 4;
    }
    return HALO_OK;
}

/* ---- nodes and weights ------------------------------------------------------------------------ */

enum halo_status onnx_add_weights(struct onnx_ctx *x, float *weight, float *bias, float *mean, float *var)
{
    int i = x->g->n_nodes - 1;
    if (halo_grow((void **)&x->nw, &x->cap_nw, (size_t)x->g->n_nodes, sizeof *x->nw)) {
        free(weight);
        free(bias);
        free(mean);
        free(var);
        return HALO_ERR_NOMEM;
    }
    HALO_ASSERT(i >= 0);
    x->nw[i] = (struct halo_node_weights){weight, bias, mean, var};
    x->n_nw = i + 1;
    return HALO_OK;
}

/* The set of node names brought up to the graph's nodes; false when out of memory. */
static bool names_update(struct onnx_ctx *x)
{
    const struct halo_graph *g = x->g;
    if ((size_t)g->n_nodes * 2 >= x->n_named_slots) {
        size_t n_slots = 64;
        while (n_slots <= (size_t)g->n_nodes * 4) n_slots *= 2;
        int *slots = halo_malloc(n_slots, sizeof *slots);
        if (!slots) return false;
        for (size_t i = 0; i < n_slots; i++) slots[i] = -1;
        free(x->named);
        x->named = slots;
        x->n_named_slots = n_slots;
        x->n_named = 0;
    }
    for (; x->n_named < g->n_nodes; x->n_named++) {
        if (!g->nodes[x->n_named].name) continue; /* its strdup failed: the import fails on g->oom */
        size_t h = onnx_name_hash(g->nodes[x->n_named].name) & (x->n_named_slots - 1);
        while (x->named[h] >= 0) h = (h + 1) & (x->n_named_slots - 1);
        x->named[h] = x->n_named;
    }
    return true;
}

static bool name_taken(struct onnx_ctx *x, const char *name)
{
    const struct halo_graph *g = x->g;
    if (!names_update(x)) { /* out of memory: look at every node */
        for (int i = 0; i < g->n_nodes; i++)
            if (!strcmp(g->nodes[i].name, name)) return true;
        return false;
    }
    for (size_t h = onnx_name_hash(name) & (x->n_named_slots - 1);; h = (h + 1) & (x->n_named_slots - 1)) {
        int i = x->named[h];
        if (i < 0) return false;
        if (!strcmp(g->nodes[i].name, name)) return true;
    }
}

char *onnx_node_name(struct onnx_ctx *x, const char *want)
{
    const Onnx__NodeProto *n = x->node;
    char base[256];
    if (want && *want && !name_taken(x, want)) return halo_strdup(want);
    if (n->name && *n->name) snprintf(base, sizeof base, "%s", n->name);
    else snprintf(base, sizeof base, "%s_%d", n->op_type, x->g->n_nodes);
    if (!name_taken(x, base)) return halo_strdup(base);
    char buf[300];
    for (int k = 1;; k++) {
        snprintf(buf, sizeof buf, "%s_%d", base, k);
        if (!name_taken(x, buf)) return halo_strdup(buf);
    }
}

/* ---- attributes -------------------------------------------------------------------------------- */

const Onnx__AttributeProto *onnx_attr(struct onnx_ctx *x, const char *name)
{
    const Onnx__NodeProto *n = x->node;
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name)) return n->attribute[i];
    return NULL;
}

enum halo_status onnx_attrs_known(struct onnx_ctx *x, const char *const *known)
{
    const Onnx__NodeProto *n = x->node;
    for (size_t i = 0; i < n->n_attribute; i++) {
        const char *a = n->attribute[i]->name ? n->attribute[i]->name : "";
        bool ok = false;
        for (int k = 0; known[k] && !ok; k++) ok = !strcmp(known[k], a);
        if (!ok) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute '%s' is not supported", a);
        if (n->attribute[i]->ref_attr_name && *n->attribute[i]->ref_attr_name)
            return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute '%s' refers to a function's attribute", a);
    }
    return HALO_OK;
}

static enum halo_status attr_type(struct onnx_ctx *x, const Onnx__AttributeProto *a,
                                  Onnx__AttributeProto__AttributeType want, const char *want_name)
{
    static const char *const names[] = {"UNDEFINED", "FLOAT",   "INT",     "STRING", "TENSOR",
                                        "GRAPH",     "FLOATS",  "INTS",    "STRINGS", "TENSORS",
                                        "GRAPHS",    "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};
    int t = (int)a->type;
    if (a->has_type && a->type != want)
        return onnx_node_error(x, HALO_ERR_INVALID, "attribute '%s': has type %s, expected %s", a->name,
                               t >= 0 && t < (int)(sizeof names / sizeof names[0]) ? names[t] : "unknown", want_name);
    return HALO_OK;
}

enum halo_status onnx_attr_int(struct onnx_ctx *x, const char *name, int64_t def, int64_t *out)
{
    const Onnx__AttributeProto *a = onnx_attr(x, name);
    *out = def;
    if (!a) return HALO_OK;
    HALO_TRY(attr_type(x, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, "INT"));
    *out = a->i;
    return HALO_OK;
}

enum halo_status onnx_attr_float(struct onnx_ctx *x, const char *name, float def, float *out)
{
    const Onnx__AttributeProto *a = onnx_attr(x, name);
    *out = def;
    if (!a) return HALO_OK;
    HALO_TRY(attr_type(x, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, "FLOAT"));
    *out = a->f;
    return HALO_OK;
}

enum halo_status onnx_attr_string(struct onnx_ctx *x, const char *name, const char *def, char *buf, size_t n,
                                  const char **out)
{
    const Onnx__AttributeProto *a = onnx_attr(x, name);
    *out = def;
    if (!a) return HALO_OK;
    HALO_TRY(attr_type(x, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, "STRING"));
    size_t len = a->s.len < n - 1 ? a->s.len : n - 1;
    if (len) memcpy(buf, a->s.data, len);
    buf[len] = '\0';
    *out = buf;
    return HALO_OK;
}

enum halo_status onnx_attr_ints(struct onnx_ctx *x, const char *name, int max, int64_t *vals, int *n)
{
    const Onnx__AttributeProto *a = onnx_attr(x, name);
    *n = 0;
    if (!a) return HALO_OK;
    HALO_TRY(attr_type(x, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, "INTS"));
    if (a->n_ints > (size_t)max)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute '%s': %zu values, at most %d supported", name,
                               a->n_ints, max);
    for (size_t i = 0; i < a->n_ints; i++) vals[i] = a->ints[i];
    *n = (int)a->n_ints;
    return HALO_OK;
}
