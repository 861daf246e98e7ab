/* onnx_ops: ONNX's layers as halo's nodes — Conv, BatchNormalization, element-wise ops with
 * another tensor or a constant, activations, pooling. Each op checks its inputs (which must be
 * computed, which constant), its attributes (an unknown one, or a value halo cannot honour, is an
 * error naming it) and adds the nodes and weights that compute exactly what the op defines. */
#include "core/alloc.h"
#include "model/onnx_internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM_MAX 65536 /* channels, kernels, strides and pads beyond this are refused as absurd */

/* ---- helpers ----------------------------------------------------------------------------------- */

char *onnx_weight_name(struct onnx_ctx *x, const char *wname)
{
    char want[256] = "";
    size_t n = wname ? strlen(wname) : 0;
    if (n > 7 && n - 7 < sizeof want && !strcmp(wname + n - 7, ".weight")) {
        memcpy(want, wname, n - 7);
        want[n - 7] = '\0';
    }
    return onnx_node_name(x, want);
}

const char *onnx_input_name(struct onnx_ctx *x, int k)
{
    return (size_t)k < x->node->n_input && x->node->input[k] ? x->node->input[k] : "";
}

enum halo_status onnx_check_oom(struct onnx_ctx *x)
{
    return x->g->oom ? halo_error(HALO_ERR_NOMEM, "%s: out of memory building the graph", x->file) : HALO_OK;
}

/* A 4-D feature map input (not flat). */
static enum halo_status input_map(struct onnx_ctx *x, int k, struct onnx_value **v)
{
    HALO_TRY(onnx_input_tensor(x, k, v));
    if ((*v)->flat)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                               "input '%s' is 2-D (after a flatten or a linear layer); this op needs N x C x H x W",
                               (*v)->name);
    return HALO_OK;
}

/* ---- windows: kernel, strides, pads, dilations, auto_pad -------------------------------------- */

struct window_opts {
    bool pool;    /* pads must stay shorter than the window */
    bool dil_ok;  /* dilations allowed */
};

static enum halo_status pair_attr(struct onnx_ctx *x, const char *name, int64_t def, int64_t lo, int64_t out[2])
{
    int64_t v[4];
    int n;
    HALO_TRY(ONNX_ATTR_INTS(x, name, v, &n));
    out[0] = out[1] = def;
    if (n == 0) return HALO_OK;
    if (n != 2)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute '%s': %d values; halo computes 2-D windows (2 values)",
                               name, n);
    for (int i = 0; i < 2; i++) {
        if (v[i] < lo || v[i] > DIM_MAX)
            return onnx_node_error(x, HALO_ERR_INVALID, "attribute '%s': %lld is out of range [%lld, %d]", name,
                                   (long long)v[i], (long long)lo, DIM_MAX);
        out[i] = v[i];
    }
    return HALO_OK;
}

static enum halo_status window_attrs(struct onnx_ctx *x, int kh, int kw, struct window_opts o, struct halo_window *w,
                                     int *same)
{
    int64_t s[2], d[2], p[8]; /* up to 4-D windows' pads are read, to be refused below */
    int np;
    HALO_TRY(pair_attr(x, "strides", 1, 1, s));
    HALO_TRY(pair_attr(x, "dilations", 1, 1, d));
    if (!o.dil_ok && (d[0] != 1 || d[1] != 1))
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'dilations': %lldx%lld; halo's %s has no dilation",
                               (long long)d[0], (long long)d[1], "average pooling");
    HALO_TRY(ONNX_ATTR_INTS(x, "pads", p, &np));
    if (np != 0 && np != 4)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'pads': %d values; halo computes 2-D windows (4 values)",
                               np);
    for (int i = 0; i < np; i++)
        if (p[i] < 0 || p[i] > DIM_MAX)
            return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'pads': %lld; halo pads with 0 to %d zeros",
                                   (long long)p[i], DIM_MAX);
    if (np == 0) p[0] = p[1] = p[2] = p[3] = 0;
    char buf[32];
    const char *ap;
    HALO_TRY(onnx_attr_string(x, "auto_pad", "NOTSET", buf, sizeof buf, &ap));
    *same = 0;
    if (!strcmp(ap, "SAME_UPPER")) *same = 1;
    else if (!strcmp(ap, "SAME_LOWER")) *same = 2;
    else if (!strcmp(ap, "VALID")) p[0] = p[1] = p[2] = p[3] = 0;
    else if (strcmp(ap, "NOTSET"))
        return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'auto_pad': '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID",
                               ap);
    if (*same) p[0] = p[1] = p[2] = p[3] = 0; /* computed per input size */
    int64_t eh = d[0] * (kh - 1) + 1, ew = d[1] * (kw - 1) + 1; /* the window's extent, dilated */
    if (eh > DIM_MAX || ew > DIM_MAX)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'dilations': a %dx%d window dilated %lldx%lld spans "
                               "%lldx%lld pixels, more than %d", kh, kw, (long long)d[0], (long long)d[1], (long long)eh,
                               (long long)ew, DIM_MAX);
    *w = (struct halo_window){kh, kw, (int)s[0], (int)s[1], (int)p[0], (int)p[1], (int)d[0], (int)d[1],
                              (int)(p[2] - p[0]), (int)(p[3] - p[1])};
    if (o.pool) {
        if (p[0] >= eh || p[2] >= eh || p[1] >= ew || p[3] >= ew)
            return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                                   "attribute 'pads': padding of %lld,%lld,%lld,%lld reaches a %lldx%lld window: windows "
                                   "wholly in the padding",
                                   (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3], (long long)eh,
                                   (long long)ew);
    }
    return HALO_OK;
}

