/* onnx_ops_shape: the ONNX ops that change a tensor's shape or join tensors — Flatten, Reshape,
 * Squeeze/Unsqueeze, Identity, Dropout, the classifier's Gemm and MatMul, Concat — Shape and
 * Constant, and the table every op is dispatched from (after onnx_fold.c had its turn). */
#include "core/alloc.h"
#include "core/limits.h"
#include "model/onnx_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shapes: flatten, reshape, squeeze, unsqueeze, identity, dropout --------------------------- */

/* A halo flatten of a 4-D map (features c*h*w, known when the map is 1 x 1). */
static enum halo_status add_flatten(struct onnx_ctx *x, const struct onnx_value *in)
{
    struct onnx_value s = *in;
    char *name = onnx_node_name(x, "");
    if (!name) return HALO_ERR_NOMEM;
    int node = halo_graph_flatten(x->g, name, s.producer);
    free(name);
    HALO_TRY(onnx_check_oom(x));
    HALO_TRY(onnx_add_weights(x, NULL, NULL, NULL, NULL));
    return onnx_set_tensor(x, 0, node, true, -1, false);
}

static enum halo_status op_flatten(struct onnx_ctx *x)
{
    static const char *const known[] = {"axis", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    struct onnx_value *in;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    int64_t axis;
    HALO_TRY(onnx_attr_int(x, "axis", 1, &axis));
    int r = in->flat ? 2 : 4;
    if (axis < 0) axis += r;
    if (axis != 0 && axis != 1) /* with a batch of 1 both give [1, rest] */
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'axis': only [1, features] (axis 1) is supported");
    if (in->flat) {
        struct onnx_value s = *in;
        return onnx_set_alias(x, 0, &s, true, false);
    }
    return add_flatten(x, in);
}

static enum halo_status op_reshape(struct onnx_ctx *x)
{
    static const char *const known[] = {"allowzero", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    struct onnx_value *in;
    const struct onnx_tensor *t;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    HALO_TRY(onnx_input_const(x, 1, "the shape", false, &t));
    int64_t allowzero;
    HALO_TRY(onnx_attr_int(x, "allowzero", 0, &allowzero));
    if (t->rank != 1 || t->n < 1 || t->n > 4)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "the shape must list 1 to 4 dims");
    int64_t dims[4], want[4], total = 1, known_prod = 1;
    int rank, minus = -1;
    HALO_TRY(onnx_tensor_shape(x, in, dims, &rank));
    for (int d = 0; d < rank; d++)
        if (!onnx_mul_ok(&total, dims[d]))
            return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "input '%s' has more than %lld elements", in->name,
                                   (long long)ONNX_MAX_ELEMS);
    int n = (int)t->n;
    for (int d = 0; d < n; d++) {
        want[d] = onnx_tensor_get_int(t, d);
        if (want[d] == 0 && !allowzero) want[d] = d < rank ? dims[d] : 0;
        if (want[d] == -1 && minus < 0) minus = d;
        else if (!onnx_mul_ok(&known_prod, want[d]))
            return onnx_node_error(x, HALO_ERR_INVALID, "the shape has dim %lld", (long long)want[d]);
    }
    if (minus >= 0) want[minus] = known_prod ? total / known_prod : 0;
    int64_t prod = 1;
    for (int d = 0; d < n; d++) prod *= want[d];
    if (prod != total)
        return onnx_node_error(x, HALO_ERR_INVALID, "reshapes %lld elements into %lld", (long long)total, (long long)prod);
    struct onnx_value s = *in;
    if (n == 2 && want[0] == 1) { /* [1, features]: a flatten */
        if (s.flat) return onnx_set_alias(x, 0, &s, true, false);
        return add_flatten(x, &s);
    }
    if (n == 4 && want[0] == 1 && want[2] == 1 && want[3] == 1 && s.flat) /* [1, K, 1, 1]: back to a map */
        return onnx_set_alias(x, 0, &s, false, true);
    if (n == rank && !memcmp(want, dims, sizeof(int64_t) * (size_t)n)) return onnx_set_alias(x, 0, &s, s.flat, s.global);
    char shape[96] = "";
    for (int d = 0; d < n; d++)
        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", d ? "," : "", (long long)want[d]);
    return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                           "reshape to [%s]: halo reshapes only to [1, features] before a classifier (or leaves the "
                           "shape as it is)",
                           shape);
}

