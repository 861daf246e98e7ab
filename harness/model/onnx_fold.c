/* onnx_fold: constant folding of the shape arithmetic exporters emit (x.view(x.size(0), -1) is
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape) and of any op whose inputs are all constant
 * among Identity, Cast, Gather, Unsqueeze, Squeeze, Concat, Slice, Reshape, Flatten, Add, Sub,
 * Mul, Div and ConstantOfShape. Results are constants, never nodes. */
#include "core/alloc.h"
#include "model/onnx_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum halo_status (*folder)(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n,
                                   struct onnx_tensor **out);

/* ---- helpers ----------------------------------------------------------------------------------- */

/* Values a folded constant may have: shape arithmetic needs a handful; more is a malformed file. */
#define FOLD_MAX_ELEMS ((int64_t)1 << 24)

/* A new folded constant of `rank` dims; an error naming the node when it would be absurdly large. */
static enum halo_status fold_new(struct onnx_ctx *x, bool is_int, int rank, const int64_t *dims,
                                 struct onnx_tensor **out)
{
    if (rank < 0 || rank > ONNX_MAX_RANK) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "folds a rank-%d constant", rank);
    int64_t n;
    if (!onnx_dims_ok(rank, dims, &n) || n > FOLD_MAX_ELEMS)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "folds a constant of more than %lld values",
                               (long long)FOLD_MAX_ELEMS);
    *out = onnx_tensor_new(is_int, rank, dims);
    return *out ? HALO_OK : onnx_node_error(x, HALO_ERR_NOMEM, "out of memory");
}

static void set(struct onnx_tensor *t, int64_t e, const struct onnx_tensor *src, int64_t se)
{
    if (t->is_int) t->i[e] = onnx_tensor_get_int(src, se);
    else t->f[e] = (float)onnx_tensor_get(src, se);
}

/* A copy of `src` with new dims (same element count). */
static enum halo_status reshaped(struct onnx_ctx *x, const struct onnx_tensor *src, int rank, const int64_t *dims,
                                 struct onnx_tensor **out)
{
    struct onnx_tensor *t;
    HALO_TRY(fold_new(x, src->is_int, rank, dims, &t));
    HALO_ASSERT(t->n == src->n);
    for (int64_t e = 0; e < t->n; e++) set(t, e, src, e);
    *out = t;
    return HALO_OK;
}

/* The ints of a 1-D (or scalar) constant, at most `max`. */
static enum halo_status ints_of(struct onnx_ctx *x, const struct onnx_tensor *t, const char *what, int max, int64_t *v,
                                int *n)
{
    if (t->rank > 1 || t->n > max)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "%s: at most %d values in one dimension", what, max);
    for (int64_t e = 0; e < t->n; e++) v[e] = onnx_tensor_get_int(t, e);
    *n = (int)t->n;
    return HALO_OK;
}

static enum halo_status axis_in(struct onnx_ctx *x, int64_t *axis, int rank)
{
    if (*axis < -rank || *axis >= rank)
        return onnx_node_error(x, HALO_ERR_INVALID, "axis %lld is outside rank %d", (long long)*axis, rank);
    if (*axis < 0) *axis += rank;
    return HALO_OK;
}

/* ---- folders ----------------------------------------------------------------------------------- */

static enum halo_status f_identity(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n,
                                   struct onnx_tensor **out)
{
    (void)x;
    (void)n;
    return reshaped(x, in[0], in[0]->rank, in[0]->dims, out);
}

static enum halo_status f_cast(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n, struct onnx_tensor **out)
{
    (void)n;
    int64_t to;
    HALO_TRY(onnx_attr_int(x, "to", 0, &to));
    bool is_int = to == ONNX_INT64 || to == ONNX_INT32;
    if (!is_int && to != ONNX_FLOAT && to != ONNX_DOUBLE && to != ONNX_FLOAT16)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'to': type %lld is not folded", (long long)to);
    struct onnx_tensor *t;
    HALO_TRY(fold_new(x, is_int, in[0]->rank, in[0]->dims, &t));
    for (int64_t e = 0; e < t->n; e++) set(t, e, in[0], e);
    *out = t;
    return HALO_OK;
}