static bool window_keeps_1x1(const struct halo_window *w, int same)
{
    return w->kh == 1 && w->kw == 1 && !w->ph && !w->pw && !w->eh && !w->ew && !same;
}

/* ---- Conv -------------------------------------------------------------------------------------- */

/* The values of a weight, taken over (NULL when the import keeps no weights). */
static float *steal(struct onnx_tensor *t)
{
    if (!t) return NULL;
    float *f = t->f;
    t->f = NULL;
    return f;
}

static enum halo_status conv_from(struct onnx_ctx *x, const struct onnx_value *in, struct onnx_tensor *W,
                                  struct onnx_tensor *B)
{
    if (W->rank != 4)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                               "the weight has rank %d; halo computes 2-D convolutions (weight M x C/group x kH x kW)",
                               W->rank);
    for (int d = 0; d < 4; d++)
        if (W->dims[d] < 1 || W->dims[d] > DIM_MAX)
            return onnx_node_error(x, HALO_ERR_INVALID, "the weight's dims[%d] is %lld", d, (long long)W->dims[d]);
    int64_t group;
    HALO_TRY(onnx_attr_int(x, "group", 1, &group));
    int M = (int)W->dims[0], cg = (int)W->dims[1], kh = (int)W->dims[2], kw = (int)W->dims[3];
    if (group < 1 || group > DIM_MAX || M % group)
        return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'group': %lld does not divide the %d output channels",
                               (long long)group, M);
    int64_t ks[4];
    int nk;
    HALO_TRY(ONNX_ATTR_INTS(x, "kernel_shape", ks, &nk));
    if (nk && (nk != 2 || ks[0] != kh || ks[1] != kw))
        return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'kernel_shape' disagrees with the weight's %dx%d", kh, kw);
    int cin = cg * (int)group;
    if (in->c != cin)
        return onnx_node_error(x, HALO_ERR_INVALID, "reads %d channels, its weight wants %d (%d per group, %lld groups)",
                               in->c, cin, cg, (long long)group);
    if (B && (B->rank != 1 || B->dims[0] != M))
        return onnx_node_error(x, HALO_ERR_INVALID, "the bias must be a vector of %d values", M);
    struct halo_window w;
    int same;
    HALO_TRY(window_attrs(x, kh, kw, (struct window_opts){false, true}, &w, &same));
    char *name = onnx_weight_name(x, onnx_input_name(x, 1));
    if (!name) return HALO_ERR_NOMEM;
    struct onnx_value s = *in;
    int node = halo_graph_conv2(x->g, name, s.producer, cin, M, w, (int)group, B != NULL);
    free(name);
    HALO_TRY(onnx_check_oom(x));
    x->g->nodes[node].same_pad = same;
    HALO_TRY(onnx_add_weights(x, steal(W), steal(B), NULL, NULL));
    return onnx_set_tensor(x, 0, node, false, M, s.global && window_keeps_1x1(&w, same));
}

