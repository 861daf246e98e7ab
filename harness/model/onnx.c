/* onnx: reading an ONNX file — protobuf-c unpacks onnx.proto's ModelProto — checking its graph
 * (one image input, one output, every value defined, no cycle), ordering the nodes the output
 * needs, and importing them one by one (onnx_ops.c) into a halo graph and its weights. Also the
 * context's shared helpers: named values, constant tensors, attributes, error messages. */
#include "model/onnx.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "model/onnx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ONNX importer reads raw_data as little-endian, which ONNX specifies"
#endif

/* Bytes the importer accepts in one file: protobuf messages are limited to 2 GiB; larger models
 * keep their tensors in external files, which halo does not read. */
#define ONNX_FILE_LIMIT_BYTES ((size_t)2 << 30)

bool halo_onnx_available(void) { return true; }

bool halo_onnx_is_path(const char *model)
{
    size_t n = model ? strlen(model) : 0;
    return n > 5 && !strcmp(model + n - 5, ".onnx");
}

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

static size_t name_hash(const char *s) { return (size_t)halo_fnv1a(HALO_FNV1A_INIT, s, strlen(s)); }

static enum halo_status rehash(struct onnx_ctx *x, size_t n_slots)
{
    int *slots = halo_malloc(n_slots, sizeof *slots);
    if (!slots) return HALO_ERR_NOMEM;
    for (size_t i = 0; i < n_slots; i++) slots[i] = -1;
    for (int v = 0; v < x->n_values; v++) {
        size_t h = name_hash(x->values[v].name) & (n_slots - 1);
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
    for (size_t h = name_hash(name) & (x->n_slots - 1);; h = (h + 1) & (x->n_slots - 1)) {
        int v = x->slots[h];
        if (v < 0) return NULL;
        if (!strcmp(x->values[v].name, name)) return &x->values[v];
    }
}

/* A new value named `name`; a name defined twice is an error (ONNX graphs are in SSA form). */
static enum halo_status value_add(struct onnx_ctx *x, const char *name, struct onnx_value **out)
{
    if (onnx_value_find(x, name)) return onnx_node_error(x, HALO_ERR_INVALID, "value '%s' is defined twice", name);
    if (halo_grow((void **)&x->values, &x->cap_values, (size_t)x->n_values + 1, sizeof *x->values))
        return HALO_ERR_NOMEM;
    if ((size_t)(x->n_values + 1) * 2 > x->n_slots) HALO_TRY(rehash(x, x->n_slots ? 2 * x->n_slots : 64));
    struct onnx_value *v = &x->values[x->n_values];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->c = -1;
    size_t h = name_hash(name) & (x->n_slots - 1);
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
    return value_add(x, n->output[k], out);
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
    t->n = 1;
    for (int d = 0; d < rank; d++) {
        t->dims[d] = dims[d];
        if (!onnx_mul_ok(&t->n, dims[d])) {
            free(t);
            return NULL;
        }
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

static const char *dtype_name(int32_t t)
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
                          x->file, name, dtype_name(dt));
    }
    if (p->n_dims > ONNX_MAX_RANK)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: tensor '%s': rank %zu is more than %d", x->file, name, p->n_dims,
                          ONNX_MAX_RANK);
    for (size_t d = 0; d < p->n_dims; d++)
        if (p->dims[d] < 0)
            return halo_error(HALO_ERR_INVALID, "%s: tensor '%s': dims[%zu] is %lld", x->file, name, d,
                              (long long)p->dims[d]);
    int64_t n = 1;
    for (size_t d = 0; d < p->n_dims; d++)
        if (!onnx_mul_ok(&n, p->dims[d]))
            return halo_error(HALO_ERR_INVALID, "%s: tensor '%s': more than %lld elements is absurdly many", x->file,
                              name, (long long)ONNX_MAX_ELEMS);
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
                          x->file, name, p->raw_data.len, (long long)n, dtype_name(dt), (long long)n * elem);
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

static bool name_taken(const struct halo_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].name, name)) return true;
    return false;
}

char *onnx_node_name(struct onnx_ctx *x, const char *want)
{
    const Onnx__NodeProto *n = x->node;
    char base[256];
    if (want && *want && !name_taken(x->g, want)) return halo_strdup(want);
    if (n->name && *n->name) snprintf(base, sizeof base, "%s", n->name);
    else snprintf(base, sizeof base, "%s_%d", n->op_type, x->g->n_nodes);
    if (!name_taken(x->g, base)) return halo_strdup(base);
    char buf[300];
    for (int k = 1;; k++) {
        snprintf(buf, sizeof buf, "%s_%d", base, k);
        if (!name_taken(x->g, buf)) return halo_strdup(buf);
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
                          in->name, dtype_name(tt->elem_type));
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
    HALO_TRY(value_add(x, in->name, &v));
    v->kind = ONNX_VALUE_TENSOR;
    v->producer = HALO_INPUT;
    v->c = *channels;
    return HALO_OK;
}

/* The node producing each value: names and node indices, with open addressing over the names. */
struct producers {
    const char **name;
    int *node;
    int n;
    int *slots;
    size_t n_slots;
};

static int producer_of(const struct producers *P, const char *name)
{
    if (!name || !P->n_slots) return -1;
    for (size_t h = name_hash(name) & (P->n_slots - 1);; h = (h + 1) & (P->n_slots - 1)) {
        int k = P->slots[h];
        if (k < 0) return -1;
        if (!strcmp(P->name[k], name)) return P->node[k];
    }
}