static enum halo_status f_gather(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n, struct onnx_tensor **out)
{
    if (n < 2 || !in[1]) return onnx_node_error(x, HALO_ERR_INVALID, "needs data and indices");
    const struct onnx_tensor *d = in[0], *ix = in[1];
    int64_t axis;
    HALO_TRY(onnx_attr_int(x, "axis", 0, &axis));
    if (d->rank < 1) return onnx_node_error(x, HALO_ERR_INVALID, "data is a scalar");
    HALO_TRY(axis_in(x, &axis, d->rank));
    int rank = d->rank - 1 + ix->rank;
    if (rank > ONNX_MAX_RANK) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "result of rank %d", rank);
    int64_t dims[ONNX_MAX_RANK], outer = 1, inner = 1, len = d->dims[axis];
    int r = 0;
    for (int k = 0; k < axis; k++) outer *= dims[r++] = d->dims[k];
    for (int k = 0; k < ix->rank; k++) dims[r++] = ix->dims[k];
    for (int k = (int)axis + 1; k < d->rank; k++) inner *= dims[r++] = d->dims[k];
    struct onnx_tensor *t;
    HALO_TRY(fold_new(x, d->is_int, rank, dims, &t));
    int64_t e = 0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < ix->n; j++) {
            int64_t i = onnx_tensor_get_int(ix, j);
            if (i < 0) i += len;
            if (i < 0 || i >= len) {
                onnx_tensor_free(t);
                return onnx_node_error(x, HALO_ERR_INVALID, "index %lld is outside [0, %lld)",
                                       (long long)onnx_tensor_get_int(ix, j), (long long)len);
            }
            for (int64_t k = 0; k < inner; k++) set(t, e++, d, (o * len + i) * inner + k);
        }
    *out = t;
    return HALO_OK;
}

/* Axes of (Un)squeeze: the attribute before opset 13, input 1 after. */
static enum halo_status fold_axes(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n, int64_t *axes,
                                  int *na)
{
    if (onnx_attr(x, "axes")) return onnx_attr_ints(x, "axes", ONNX_MAX_RANK, axes, na);
    *na = 0;
    if (n < 2 || !in[1]) return HALO_OK;
    return ints_of(x, in[1], "the axes", ONNX_MAX_RANK, axes, na);
}

static enum halo_status f_unsqueeze(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n,
                                    struct onnx_tensor **out)
{
    int64_t axes[ONNX_MAX_RANK], dims[ONNX_MAX_RANK];
    int na;
    HALO_TRY(fold_axes(x, in, n, axes, &na));
    int rank = in[0]->rank + na;
    if (na == 0 || rank > ONNX_MAX_RANK) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "unsqueeze to rank %d", rank);
    bool one[ONNX_MAX_RANK] = {false};
    for (int k = 0; k < na; k++) {
        HALO_TRY(axis_in(x, &axes[k], rank));
        if (one[axes[k]]) return onnx_node_error(x, HALO_ERR_INVALID, "axis %lld twice", (long long)axes[k]);
        one[axes[k]] = true;
    }
    for (int d = 0, s = 0; d < rank; d++) dims[d] = one[d] ? 1 : in[0]->dims[s++];
    return reshaped(x, in[0], rank, dims, out);
}

static enum halo_status f_squeeze(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n,
                                  struct onnx_tensor **out)
{
    int64_t axes[ONNX_MAX_RANK], dims[ONNX_MAX_RANK];
    int na, r = in[0]->rank, rank = 0;
    HALO_TRY(fold_axes(x, in, n, axes, &na));
    bool drop[ONNX_MAX_RANK] = {false};
    for (int k = 0; k < na; k++) {
        HALO_TRY(axis_in(x, &axes[k], r));
        if (in[0]->dims[axes[k]] != 1)
            return onnx_node_error(x, HALO_ERR_INVALID, "axis %lld has size %lld, not 1", (long long)axes[k],
                                   (long long)in[0]->dims[axes[k]]);
        drop[axes[k]] = true;
    }
    for (int d = 0; d < r; d++)
        if (!(na ? drop[d] : in[0]->dims[d] == 1)) dims[rank++] = in[0]->dims[d];
    return reshaped(x, in[0], rank, dims, out);
}