enum halo_status onnx_op_conv(struct onnx_ctx *x)
{
    static const char *const known[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    struct onnx_value *in;
    HALO_TRY(input_map(x, 0, &in));
    struct onnx_tensor *W = NULL, *B = NULL;
    enum halo_status st = onnx_input_weight(x, 1, "the weight", false, &W);
    if (st == HALO_OK) st = onnx_input_weight(x, 2, "the bias", true, &B);
    if (st == HALO_OK) st = conv_from(x, in, W, B);
    onnx_tensor_free(W);
    onnx_tensor_free(B);
    return st;
}

/* ---- BatchNormalization and constant affine maps ------------------------------------------------ */

static enum halo_status vector_of(struct onnx_ctx *x, const struct onnx_tensor *t, int c, const char *what)
{
    if (t->rank != 1 || t->dims[0] != c)
        return onnx_node_error(x, HALO_ERR_INVALID, "%s must be a vector of %d values (the channels)", what, c);
    return HALO_OK;
}

/* A batchnorm node over `in` (c channels) with the given eps and parameters (taken over). */
static enum halo_status add_bn(struct onnx_ctx *x, const char *want, const struct onnx_value *in, float eps,
                               float *gamma, float *beta, float *mean, float *var)
{
    char *name = onnx_node_name(x, want);
    int node = name ? halo_graph_bn(x->g, name, in->producer, in->c) : -1;
    free(name);
    if (!name || onnx_check_oom(x) != HALO_OK) {
        free(gamma);
        free(beta);
        free(mean);
        free(var);
        return HALO_ERR_NOMEM;
    }
    x->g->nodes[node].eps = eps;
    HALO_TRY(onnx_add_weights(x, gamma, beta, mean, var));
    return onnx_set_tensor(x, 0, node, in->flat, in->c, in->global);
}

enum halo_status onnx_op_batchnorm(struct onnx_ctx *x)
{
    static const char *const known[] = {"epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs",
                                        NULL};
    HALO_TRY(onnx_attrs_known(x, known));
    struct onnx_value *in;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    int64_t training, spatial;
    float eps;
    HALO_TRY(onnx_attr_int(x, "training_mode", 0, &training));
    HALO_TRY(onnx_attr_int(x, "spatial", 1, &spatial));
    HALO_TRY(onnx_attr_float(x, "epsilon", 1e-5f, &eps));
    if (training) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'training_mode': halo runs inference");
    if (!spatial) return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'spatial': 0 (per element) is not supported");
    if (!(eps >= 0) || !isfinite(eps)) return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'epsilon': must be >= 0");
    HALO_TRY(onnx_outputs_unused(x, 1));
    if (in->c < 1)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "input '%s' has features that depend on the input size", in->name);
    struct onnx_tensor *t[4] = {NULL, NULL, NULL, NULL};
    static const char *const what[4] = {"the scale", "the bias", "the mean", "the variance"};
    enum halo_status st = HALO_OK;
    for (int k = 0; k < 4 && st == HALO_OK; k++) {
        st = onnx_input_weight(x, k + 1, what[k], false, &t[k]);
        if (st == HALO_OK) st = vector_of(x, t[k], in->c, what[k]);
    }
    for (int64_t e = 0; st == HALO_OK && t[3]->f && e < t[3]->n; e++)
        if (!(t[3]->f[e] + eps > 0))
            st = onnx_node_error(x, HALO_ERR_INVALID, "the variance plus epsilon must be > 0 (channel %lld)", (long long)e);
    if (st == HALO_OK) {
        char want[256] = "";
        const char *sname = onnx_input_name(x, 1);
        size_t n = strlen(sname);
        if (n > 7 && n - 7 < sizeof want && !strcmp(sname + n - 7, ".weight")) memcpy(want, sname, n - 7);
        st = add_bn(x, want, in, eps, steal(t[0]), steal(t[1]), steal(t[2]), steal(t[3]));
    }
    for (int k = 0; k < 4; k++) onnx_tensor_free(t[k]);
    return st;
}

/* How constant `t` broadcasts over tensor v (ONNX's numpy rules): one value, or one per channel
 * (4-D: [C,1,1] or [1,C,1,1]; flat: [K] or [1,K]). Anything else halo cannot map. */
static enum halo_status per_channel(struct onnx_ctx *x, const struct onnx_value *v, const struct onnx_tensor *t,
                                    bool *scalar)
{
    int r = v->flat ? 2 : 4;
    bool ok = t->rank <= r;
    *scalar = true;
    for (int d = 0; ok && d < t->rank; d++) {
        int axis = r - t->rank + d;
        int64_t n = t->dims[d];
        if (n == 1) continue;
        if (axis == 1 && v->c > 0 && n == v->c) *scalar = false;
        else ok = false;
    }
    if (!ok) {
        char dims[128] = "";
        for (int d = 0; d < t->rank; d++)
            snprintf(dims + strlen(dims), sizeof dims - strlen(dims), "%s%lld", d ? "," : "", (long long)t->dims[d]);
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                               "a constant of shape [%s] broadcast over '%s': halo maps only one value or one per channel",
                               dims, v->name);
    }
    return HALO_OK;
}