static enum halo_status producers_build(struct onnx_ctx *x, struct producers *P)
{
    const Onnx__GraphProto *gp = x->graph;
    size_t total = 0;
    for (size_t j = 0; j < gp->n_node; j++) total += gp->node[j]->n_output;
    P->name = halo_malloc(total + 1, sizeof *P->name);
    P->node = halo_malloc(total + 1, sizeof *P->node);
    P->n_slots = 64;
    while (P->n_slots < 2 * (total + 1)) P->n_slots *= 2;
    P->slots = halo_malloc(P->n_slots, sizeof *P->slots);
    if (!P->name || !P->node || !P->slots) return HALO_ERR_NOMEM;
    for (size_t i = 0; i < P->n_slots; i++) P->slots[i] = -1;
    for (size_t j = 0; j < gp->n_node; j++) {
        const Onnx__NodeProto *n = gp->node[j];
        if (!n->op_type) return halo_error(HALO_ERR_INVALID, "%s: node %zu: no op_type", x->file, j);
        for (size_t o = 0; o < n->n_output; o++) {
            const char *name = n->output[o];
            if (!name || !*name) continue;
            if (producer_of(P, name) >= 0)
                return halo_error(HALO_ERR_INVALID, "%s: value '%s' is produced by two nodes", x->file, name);
            size_t h = name_hash(name) & (P->n_slots - 1);
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
    free(P->slots);
}

/* A name the graph defines without a node: the input or an initializer. */
static bool defined_outside(struct onnx_ctx *x, const char *name) { return onnx_value_find(x, name) != NULL; }

/* The nodes the output needs, in an order where every producer comes before its readers (the
 * file's order where it allows, which keeps a block's branches together); cycles and values
 * nobody defines are errors. */
static enum halo_status order_nodes(struct onnx_ctx *x, const struct producers *P, const char *output, int **order,
                                    int *n_order)
{
    const Onnx__GraphProto *gp = x->graph;
    int n = (int)gp->n_node;
    *order = NULL;
    *n_order = 0;
    bool *need = halo_calloc((size_t)n + 1, sizeof *need);
    int *stack = halo_malloc((size_t)n + 1, sizeof *stack);
    int *out = halo_malloc((size_t)n + 1, sizeof *out);
    bool *done = halo_calloc((size_t)n + 1, sizeof *done);
    enum halo_status st = HALO_OK;
    if (!need || !stack || !out || !done) st = HALO_ERR_NOMEM;
    int sp = 0, m = 0;
    if (st == HALO_OK) {
        int p = producer_of(P, output);
        if (p >= 0) {
            need[p] = true;
            stack[sp++] = p;
        }
    }
    while (st == HALO_OK && sp > 0) { /* the nodes the output depends on */
        const Onnx__NodeProto *nd = gp->node[stack[--sp]];
        for (size_t k = 0; k < nd->n_input; k++) {
            const char *name = nd->input[k];
            if (!name || !*name) continue;
            int p = producer_of(P, name);
            if (p < 0 && !defined_outside(x, name)) {
                x->node = nd;
                st = onnx_node_error(x, HALO_ERR_INVALID,
                                     "input '%s' is neither the graph's input, an initializer nor a node's output", name);
                x->node = NULL;
                break;
            }
            if (p >= 0 && !need[p]) {
                need[p] = true;
                stack[sp++] = p;
            }
        }
    }
    /* Kahn: repeatedly take the first needed node whose inputs are all done */
    for (int j = 0; st == HALO_OK && j < n; j++) m += need[j];
    int emitted = 0;
    bool progress = true;
    while (st == HALO_OK && emitted < m && progress) {
        progress = false;
        for (int j = 0; j < n; j++) {
            if (!need[j] || done[j]) continue;
            const Onnx__NodeProto *nd = gp->node[j];
            bool ready = true;
            for (size_t k = 0; k < nd->n_input && ready; k++) {
                int p = producer_of(P, nd->input[k]);
                ready = p < 0 || done[p];
            }
            if (!ready) continue;
            done[j] = true;
            out[emitted++] = j;
            progress = true;
            break; /* restart: the file's order first */
        }
    }
    if (st == HALO_OK && emitted < m) {
        int j = 0;
        while (!need[j] || done[j]) j++;
        x->node = gp->node[j];
        st = onnx_node_error(x, HALO_ERR_INVALID, "the graph has a cycle through this node");
        x->node = NULL;
    }
    free(need);
    free(stack);
    free(done);
    if (st != HALO_OK) {
        free(out);
        return st;
    }
    *order = out;
    *n_order = emitted;
    return HALO_OK;
}

/* Reads of value `name` by the nodes the output needs (for the folds that need one reader). */
static int count_uses(const struct onnx_ctx *x, const int *order, int n_order, const char *name)
{
    int uses = 0;
    for (int i = 0; i < n_order; i++) {
        const Onnx__NodeProto *nd = x->graph->node[order[i]];
        for (size_t k = 0; k < nd->n_input; k++) uses += nd->input[k] && !strcmp(nd->input[k], name);
    }
    return uses;
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
        HALO_TRY(value_add(x, t->name, &v));
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
        for (int v = before; st == HALO_OK && v < x->n_values; v++)
            x->values[v].uses = count_uses(x, order, n_order, x->values[v].name) + !strcmp(x->values[v].name, output);
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