static enum halo_status f_concat(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n, struct onnx_tensor **out)
{
    int64_t axis;
    HALO_TRY(onnx_attr_int(x, "axis", 0, &axis));
    int r = in[0]->rank;
    if (r < 1) return onnx_node_error(x, HALO_ERR_INVALID, "concatenates scalars");
    HALO_TRY(axis_in(x, &axis, r));
    int64_t dims[ONNX_MAX_RANK];
    memcpy(dims, in[0]->dims, sizeof dims);
    dims[axis] = 0;
    bool is_int = true;
    for (int k = 0; k < n; k++) {
        if (!in[k]) return onnx_node_error(x, HALO_ERR_INVALID, "input %d is missing", k);
        if (in[k]->rank != r) return onnx_node_error(x, HALO_ERR_INVALID, "inputs of ranks %d and %d", r, in[k]->rank);
        for (int d = 0; d < r; d++)
            if (d != axis && in[k]->dims[d] != in[0]->dims[d])
                return onnx_node_error(x, HALO_ERR_INVALID, "inputs differ in dimension %d", d);
        dims[axis] += in[k]->dims[axis];
        is_int &= in[k]->is_int;
    }
    struct onnx_tensor *t;
    HALO_TRY(fold_new(x, is_int, r, dims, &t));
    int64_t outer = 1, inner = 1, e = 0;
    for (int d = 0; d < axis; d++) outer *= dims[d];
    for (int d = (int)axis + 1; d < r; d++) inner *= dims[d];
    for (int64_t o = 0; o < outer; o++)
        for (int k = 0; k < n; k++) {
            int64_t chunk = in[k]->dims[axis] * inner;
            for (int64_t j = 0; j < chunk; j++) set(t, e++, in[k], o * chunk + j);
        }
    *out = t;
    return HALO_OK;
}

static enum halo_status f_reshape(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n,
                                  struct onnx_tensor **out)
{
    if (n < 2 || !in[1]) return onnx_node_error(x, HALO_ERR_INVALID, "the shape is missing");
    int64_t want[ONNX_MAX_RANK], allowzero, known = 1;
    int nw, minus = -1;
    HALO_TRY(onnx_attr_int(x, "allowzero", 0, &allowzero));
    HALO_TRY(ints_of(x, in[1], "the shape", ONNX_MAX_RANK, want, &nw));
    for (int d = 0; d < nw; d++) {
        if (want[d] == 0 && !allowzero) {
            if (d >= in[0]->rank) return onnx_node_error(x, HALO_ERR_INVALID, "dim %d copies a dimension that is not there", d);
            want[d] = in[0]->dims[d];
        }
        if (want[d] == -1 && minus < 0) minus = d;
        else if (!onnx_mul_ok(&known, want[d]))
            return onnx_node_error(x, HALO_ERR_INVALID, "the shape has dim %lld", (long long)want[d]);
    }
    if (minus >= 0) want[minus] = known ? in[0]->n / known : 0;
    int64_t prod = 1;
    for (int d = 0; d < nw; d++) prod *= want[d]; /* <= known * n: no overflow */
    if (prod != in[0]->n)
        return onnx_node_error(x, HALO_ERR_INVALID, "reshapes %lld values into %lld", (long long)in[0]->n, (long long)prod);
    return reshaped(x, in[0], nw, want, out);
}

static enum halo_status f_flatten(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n,
                                  struct onnx_tensor **out)
{
    (void)n;
    int64_t axis;
    HALO_TRY(onnx_attr_int(x, "axis", 1, &axis));
    int r = in[0]->rank;
    if (axis < -r || axis > r) return onnx_node_error(x, HALO_ERR_INVALID, "axis %lld is outside rank %d", (long long)axis, r);
    if (axis < 0) axis += r;
    int64_t dims[2] = {1, 1};
    for (int d = 0; d < r; d++) dims[d >= axis] *= in[0]->dims[d];
    return reshaped(x, in[0], 2, dims, out);
}