/* x + c into the bias of the conv or linear layer that computes x, when nothing else reads x. */
static bool fold_into_bias(struct onnx_ctx *x, const struct onnx_value *v, const struct onnx_tensor *t, bool scalar,
                           float sign)
{
    if (!v->direct || v->uses != 1 || v->producer < 0) return false;
    struct halo_node *n = &x->g->nodes[v->producer];
    if (n->op != HALO_OP_CONV && n->op != HALO_OP_LINEAR) return false;
    struct halo_node_weights *w = &x->nw[v->producer];
    if (!w->bias) {
        w->bias = halo_calloc((size_t)n->cout, sizeof *w->bias);
        if (!w->bias) return false;
        n->bias = true;
    }
    for (int c = 0; c < n->cout; c++) w->bias[c] += sign * (float)onnx_tensor_get(t, scalar ? 0 : c);
    return true;
}

/* x op c or c op x for a constant c (one value or one per channel): a batchnorm node with mean
 * 0, variance 1 and epsilon 0, which computes x * gamma + beta exactly; an addition right after a
 * conv or linear layer goes into its bias instead. */
static enum halo_status op_affine(struct onnx_ctx *x, struct onnx_value *v, const struct onnx_tensor *t, bool c_first)
{
    const char *op = x->node->op_type;
    bool scalar;
    HALO_TRY(per_channel(x, v, t, &scalar));
    bool add = !strcmp(op, "Add"), sub = !strcmp(op, "Sub"), mul = !strcmp(op, "Mul");
    if (!strcmp(op, "Div") && c_first)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "a constant divided by a feature map is not supported");
    if ((add || (sub && !c_first)) && fold_into_bias(x, v, t, scalar, sub ? -1.0f : 1.0f)) {
        struct onnx_value s = *v;
        return onnx_set_alias(x, 0, &s, s.flat, s.global);
    }
    if (v->c < 1)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "input '%s' has features that depend on the input size", v->name);
    int c = v->c;
    float *g = halo_malloc((size_t)c, sizeof *g), *b = halo_malloc((size_t)c, sizeof *b);
    float *m = halo_calloc((size_t)c, sizeof *m), *var = halo_malloc((size_t)c, sizeof *var);
    if (!g || !b || !m || !var) {
        free(g);
        free(b);
        free(m);
        free(var);
        return HALO_ERR_NOMEM;
    }
    for (int k = 0; k < c; k++) {
        float val = (float)onnx_tensor_get(t, scalar ? 0 : k);
        var[k] = 1.0f;
        g[k] = 1.0f;
        b[k] = 0.0f;
        if (add) b[k] = val;
        else if (sub && !c_first) b[k] = -val;
        else if (sub) g[k] = -1.0f, b[k] = val;
        else if (mul) g[k] = val;
        else g[k] = 1.0f / val; /* x / c */
    }
    struct onnx_value s = *v;
    return add_bn(x, "", &s, 0.0f, g, b, m, var);
}

/* ---- element-wise binary ops ------------------------------------------------------------------- */