/* The axes of a Squeeze or Unsqueeze: an attribute before opset 13, an input after. */
static enum halo_status axes_of(struct onnx_ctx *x, int64_t *axes, int *n)
{
    if (onnx_attr(x, "axes")) return onnx_attr_ints(x, "axes", ONNX_MAX_RANK, axes, n);
    const struct onnx_tensor *t;
    HALO_TRY(onnx_input_const(x, 1, "the axes", true, &t));
    *n = 0;
    if (!t) return HALO_OK;
    if (t->n > ONNX_MAX_RANK) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "more than %d axes", ONNX_MAX_RANK);
    for (int64_t e = 0; e < t->n; e++) axes[e] = onnx_tensor_get_int(t, e);
    *n = (int)t->n;
    return HALO_OK;
}

/* True when axes (of rank r, negatives counted from the end) are exactly {2, 3}. */
static bool axes_are_hw(const int64_t *axes, int n, int r)
{
    bool seen[2] = {false, false};
    for (int i = 0; i < n; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
        if (a != 2 && a != 3) return false;
        seen[a - 2] = true;
    }
    return n == 2 && seen[0] && seen[1];
}

static enum halo_status op_squeeze(struct onnx_ctx *x)
{
    static const char *const known[] = {"axes", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    struct onnx_value *in;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    int64_t axes[ONNX_MAX_RANK];
    int n;
    HALO_TRY(axes_of(x, axes, &n));
    bool squeeze = !strcmp(x->node->op_type, "Squeeze");
    struct onnx_value s = *in;
    /* Squeeze [1,C,1,1] -> [1,C] and Unsqueeze [1,C] -> [1,C,1,1] around a channel attention's FC layers */
    if (squeeze && !s.flat && s.global && axes_are_hw(axes, n, 4)) return onnx_set_alias(x, 0, &s, true, false);
    if (!squeeze && s.flat && axes_are_hw(axes, n, 4)) return onnx_set_alias(x, 0, &s, false, true);
    return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                           "of a feature map: only [1,C,1,1] <-> [1,C] (axes 2 and 3 of a globally pooled map) is supported");
}

static enum halo_status op_identity(struct onnx_ctx *x)
{
    static const char *const none[] = {NULL};
    HALO_TRY(onnx_attrs_known(x, none));
    struct onnx_value *in;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    struct onnx_value s = *in;
    return onnx_set_alias(x, 0, &s, s.flat, s.global);
}

static enum halo_status op_dropout(struct onnx_ctx *x)
{
    static const char *const known[] = {"ratio", "seed", "is_test", "consumed_inputs", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    int64_t is_test;
    HALO_TRY(onnx_attr_int(x, "is_test", 1, &is_test));
    const struct onnx_tensor *mode;
    HALO_TRY(onnx_input_const(x, 2, "training_mode", true, &mode));
    if (!is_test || (mode && mode->n == 1 && onnx_tensor_get(mode, 0) != 0))
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "in training mode: halo runs inference (dropout is the identity)");
    HALO_TRY(onnx_outputs_unused(x, 1));
    struct onnx_value *in;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    struct onnx_value s = *in;
    return onnx_set_alias(x, 0, &s, s.flat, s.global);
}

/* ---- classifier: Gemm, MatMul ------------------------------------------------------------------ */

/* A linear layer over flat input `in` with weight [out][in] and bias (taken over; NULL when the
 * import keeps no weights). */