/* Slice: starts, ends, axes, steps (inputs from opset 10, attributes before). */
static enum halo_status f_slice(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n, struct onnx_tensor **out)
{
    const struct onnx_tensor *d = in[0];
    int r = d->rank, ns = 0, ne = 0, na = 0, nst = 0;
    int64_t starts[ONNX_MAX_RANK], ends[ONNX_MAX_RANK], axes[ONNX_MAX_RANK], steps[ONNX_MAX_RANK];
    if (x->opset < 10) {
        HALO_TRY(ONNX_ATTR_INTS(x, "starts", starts, &ns));
        HALO_TRY(ONNX_ATTR_INTS(x, "ends", ends, &ne));
        HALO_TRY(ONNX_ATTR_INTS(x, "axes", axes, &na));
    } else {
        if (n < 3 || !in[1] || !in[2]) return onnx_node_error(x, HALO_ERR_INVALID, "starts and ends are missing");
        HALO_TRY(ints_of(x, in[1], "starts", ONNX_MAX_RANK, starts, &ns));
        HALO_TRY(ints_of(x, in[2], "ends", ONNX_MAX_RANK, ends, &ne));
        if (n > 3 && in[3]) HALO_TRY(ints_of(x, in[3], "axes", ONNX_MAX_RANK, axes, &na));
        if (n > 4 && in[4]) HALO_TRY(ints_of(x, in[4], "steps", ONNX_MAX_RANK, steps, &nst));
    }
    if (ns != ne || (na && na != ns) || (nst && nst != ns))
        return onnx_node_error(x, HALO_ERR_INVALID, "starts, ends, axes and steps differ in length");
    int64_t lo[ONNX_MAX_RANK], step[ONNX_MAX_RANK], cnt[ONNX_MAX_RANK];
    for (int k = 0; k < r; k++) lo[k] = 0, step[k] = 1, cnt[k] = d->dims[k];
    for (int k = 0; k < ns; k++) {
        int64_t a = na ? axes[k] : k, s = nst ? steps[k] : 1;
        HALO_TRY(axis_in(x, &a, r));
        if (s == 0) return onnx_node_error(x, HALO_ERR_INVALID, "step 0");
        if (s > ONNX_MAX_ELEMS) s = ONNX_MAX_ELEMS; /* longer than any axis: one element either way */
        if (s < -ONNX_MAX_ELEMS) s = -ONNX_MAX_ELEMS;
        int64_t len = d->dims[a], b = starts[k], e = ends[k];
        b = b < -ONNX_MAX_ELEMS ? -ONNX_MAX_ELEMS : (b > ONNX_MAX_ELEMS ? ONNX_MAX_ELEMS : b);
        e = e < -ONNX_MAX_ELEMS ? -ONNX_MAX_ELEMS : (e > ONNX_MAX_ELEMS ? ONNX_MAX_ELEMS : e);
        if (b < 0) b += len;
        if (e < 0) e += len;
        if (s > 0) {
            b = b < 0 ? 0 : (b > len ? len : b);
            e = e < 0 ? 0 : (e > len ? len : e);
            cnt[a] = e > b ? (e - b + s - 1) / s : 0;
        } else {
            b = b < 0 ? -1 : (b > len - 1 ? len - 1 : b);
            e = e < -1 ? -1 : (e > len - 1 ? len - 1 : e);
            cnt[a] = b > e ? (b - e + (-s) - 1) / (-s) : 0;
        }
        lo[a] = b;
        step[a] = s;
    }
    struct onnx_tensor *t;
    HALO_TRY(fold_new(x, d->is_int, r, cnt, &t));
    for (int64_t e = 0; e < t->n; e++) {
        int64_t rem = e, src = 0, stride = 1;
        int64_t idx[ONNX_MAX_RANK];
        for (int k = r - 1; k >= 0; k--) {
            idx[k] = cnt[k] ? rem % cnt[k] : 0;
            rem = cnt[k] ? rem / cnt[k] : 0;
        }
        for (int k = r - 1; k >= 0; k--) {
            src += (lo[k] + idx[k] * step[k]) * stride;
            stride *= d->dims[k];
        }
        set(t, e, d, src);
    }
    *out = t;
    return HALO_OK;
}

/* Add, Sub, Mul, Div with numpy broadcasting; ints stay ints (division truncates). */
static enum halo_status f_arith(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n, struct onnx_tensor **out)
{
    if (n < 2 || !in[1]) return onnx_node_error(x, HALO_ERR_INVALID, "needs two inputs");
    const struct onnx_tensor *a = in[0], *b = in[1];
    int r = a->rank > b->rank ? a->rank : b->rank;
    int64_t dims[ONNX_MAX_RANK], da[ONNX_MAX_RANK], db[ONNX_MAX_RANK];
    for (int k = 0; k < r; k++) {
        da[k] = k - (r - a->rank) >= 0 ? a->dims[k - (r - a->rank)] : 1;
        db[k] = k - (r - b->rank) >= 0 ? b->dims[k - (r - b->rank)] : 1;
        if (da[k] != db[k] && da[k] != 1 && db[k] != 1)
            return onnx_node_error(x, HALO_ERR_INVALID, "shapes do not broadcast in dimension %d", k);
        dims[k] = da[k] == 1 ? db[k] : da[k];
    }
    const char *op = x->node->op_type;
    struct onnx_tensor *t;
    HALO_TRY(fold_new(x, a->is_int && b->is_int, r, dims, &t));
    for (int64_t e = 0; e < t->n; e++) {
        int64_t rem = e, ia = 0, ib = 0, sa = 1, sb = 1;
        for (int k = r - 1; k >= 0; k--) {
            int64_t i = dims[k] ? rem % dims[k] : 0;
            rem = dims[k] ? rem / dims[k] : 0;
            ia += (da[k] == 1 ? 0 : i) * sa;
            ib += (db[k] == 1 ? 0 : i) * sb;
            sa *= da[k];
            sb *= db[k];
        }
        if (t->is_int) {
            int64_t p = a->i[ia], q = b->i[ib], v;
            if (!strcmp(op, "Add")) v = (int64_t)((uint64_t)p + (uint64_t)q);
            else if (!strcmp(op, "Sub")) v = (int64_t)((uint64_t)p - (uint64_t)q);
            else if (!strcmp(op, "Mul")) v = (int64_t)((uint64_t)p * (uint64_t)q);
            else if (q == 0 || (q == -1 && p == INT64_MIN)) {
                onnx_tensor_free(t);
                return onnx_node_error(x, HALO_ERR_INVALID, "integer division by %lld", (long long)q);
            } else v = p / q;
            t->i[e] = v;
        } else {
            double p = onnx_tensor_get(a, ia), q = onnx_tensor_get(b, ib), v;
            if (!strcmp(op, "Add")) v = p + q;
            else if (!strcmp(op, "Sub")) v = p - q;
            else if (!strcmp(op, "Mul")) v = p * q;
            else v = p / q;
            t->f[e] = (float)v;
        }
    }
    *out = t;
    return HALO_OK;
}