enum halo_status onnx_op_binary(struct onnx_ctx *x)
{
    static const char *const known[] = {NULL};
    static const char *const legacy[] = {"broadcast", "axis", "consumed_inputs", NULL};
    HALO_TRY(onnx_attrs_known(x, x->opset < 7 ? legacy : known));
    if (x->opset < 7 && onnx_attr(x, "axis"))
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'axis': legacy broadcasting is not supported");
    struct onnx_value *a = onnx_input(x, 0), *b = onnx_input(x, 1);
    if (!a || !b) return onnx_node_error(x, HALO_ERR_INVALID, "needs two inputs");
    const char *op = x->node->op_type;
    if (a->kind == ONNX_VALUE_TENSOR && b->kind == ONNX_VALUE_TENSOR) {
        bool mul = !strcmp(op, "Mul");
        if (!mul && strcmp(op, "Add"))
            return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "of two feature maps is not supported (Add and Mul are)");
        if (a->flat != b->flat)
            return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "of a 2-D and a 4-D tensor is not supported");
        if (mul && a->global && !b->global) { /* the gate second: x * s */
            struct onnx_value *t = a;
            a = b;
            b = t;
        }
        if (a->c < 1 || a->c != b->c)
            return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "operands of %d and %d channels", a->c, b->c);
        char *name = onnx_node_name(x, "");
        if (!name) return HALO_ERR_NOMEM;
        struct onnx_value sa = *a, sb = *b;
        int node = mul ? halo_graph_mul(x->g, name, sa.producer, sb.producer)
                       : halo_graph_add(x->g, name, sa.producer, sb.producer);
        free(name);
        HALO_TRY(onnx_check_oom(x));
        HALO_TRY(onnx_add_weights(x, NULL, NULL, NULL, NULL));
        return onnx_set_tensor(x, 0, node, sa.flat, sa.c, sa.global && sb.global);
    }
    bool c_first = a->kind == ONNX_VALUE_CONST;
    struct onnx_value *v = c_first ? b : a;
    const struct onnx_tensor *t;
    HALO_TRY(onnx_input_const(x, c_first ? 0 : 1, "the constant operand", false, &t));
    return op_affine(x, v, t, c_first);
}

/* ---- activations ------------------------------------------------------------------------------ */

static enum halo_status add_unary(struct onnx_ctx *x, enum halo_op op, float alpha, float beta)
{
    struct onnx_value *in;
    HALO_TRY(onnx_input_tensor(x, 0, &in));
    struct onnx_value s = *in;
    char *name = onnx_node_name(x, "");
    if (!name) return HALO_ERR_NOMEM;
    int node = halo_graph_act2(x->g, op, name, s.producer, alpha, beta);
    free(name);
    HALO_TRY(onnx_check_oom(x));
    HALO_TRY(onnx_add_weights(x, NULL, NULL, NULL, NULL));
    return onnx_set_tensor(x, 0, node, s.flat, s.c, s.global);
}

enum halo_status onnx_op_activation(struct onnx_ctx *x)
{
    const char *op = x->node->op_type;
    static const char *const none[] = {"consumed_inputs", NULL};
    static const char *const a_only[] = {"alpha", "consumed_inputs", NULL};
    static const char *const ab[] = {"alpha", "beta", "consumed_inputs", NULL};
    float alpha = 0, beta = 0;
    if (!strcmp(op, "Relu")) {
        HALO_TRY(onnx_attrs_known(x, none));
        return add_unary(x, HALO_OP_RELU, 0, 0);
    }
    if (!strcmp(op, "Sigmoid")) {
        HALO_TRY(onnx_attrs_known(x, none));
        return add_unary(x, HALO_OP_SIGMOID, 0, 0);
    }
    if (!strcmp(op, "HardSwish")) {
        HALO_TRY(onnx_attrs_known(x, none));
        return add_unary(x, HALO_OP_HARDSWISH, 0, 0);
    }
    if (!strcmp(op, "LeakyRelu")) {
        HALO_TRY(onnx_attrs_known(x, a_only));
        HALO_TRY(onnx_attr_float(x, "alpha", 0.01f, &alpha));
        return add_unary(x, HALO_OP_LEAKY_RELU, alpha, 0);
    }
    /* HardSigmoid */
    HALO_TRY(onnx_attrs_known(x, ab));
    HALO_TRY(onnx_attr_float(x, "alpha", 0.2f, &alpha));
    HALO_TRY(onnx_attr_float(x, "beta", 0.5f, &beta));
    return add_unary(x, HALO_OP_HARDSIGMOID, alpha, beta);
}

/* One bound of a Clip: an attribute before opset 11, an optional scalar input after. */
static enum halo_status clip_bound(struct onnx_ctx *x, int k, const char *attr, float def, float *out)
{
    if (x->opset < 11) return onnx_attr_float(x, attr, def, out);
    const struct onnx_tensor *t;
    HALO_TRY(onnx_input_const(x, k, attr, true, &t));
    *out = def;
    if (!t) return HALO_OK;
    if (t->n != 1) return onnx_node_error(x, HALO_ERR_INVALID, "input %d (%s) must be a scalar", k, attr);
    *out = (float)onnx_tensor_get(t, 0);
    if (isnan(*out)) return onnx_node_error(x, HALO_ERR_INVALID, "input %d (%s) is NaN", k, attr);
    return HALO_OK;
}