static enum halo_status add_linear(struct onnx_ctx *x, const struct onnx_value *in, const char *wname, int K, int N,
                                   float *wt, float *bias, bool has_bias)
{
    char *name = onnx_weight_name(x, wname);
    if (!name) {
        free(wt);
        free(bias);
        return HALO_ERR_NOMEM;
    }
    struct onnx_value s = *in;
    int node = halo_graph_linear(x->g, name, s.producer, K, N, has_bias);
    free(name);
    if (onnx_check_oom(x) != HALO_OK) {
        free(wt);
        free(bias);
        return HALO_ERR_NOMEM;
    }
    HALO_TRY(onnx_add_weights(x, wt, bias, NULL, NULL));
    return onnx_set_tensor(x, 0, node, true, N, false);
}

static enum halo_status linear_input(struct onnx_ctx *x, struct onnx_value **in, int K)
{
    HALO_TRY(onnx_input_tensor(x, 0, in));
    if (!(*in)->flat)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "input '%s' is N x C x H x W; halo's classifier reads [1, features] "
                               "(flatten first)", (*in)->name);
    if ((*in)->c > 0 && (*in)->c != K)
        return onnx_node_error(x, HALO_ERR_INVALID, "input '%s' has %d features, the weight wants %d", (*in)->name,
                               (*in)->c, K);
    return HALO_OK;
}

static enum halo_status gemm_from(struct onnx_ctx *x, const struct onnx_tensor *B, const struct onnx_tensor *C,
                                  bool tb, float alpha, float beta)
{
    if (B->rank != 2 || B->dims[0] < 1 || B->dims[1] < 1 || B->dims[0] > (1 << 24) || B->dims[1] > (1 << 24))
        return onnx_node_error(x, HALO_ERR_INVALID, "the weight B must be a matrix");
    int K = (int)(tb ? B->dims[1] : B->dims[0]), N = (int)(tb ? B->dims[0] : B->dims[1]);
    struct onnx_value *in;
    HALO_TRY(linear_input(x, &in, K));
    if (C && !(C->n == 1 || (C->n == N && (C->rank == 1 || (C->rank == 2 && C->dims[0] == 1)))))
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "the bias C must be one value or [N] / [1, N] (N = %d)", N);
    bool bias = C && beta != 0;
    float *wt = NULL, *b = NULL;
    if (x->want_weights) { /* halo's [out][in], alpha folded in (B and C hold their values) */
        wt = halo_malloc((size_t)K * (size_t)N, sizeof *wt);
        b = bias ? halo_malloc((size_t)N, sizeof *b) : NULL;
        if (!wt || (bias && !b)) {
            free(wt);
            free(b);
            return HALO_ERR_NOMEM;
        }
        for (int o = 0; o < N; o++)
            for (int i = 0; i < K; i++) wt[(size_t)o * K + i] = alpha * B->f[tb ? (size_t)o * K + i : (size_t)i * N + o];
        for (int o = 0; b && o < N; o++) b[o] = beta * C->f[C->n == 1 ? 0 : o];
    }
    return add_linear(x, in, onnx_input_name(x, 1), K, N, wt, b, bias);
}