static enum halo_status f_constant_of_shape(struct onnx_ctx *x, const struct onnx_tensor *const *in, int n,
                                            struct onnx_tensor **out)
{
    (void)n;
    int64_t dims[ONNX_MAX_RANK];
    int r;
    HALO_TRY(ints_of(x, in[0], "the shape", ONNX_MAX_RANK, dims, &r));
    const Onnx__AttributeProto *a = onnx_attr(x, "value");
    struct onnx_tensor *v = NULL;
    if (a && a->t) HALO_TRY(onnx_tensor_from_proto(x, a->t, &v));
    if (v && v->n != 1) {
        onnx_tensor_free(v);
        return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'value' must hold one value");
    }
    struct onnx_tensor *t;
    enum halo_status st = fold_new(x, v ? v->is_int : false, r, dims, &t);
    if (st != HALO_OK) {
        onnx_tensor_free(v);
        return st;
    }
    for (int64_t e = 0; v && e < t->n; e++) set(t, e, v, 0);
    onnx_tensor_free(v);
    *out = t;
    return HALO_OK;
}

static const struct {
    const char *op;
    folder run;
    const char *const *attrs;
} folders[] = {
    {"Identity", f_identity, (const char *const[]){NULL}},
    {"Cast", f_cast, (const char *const[]){"to", "saturate", NULL}},
    {"Gather", f_gather, (const char *const[]){"axis", NULL}},
    {"Unsqueeze", f_unsqueeze, (const char *const[]){"axes", NULL}},
    {"Squeeze", f_squeeze, (const char *const[]){"axes", NULL}},
    {"Concat", f_concat, (const char *const[]){"axis", NULL}},
    {"Reshape", f_reshape, (const char *const[]){"allowzero", NULL}},
    {"Flatten", f_flatten, (const char *const[]){"axis", NULL}},
    {"Slice", f_slice, (const char *const[]){"starts", "ends", "axes", NULL}},
    {"Add", f_arith, (const char *const[]){NULL}},
    {"Sub", f_arith, (const char *const[]){NULL}},
    {"Mul", f_arith, (const char *const[]){NULL}},
    {"Div", f_arith, (const char *const[]){NULL}},
    {"ConstantOfShape", f_constant_of_shape, (const char *const[]){"value", NULL}},
};

enum halo_status onnx_fold(struct onnx_ctx *x, bool *done)
{
    *done = false;
    const Onnx__NodeProto *nd = x->node;
    int f = -1;
    for (size_t i = 0; i < sizeof folders / sizeof folders[0] && f < 0; i++)
        if (!strcmp(nd->op_type, folders[i].op)) f = (int)i;
    if (f < 0) return HALO_OK;
    int n = (int)nd->n_input;
    if (n < 1 || n > 16) return HALO_OK; /* not a fold: the op's own import reports it */
    const struct onnx_tensor *in[16] = {NULL};
    if (!nd->input[0] || !*nd->input[0]) return HALO_OK;
    for (int k = 0; k < n; k++) {
        if (!nd->input[k] || !*nd->input[k]) continue; /* an optional input left out */
        struct onnx_value *v = onnx_input(x, k);
        if (!v || v->kind != ONNX_VALUE_CONST) return HALO_OK;
    }
    for (int k = 0; k < n; k++)
        if (nd->input[k] && *nd->input[k]) HALO_TRY(onnx_input_const(x, k, "a constant", false, &in[k]));
    HALO_TRY(onnx_attrs_known(x, folders[f].attrs));
    struct onnx_tensor *t = NULL;
    HALO_TRY(folders[f].run(x, in, n, &t));
    *done = true;
    return onnx_set_const(x, 0, t);
}