enum halo_status onnx_op_clip(struct onnx_ctx *x)
{
    static const char *const old[] = {"min", "max", "consumed_inputs", NULL};
    static const char *const none[] = {NULL};
    HALO_TRY(onnx_attrs_known(x, x->opset < 11 ? old : none));
    float lo, hi;
    HALO_TRY(clip_bound(x, 1, "min", -FLT_MAX, &lo));
    HALO_TRY(clip_bound(x, 2, "max", FLT_MAX, &hi));
    if (lo == 0.0f && hi == 6.0f) return add_unary(x, HALO_OP_RELU6, 0, 0);
    if (lo == 0.0f && hi >= FLT_MAX) return add_unary(x, HALO_OP_RELU, 0, 0);
    return add_unary(x, HALO_OP_CLIP, lo, hi); /* min > max gives max everywhere, as ONNX says */
}

/* ---- pooling ----------------------------------------------------------------------------------- */

enum halo_status onnx_op_pool(struct onnx_ctx *x)
{
    static const char *const known_max[] = {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                                            "storage_order", "strides", NULL};
    static const char *const known_avg[] = {"auto_pad", "ceil_mode", "count_include_pad", "dilations",
                                            "kernel_shape", "pads", "strides", NULL};
    bool is_max = !strcmp(x->node->op_type, "MaxPool");
    HALO_TRY(onnx_attrs_known(x, is_max ? known_max : known_avg));
    struct onnx_value *in;
    HALO_TRY(input_map(x, 0, &in));
    HALO_TRY(onnx_outputs_unused(x, 1));
    int64_t ks[4], ceil_mode, cip;
    int nk;
    HALO_TRY(ONNX_ATTR_INTS(x, "kernel_shape", ks, &nk));
    if (nk != 2)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED, "attribute 'kernel_shape': %s; halo pools 2-D windows",
                               nk ? "not 2 values" : "missing");
    if (ks[0] < 1 || ks[1] < 1 || ks[0] > DIM_MAX || ks[1] > DIM_MAX)
        return onnx_node_error(x, HALO_ERR_INVALID, "attribute 'kernel_shape': out of range");
    HALO_TRY(onnx_attr_int(x, "ceil_mode", 0, &ceil_mode));
    HALO_TRY(onnx_attr_int(x, "count_include_pad", 0, &cip));
    if ((ceil_mode != 0 && ceil_mode != 1) || (cip != 0 && cip != 1))
        return onnx_node_error(x, HALO_ERR_INVALID, "attributes 'ceil_mode' and 'count_include_pad' are 0 or 1");
    struct halo_window w;
    int same;
    HALO_TRY(window_attrs(x, (int)ks[0], (int)ks[1], (struct window_opts){true, is_max}, &w, &same));
    if (same) ceil_mode = 0; /* SAME padding gives ceil(in / stride) by itself */
    if (!is_max && cip && ceil_mode)
        return onnx_node_error(x, HALO_ERR_UNSUPPORTED,
                               "attribute 'ceil_mode' with 'count_include_pad': halo's windows past the padding divide "
                               "by the whole window");
    char *name = onnx_node_name(x, "");
    if (!name) return HALO_ERR_NOMEM;
    struct onnx_value s = *in;
    int node = halo_graph_pool2(x->g, is_max ? HALO_OP_MAXPOOL : HALO_OP_AVGPOOL, name, s.producer, w,
                                ceil_mode != 0, cip != 0);
    free(name);
    HALO_TRY(onnx_check_oom(x));
    x->g->nodes[node].same_pad = same;
    HALO_TRY(onnx_add_weights(x, NULL, NULL, NULL, NULL));
    return onnx_set_tensor(x, 0, node, false, s.c, s.global && window_keeps_1x1(&w, same));
}

enum halo_status onnx_op_global_avgpool(struct onnx_ctx *x)
{
    static const char *const none[] = {NULL};
    HALO_TRY(onnx_attrs_known(x, none));
    struct onnx_value *in;
    HALO_TRY(input_map(x, 0, &in));
    struct onnx_value s = *in;
    char *name = onnx_node_name(x, "");
    if (!name) return HALO_ERR_NOMEM;
    int node = halo_graph_adaptive_avgpool(x->g, name, s.producer, 1, 1);
    free(name);
    HALO_TRY(onnx_check_oom(x));
    HALO_TRY(onnx_add_weights(x, NULL, NULL, NULL, NULL));
    return onnx_set_tensor(x, 0, node, false, s.c, true);
}