static enum halo_status op_gemm(struct onnx_ctx *x)
{
    static const char *const known[] = {"alpha", "beta", "transA", "transB", "broadcast", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    int64_t ta, tb;
    float alpha, beta;
    HALO_TRY(onnx_attr_int(x, "transA", 0, &ta));
    HALO_TRY(onnx_attr_int(x, "transB", 0, &tb));
    HALO_TRY(onnx_attr_float(x, "alpha", 1.0f, &alpha));
    HALO_TRY(onnx_attr_float(x, "beta", 1.0f, &beta));
    if (ta) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'transA': halo's classifier reads A as [1, features]");
    struct onnx_tensor *B = NULL, *C = NULL;
    enum halo_status st = onnx_input_weight(x, 1, "the weight B", false, &B);
    if (st == HALO_OK) st = onnx_input_weight(x, 2, "the bias C", true, &C);
    if (st == HALO_OK) st = gemm_from(x, B, C, tb != 0, alpha, beta);
    onnx_tensor_free(B);
    onnx_tensor_free(C);
    return st;
}

static enum halo_status op_matmul(struct onnx_ctx *x)
{
    static const char *const none[] = {NULL};
    HALO_TRY(onnx_attrs_known(x, none));
    struct onnx_tensor *B = NULL;
    enum halo_status st = onnx_input_weight(x, 1, "the weight B", false, &B);
    if (st == HALO_OK && (B->rank != 2 || B->dims[0] < 1 || B->dims[1] < 1 || B->dims[0] > (1 << 24) ||
                          B->dims[1] > (1 << 24)))
        st = onnx_node_error(x, HALO_ERR_UNSUPPORTED, "the weight B must be a constant matrix [K, N]");
    if (st == HALO_OK) st = gemm_from(x, B, NULL, false, 1.0f, 0.0f);
    onnx_tensor_free(B);
    return st;
}

/* ---- Concat ------------------------------------------------------------------------------------- */

static enum halo_status op_concat(struct onnx_ctx *x)
{
    static const char *const known[] = {"axis", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    int n = (int)x->node->n_input;
    if (n < 1) return onnx_node_error(x, HALO_ERR_INVALID, "has no input");
    struct onnx_value *first;
    HALO_TRY(onnx_input_tensor(x, 0, &first));
    struct onnx_value v0 = *first;
    int64_t axis;
    if (!onnx_attr(x, "axis") && x->opset >= 4) return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'axis' is missing");
    HALO_TRY(onnx_attr_int(x, "axis", 1, &axis));
    int r = v0.flat ? 2 : 4;
    if (axis < 0) axis += r;
    if (axis != 1)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'axis': %lld; halo concatenates channels (axis 1)",
                               (long long)axis);
    int cur = v0.producer, c = v0.c;
    bool global = v0.global;
    if (n == 1) return onnx_set_alias(x, 0, &v0, v0.flat, v0.global);
    char *base = onnx_node_name(x, "");
    if (!base) return HALO_ERR_NOMEM;
    enum halo_status st = HALO_OK;
    for (int k = 1; k < n && st == HALO_OK; k++) {
        struct onnx_value *v;
        if ((st = onnx_input_tensor(x, k, &v)) != HALO_OK) break;
        if (v->flat != v0.flat) {
            st = onnx_node_error(x, HALO_ERR_UNSUPPORTED, "of 2-D and 4-D tensors");
            break;
        }
        if (c < 1 || v->c < 1) {
            st = onnx_node_error(x, HALO_ERR_UNSUPPORTED, "input '%s' has features that depend on the input size",
                                 c < 1 ? v0.name : v->name);
            break;
        }
        /* more than two inputs: a chain of two-input concats, named NAME, NAME.1, NAME.2, ... */
        char want[300];
        if (k == 1) snprintf(want, sizeof want, "%s", base);
        else snprintf(want, sizeof want, "%s.%d", base, k - 1);
        char *name = onnx_node_name(x, want);
        if (!name) {
            st = HALO_ERR_NOMEM;
            break;
        }
        int vp = v->producer, vc = v->c;
        if (vc > HALO_TENSOR_DIM_MAX - c) {
            free(name);
            st = onnx_node_error(x, HALO_ERR_UNSUPPORTED, "more than %d channels", HALO_TENSOR_DIM_MAX);
            break;
        }
        global = global && v->global;
        cur = halo_graph_concat(x->g, name, cur, vp);
        free(name);
        if ((st = onnx_check_oom(x)) == HALO_OK) st = onnx_add_weights(x, NULL, NULL, NULL, NULL);
        c += vc;
    }
    free(base);
    HALO_TRY(st);
    return onnx_set_tensor(x, 0, cur, v0.flat, c, global);
}

/* ---- Shape and Constant ------------------------------------------------------------------------- */

static enum halo_status op_shape(struct onnx_ctx *x)
{
    static const char *const known[] = {"start", "end", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    struct onnx_value *in;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    int64_t dims[4], start, end;
    int rank;
    HALO_TRY(onnx_tensor_shape(x, in, dims, &rank));
    HALO_TRY(onnx_attr_int(x, "start", 0, &start));
    HALO_TRY(onnx_attr_int(x, "end", rank, &end));
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = start < 0 ? 0 : (start > rank ? rank : start);
    end = end < start ? start : (end > rank ? rank : end);
    int64_t n = end - start;
    struct onnx_tensor *t = onnx_tensor_new(true, 1, &n);
    if (!t) return HALO_ERR_NOMEM;
    for (int64_t e = 0; e < n; e++) t->i[e] = dims[start + e];
    return onnx_set_const(x, 0, t);
}

static enum halo_status op_constant(struct onnx_ctx *x)
{
    static const char *const known[] = {"value", "value_float", "value_floats", "value_int", "value_ints", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    const Onnx__AttributeProto *a = NULL;
    for (int k = 0; known[k] && !a; k++) a = onnx_attr(x, known[k]);
    if (!a || x->node->n_attribute != 1)
        return onnx_node_error(x, HALO_ERR_INVALID, "needs exactly one of value, value_float(s), value_int(s)");
    struct onnx_tensor *t = NULL;
    if (!strcmp(a->name, "value")) {
        if (!a->t) return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'value': no tensor");
        HALO_TRY(onnx_tensor_from_proto(x, a->t, &t));
    } else {
        bool is_int = strstr(a->name, "int") != NULL, many = a->name[strlen(a->name) - 1] == 's';
        int64_t n = many ? (int64_t)(is_int ? a->n_ints : a->n_floats) : 1;
        t = onnx_tensor_new(is_int, many ? 1 : 0, &n);
        if (!t) return HALO_ERR_NOMEM;
        for (int64_t e = 0; e < n; e++) {
            if (is_int) t->i[e] = many ? a->ints[e] : a->i;
            else t->f[e] = many ? a->floats[e] : a->f;
        }
    }
    return onnx_set_const(x, 0, t);
}

/* ---- dispatch ----------------------------------------------------------------------------------- */

struct op_entry {
    const char *name;
    enum halo_status (*run)(struct onnx_ctx *x);
};

static const struct op_entry ops[] = {
    {"Conv", onnx_op_conv},
    {"BatchNormalization", onnx_op_batchnorm},
    {"Relu", onnx_op_activation},
    {"Sigmoid", onnx_op_activation},
    {"HardSwish", onnx_op_activation},
    {"HardSigmoid", onnx_op_activation},
    {"LeakyRelu", onnx_op_activation},
    {"Clip", onnx_op_clip},
    {"MaxPool", onnx_op_pool},
    {"AveragePool", onnx_op_pool},
    {"GlobalAveragePool", onnx_op_global_avgpool},
    {"Flatten", op_flatten},
    {"Reshape", op_reshape},
    {"Squeeze", op_squeeze},
    {"Unsqueeze", op_squeeze},
    {"Gemm", op_gemm},
    {"MatMul", op_matmul},
    {"Add", onnx_op_binary},
    {"Sub", onnx_op_binary},
    {"Mul", onnx_op_binary},
    {"Div", onnx_op_binary},
    {"Concat", op_concat},
    {"Identity", op_identity},
    {"Dropout", op_dropout},
    {"Shape", op_shape},
    {"Constant", op_constant},
};

enum halo_status onnx_import_node(struct onnx_ctx *x)
{
    const char *op = x->node->op_type;
    if (strcmp(op, "Shape") && strcmp(op, "Constant")) {
        bool done = false;
        HALO_TRY(onnx_fold(x, &done));
        if (done) return HALO_OK;
    }
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(op, ops[i].name)) return ops[i].run(x);
    return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                           "op %s is not supported (halo imports Conv, BatchNormalization, Relu, Clip, LeakyRelu, "
                           "Sigmoid, HardSigmoid, HardSwish, Mul, Add, MaxPool, AveragePool, GlobalAveragePool, "
                           "Flatten, Reshape, Gemm, MatMul, Concat, Identity, Dropout and constant shape arithmetic)",
                           op);
}
