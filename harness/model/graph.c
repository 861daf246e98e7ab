#include "model/graph.h"
#include "core/alloc.h"
#include "core/limits.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *op_names[HALO_OP_COUNT_] = {
    [HALO_OP_CONV] = "conv",         [HALO_OP_BN] = "batchnorm",
    [HALO_OP_RELU] = "relu",         [HALO_OP_RELU6] = "relu6",
    [HALO_OP_MAXPOOL] = "maxpool",   [HALO_OP_AVGPOOL] = "avgpool",
    [HALO_OP_ADAPTIVE_AVGPOOL] = "adaptive_avgpool",
    [HALO_OP_FLATTEN] = "flatten",   [HALO_OP_LINEAR] = "linear",
    [HALO_OP_ADD] = "add",           [HALO_OP_CONCAT] = "concat",
    [HALO_OP_MUL] = "mul",           [HALO_OP_SIGMOID] = "sigmoid",
    [HALO_OP_HARDSIGMOID] = "hardsigmoid", [HALO_OP_HARDSWISH] = "hardswish",
    [HALO_OP_LEAKY_RELU] = "leaky_relu",   [HALO_OP_CLIP] = "clip",
};

const char *halo_op_name(enum halo_op op)
{
    return (op >= 0 && op < HALO_OP_COUNT_) ? op_names[op] : "?";
}

bool halo_op_is_spatial(enum halo_op op)
{
    return op != HALO_OP_ADAPTIVE_AVGPOOL && op != HALO_OP_FLATTEN && op != HALO_OP_LINEAR;
}

bool halo_op_is_unary(enum halo_op op)
{
    switch (op) {
    case HALO_OP_RELU:
    case HALO_OP_RELU6:
    case HALO_OP_SIGMOID:
    case HALO_OP_HARDSIGMOID:
    case HALO_OP_HARDSWISH:
    case HALO_OP_LEAKY_RELU:
    case HALO_OP_CLIP: return true;
    default: return false;
    }
}

struct halo_graph *halo_graph_new(const char *name, int in_c)
{
    struct halo_graph *g = halo_calloc(1, sizeof *g);
    if (!g) return NULL;
    g->name = halo_strdup(name);
    g->in_c = in_c;
    if (!g->name) {
        free(g);
        return NULL;
    }
    return g;
}

void halo_graph_free(struct halo_graph *g)
{
    if (!g) return;
    for (int i = 0; i < g->n_nodes; i++) free(g->nodes[i].name);
    for (int i = 0; i < g->n_stages; i++) free(g->stages[i].name);
    free(g->nodes);
    free(g->stages);
    free(g->name);
    free(g->source);
    free(g);
}

/* Channels of the tensor produced by `p`, known from the structure (-1: a flatten's, which depend
 * on the input size); each node's is set when it is appended, so this is a lookup. */
static int channels_of(const struct halo_graph *g, int p)
{
    return p == HALO_INPUT ? g->in_c : g->nodes[p].channels;
}

static int append(struct halo_graph *g, enum halo_op op, const char *name, int in0, int in1)
{
    HALO_ASSERT(in0 >= HALO_INPUT && in0 < g->n_nodes);
    HALO_ASSERT(in1 >= HALO_INPUT && in1 < g->n_nodes);
    if (g->oom || halo_grow((void **)&g->nodes, &g->cap, (size_t)g->n_nodes + 1, sizeof *g->nodes)) {
        g->oom = true;
        return g->n_nodes ? g->n_nodes - 1 : HALO_INPUT; /* keeps building harmlessly; finalize fails */
    }
    struct halo_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->name = halo_strdup(name);
    if (!n->name) g->oom = true;
    n->in[0] = in0;
    n->in[1] = in1;
    n->n_in = (op == HALO_OP_ADD || op == HALO_OP_CONCAT || op == HALO_OP_MUL) ? 2 : 1;
    n->win = (struct halo_window){1, 1, 1, 1, 0, 0, 1, 1, 0, 0};
    n->groups = 1;
    int a = channels_of(g, in0), b = channels_of(g, in1);
    if (op == HALO_OP_FLATTEN) n->channels = -1; /* conv and linear set theirs */
    else if (op == HALO_OP_CONCAT) n->channels = a < 0 || b < 0 ? -1 : a + b;
    else n->channels = a;
    g->inferred = false;
    return g->n_nodes++;
}

int halo_graph_conv2(struct halo_graph *g, const char *name, int in, int cin, int cout,
                     struct halo_window w, int groups, bool bias)
{
    HALO_ASSERT(cin > 0 && cout > 0 && groups > 0 && cin % groups == 0 && cout % groups == 0);
    HALO_ASSERT(w.kh > 0 && w.kw > 0 && w.sh > 0 && w.sw > 0 && w.ph >= 0 && w.pw >= 0);
    HALO_ASSERT(w.dh > 0 && w.dw > 0 && w.ph + w.eh >= 0 && w.pw + w.ew >= 0);
    HALO_ASSERT(channels_of(g, in) == cin);
    int i = append(g, HALO_OP_CONV, name, in, HALO_INPUT);
    if (g->oom) return i;
    struct halo_node *n = &g->nodes[i];
    n->win = w;
    n->cin = cin;
    n->cout = n->channels = cout;
    n->groups = groups;
    n->bias = bias;
    return i;
}

int halo_graph_conv(struct halo_graph *g, const char *name, int in, int cin, int cout, int k, int s,
                    int p, int d, int groups, bool bias)
{
    struct halo_window w = {k, k, s, s, p, p, d, d, 0, 0};
    return halo_graph_conv2(g, name, in, cin, cout, w, groups, bias);
}

int halo_graph_bn(struct halo_graph *g, const char *name, int in, int c)
{
    HALO_ASSERT(channels_of(g, in) == c);
    int i = append(g, HALO_OP_BN, name, in, HALO_INPUT);
    if (g->oom) return i;
    g->nodes[i].cin = g->nodes[i].cout = c;
    g->nodes[i].eps = 1e-5f;
    return i;
}

int halo_graph_act2(struct halo_graph *g, enum halo_op op, const char *name, int in, float alpha, float beta)
{
    HALO_ASSERT(halo_op_is_unary(op));
    int i = append(g, op, name, in, HALO_INPUT);
    if (g->oom) return i;
    g->nodes[i].alpha = alpha;
    g->nodes[i].beta = beta;
    return i;
}

int halo_graph_act(struct halo_graph *g, enum halo_op op, const char *name, int in)
{
    float alpha = 0, beta = 0; /* ONNX's defaults where the op has parameters */
    if (op == HALO_OP_LEAKY_RELU) alpha = 0.01f;
    if (op == HALO_OP_HARDSIGMOID) alpha = 0.2f, beta = 0.5f;
    if (op == HALO_OP_CLIP) alpha = -FLT_MAX, beta = FLT_MAX;
    return halo_graph_act2(g, op, name, in, alpha, beta);
}

int halo_graph_pool(struct halo_graph *g, enum halo_op op, const char *name, int in, int k, int s, int p)
{
    HALO_ASSERT(op == HALO_OP_MAXPOOL || op == HALO_OP_AVGPOOL);
    HALO_ASSERT(k > 0 && s > 0 && p >= 0 && 2 * p <= k); /* PyTorch: pad at most half the kernel */
    int i = append(g, op, name, in, HALO_INPUT);
    if (g->oom) return i;
    g->nodes[i].win = (struct halo_window){k, k, s, s, p, p, 1, 1, 0, 0};
    g->nodes[i].count_include_pad = true;
    return i;
}

int halo_graph_pool2(struct halo_graph *g, enum halo_op op, const char *name, int in, struct halo_window w,
                     bool ceil_mode, bool count_include_pad)
{
    HALO_ASSERT(op == HALO_OP_MAXPOOL || op == HALO_OP_AVGPOOL);
    HALO_ASSERT(w.kh > 0 && w.kw > 0 && w.sh > 0 && w.sw > 0 && w.dh > 0 && w.dw > 0);
    HALO_ASSERT(op == HALO_OP_MAXPOOL || (w.dh == 1 && w.dw == 1));
    /* every window keeps at least one tap of data: padding shorter than the window's extent */
    int eh = w.dh * (w.kh - 1) + 1, ew = w.dw * (w.kw - 1) + 1;
    HALO_ASSERT(w.ph >= 0 && w.pw >= 0 && w.ph + w.eh >= 0 && w.pw + w.ew >= 0);
    HALO_ASSERT(w.ph < eh && w.pw < ew && w.ph + w.eh < eh && w.pw + w.ew < ew);
    int i = append(g, op, name, in, HALO_INPUT);
    if (g->oom) return i;
    g->nodes[i].win = w;
    g->nodes[i].ceil_mode = ceil_mode;
    g->nodes[i].count_include_pad = count_include_pad;
    return i;
}

int halo_graph_adaptive_avgpool(struct halo_graph *g, const char *name, int in, int oh, int ow)
{
    HALO_ASSERT(oh > 0 && ow > 0);
    int i = append(g, HALO_OP_ADAPTIVE_AVGPOOL, name, in, HALO_INPUT);
    if (g->oom) return i;
    g->nodes[i].out_h = oh;
    g->nodes[i].out_w = ow;
    return i;
}

int halo_graph_flatten(struct halo_graph *g, const char *name, int in)
{
    return append(g, HALO_OP_FLATTEN, name, in, HALO_INPUT);
}

int halo_graph_linear(struct halo_graph *g, const char *name, int in, int fin, int fout, bool bias)
{
    HALO_ASSERT(fin > 0 && fout > 0);
    int c = channels_of(g, in);
    HALO_ASSERT(c == -1 || c == fin);
    int i = append(g, HALO_OP_LINEAR, name, in, HALO_INPUT);
    if (g->oom) return i;
    g->nodes[i].cin = fin;
    g->nodes[i].cout = g->nodes[i].channels = fout;
    g->nodes[i].bias = bias;
    return i;
}

int halo_graph_add(struct halo_graph *g, const char *name, int a, int b)
{
    HALO_ASSERT(channels_of(g, a) == channels_of(g, b));
    return append(g, HALO_OP_ADD, name, a, b);
}

int halo_graph_concat(struct halo_graph *g, const char *name, int a, int b)
{
    HALO_ASSERT(channels_of(g, a) != -1 && channels_of(g, b) != -1);
    return append(g, HALO_OP_CONCAT, name, a, b);
}

int halo_graph_mul(struct halo_graph *g, const char *name, int a, int b)
{
    HALO_ASSERT(channels_of(g, a) == channels_of(g, b));
    return append(g, HALO_OP_MUL, name, a, b);
}

/* Number of leading dotted components two names share. */
static int common_components(const char *a, const char *b)
{
    int n = 0;
    for (size_t i = 0;; i++) {
        bool ea = a[i] == '.' || a[i] == '\0', eb = b[i] == '.' || b[i] == '\0';
        if (ea && eb) {
            n++;
            if (a[i] == '\0' || b[i] == '\0') return n;
        } else if (a[i] != b[i]) {
            return n;
        }
    }
}

/* First `k` dotted components of s, into a new string. */
static char *prefix_of(const char *s, int k)
{
    size_t i = 0;
    for (int c = 0; s[i]; i++)
        if (s[i] == '.' && ++c == k) break;
    char *p = halo_malloc(i + 1, 1);
    if (p) {
        memcpy(p, s, i);
        p[i] = '\0';
    }
    return p;
}

/* "layer1.0" (shared module), "features.2-4" (a run of one Sequential), "conv1..maxpool". */
static char *stage_name(const struct halo_graph *g, int first, int last)
{
    const char *a = g->nodes[first].name, *b = g->nodes[last - 1].name;
    if (last - first == 1) return halo_strdup(a);
    int common = 1000;
    for (int i = first + 1; i < last; i++) {
        int c = common_components(a, g->nodes[i].name);
        if (c < common) common = c;
    }
    if (common >= 2) return prefix_of(a, common);
    char buf[512];
    const char *da = strchr(a, '.'), *db = strchr(b, '.');
    if (common == 1 && da && db) {
        int ia = atoi(da + 1), ib = atoi(db + 1);
        snprintf(buf, sizeof buf, "%.*s.%d-%d", (int)(da - a), a, ia, ib);
    } else {
        snprintf(buf, sizeof buf, "%s..%s", a, b);
    }
    return halo_strdup(buf);
}

enum halo_status halo_graph_finalize(struct halo_graph *g)
{
    if (g->oom) return halo_error(HALO_ERR_NOMEM, "%s: out of memory building the graph", g->name);
    if (g->n_nodes == 0) return halo_error(HALO_ERR_INTERNAL, "%s: empty graph", g->name);
    int n = g->n_nodes;
    /* bad[b] > 0: cut b (nodes < b done) has a tensor other than node b-1's output crossing it. */
    int *bad = halo_calloc((size_t)n + 2, sizeof *bad);
    if (!bad) return HALO_ERR_NOMEM;
    for (int j = 0; j < n; j++)
        for (int k = 0; k < g->nodes[j].n_in; k++) {
            int p = g->nodes[j].in[k];
            int lo = p + 2, hi = j; /* cuts p+2..j see p crossing while p != b-1 */
            if (lo <= hi) {
                bad[lo]++;
                bad[hi + 1]--;
            }
        }
    for (int b = 1; b <= n; b++) bad[b] += bad[b - 1];
    for (int i = 0; i < g->n_stages; i++) free(g->stages[i].name);
    free(g->stages);
    g->stages = halo_calloc((size_t)n, sizeof *g->stages);
    if (!g->stages) {
        free(bad);
        return HALO_ERR_NOMEM;
    }
    g->n_stages = 0;
    int start = 0;
    for (int b = 1; b <= n; b++) {
        bool cut = b == n;
        if (!cut && bad[b] == 0) {
            enum halo_op op = g->nodes[b].op;
            cut = op == HALO_OP_CONV || op == HALO_OP_LINEAR || op == HALO_OP_ADAPTIVE_AVGPOOL;
        }
        if (!cut) continue;
        struct halo_stage *s = &g->stages[g->n_stages++];
        s->first = start;
        s->last = b;
        s->spatial = true;
        for (int i = start; i < b; i++) s->spatial &= halo_op_is_spatial(g->nodes[i].op);
        s->name = stage_name(g, start, b);
        if (!s->name) g->oom = true;
        start = b;
    }
    free(bad);
    if (g->oom) return halo_error(HALO_ERR_NOMEM, "%s: out of memory building the graph", g->name);
    g->n_spatial = 0;
    while (g->n_spatial < g->n_stages && g->stages[g->n_spatial].spatial) g->n_spatial++;
    return HALO_OK;
}

struct halo_shape halo_graph_tensor_shape(const struct halo_graph *g, int producer)
{
    return producer == HALO_INPUT ? g->input : g->nodes[producer].out_shape;
}

/* Output length of a sliding window along one axis with padding p before and p + e after
 * (PyTorch's formula, which ONNX shares); <= 0 when empty. */
static int64_t window_out(int in, int k, int s, int p, int e, int d, bool ceil_mode)
{
    int64_t span = (int64_t)in + 2 * (int64_t)p + e - (int64_t)d * (k - 1) - 1;
    if (span < 0) return 0;
    int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    if (ceil_mode && (out - 1) * s >= (int64_t)in + p) out--; /* last window must start inside the input */
    return out;
}

/* A node's output within HALO_TENSOR_DIM_MAX, and its work within HALO_MACS_MAX: its elements times
 * the taps each reads (a conv's MACs, a pool's element operations); bounds every count of it. */
static enum halo_status check_size(const struct halo_graph *g, const struct halo_node *n, int64_t c, int64_t h,
                                   int64_t w)
{
    if (c > HALO_TENSOR_DIM_MAX || h > HALO_TENSOR_DIM_MAX || w > HALO_TENSOR_DIM_MAX)
        return halo_error(HALO_ERR_INVALID, "%s: %s: output %lldx%lldx%lld: a side or the channels past %d", g->name,
                          n->name, (long long)c, (long long)h, (long long)w, HALO_TENSOR_DIM_MAX);
    const struct halo_shape x = n->in_shape[0];
    double taps = 1, elems = (double)c * (double)h * (double)w;
    if (n->op == HALO_OP_CONV) taps = (double)(n->cin / n->groups) * n->win.kh * n->win.kw;
    else if (n->op == HALO_OP_MAXPOOL || n->op == HALO_OP_AVGPOOL) taps = (double)n->win.kh * n->win.kw;
    else if (n->op == HALO_OP_ADAPTIVE_AVGPOOL) elems = (double)c * ((double)x.h + h) * ((double)x.w + w);
    else if (n->op == HALO_OP_LINEAR) taps = n->cin;
    if (elems * taps > HALO_MACS_MAX)
        return halo_error(HALO_ERR_INVALID, "%s: %s: %.3g multiply-accumulates or element operations, more than 2^53",
                          g->name, n->name, elems * taps);
    return HALO_OK;
}

/* ONNX's SAME padding along one axis: total padding for ceil(in / s) outputs, the odd one at the
 * end (SAME_UPPER) or the start (SAME_LOWER); *p the start, *e the end minus the start. */
static void same_padding(int in, int k, int s, int d, bool lower, int *p, int *e)
{
    int out = (in + s - 1) / s, total = (out - 1) * s + d * (k - 1) + 1 - in;
    if (total < 0) total = 0;
    int start = lower ? total - total / 2 : total / 2;
    *p = start;
    *e = total - 2 * start;
}

static enum halo_status infer_node(struct halo_graph *g, struct halo_node *n)
{
    struct halo_shape x = n->in_shape[0];
    int64_t yc = x.c, yh = x.h, yw = x.w;
    const struct halo_window *w = &n->win;
    if (n->same_pad) {
        same_padding(x.h, w->kh, w->sh, w->dh, n->same_pad == 2, &n->win.ph, &n->win.eh);
        same_padding(x.w, w->kw, w->sw, w->dw, n->same_pad == 2, &n->win.pw, &n->win.ew);
    }
    switch (n->op) {
    case HALO_OP_CONV:
        if (x.c != n->cin)
            return halo_error(HALO_ERR_INVALID, "%s: %s: expects %d input channels, got %d", g->name,
                              n->name, n->cin, x.c);
        yc = n->cout;
        /* fallthrough */
    case HALO_OP_MAXPOOL:
    case HALO_OP_AVGPOOL:
        yh = window_out(x.h, w->kh, w->sh, w->ph, w->eh, w->dh, n->ceil_mode);
        yw = window_out(x.w, w->kw, w->sw, w->pw, w->ew, w->dw, n->ceil_mode);
        if (yh < 1 || yw < 1)
            return halo_error(HALO_ERR_INVALID, "%s: %s: input %dx%d is smaller than its %dx%d window",
                              g->name, n->name, x.h, x.w, w->dh * (w->kh - 1) + 1 - 2 * w->ph - w->eh,
                              w->dw * (w->kw - 1) + 1 - 2 * w->pw - w->ew);
        break;
    case HALO_OP_ADAPTIVE_AVGPOOL:
        yh = n->out_h;
        yw = n->out_w;
        break;
    case HALO_OP_FLATTEN:
        if ((double)x.c * x.h * x.w > HALO_TENSOR_DIM_MAX)
            return halo_error(HALO_ERR_INVALID, "%s: %s: flattens %dx%dx%d into more than %d features", g->name,
                              n->name, x.c, x.h, x.w, HALO_TENSOR_DIM_MAX);
        yc = (int64_t)x.c * x.h * x.w;
        yh = yw = 1;
        break;
    case HALO_OP_LINEAR:
        if (x.h != 1 || x.w != 1 || x.c != n->cin)
            return halo_error(HALO_ERR_INVALID, "%s: %s: expects %d features, got %dx%dx%d", g->name,
                              n->name, n->cin, x.c, x.h, x.w);
        yc = n->cout;
        break;
    case HALO_OP_ADD:
    case HALO_OP_MUL: {
        struct halo_shape z = n->in_shape[1];
        bool gate = n->op == HALO_OP_MUL && z.h == 1 && z.w == 1; /* broadcast over the feature map */
        if (z.c != x.c || (!gate && (z.h != x.h || z.w != x.w)))
            return halo_error(HALO_ERR_INVALID, "%s: %s: operands differ: %dx%dx%d and %dx%dx%d",
                              g->name, n->name, x.c, x.h, x.w, z.c, z.h, z.w);
        break;
    }
    case HALO_OP_CONCAT: {
        struct halo_shape z = n->in_shape[1];
        if (z.h != x.h || z.w != x.w)
            return halo_error(HALO_ERR_INVALID, "%s: %s: concatenates %dx%d and %dx%d maps", g->name, n->name,
                              x.h, x.w, z.h, z.w);
        yc = (int64_t)x.c + z.c;
        break;
    }
    default: break; /* batchnorm and the unary ops keep the shape */
    }
    HALO_TRY(check_size(g, n, yc, yh, yw));
    n->out_shape = (struct halo_shape){(int)yc, (int)yh, (int)yw};
    return HALO_OK;
}

enum halo_status halo_graph_infer(struct halo_graph *g, int h, int w)
{
    if (h < 1 || w < 1) return halo_error(HALO_ERR_INVALID, "%s: input %dx%d is empty", g->name, h, w);
    g->input = (struct halo_shape){g->in_c, h, w};
    g->inferred = false;
    for (int i = 0; i < g->n_nodes; i++) {
        struct halo_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++) n->in_shape[k] = halo_graph_tensor_shape(g, n->in[k]);
        HALO_TRY(infer_node(g, n));
    }
    g->inferred = true;
    return HALO_OK;
}

enum halo_status halo_graph_min_input(struct halo_graph *g, int *min_h, int *min_w)
{
    const int big = 4096;
    *min_h = *min_w = 0;
    for (int s = 1; s <= big && (!*min_h || !*min_w); s++) {
        if (!*min_h && halo_graph_infer(g, s, big) == HALO_OK) *min_h = s;
        if (!*min_w && halo_graph_infer(g, big, s) == HALO_OK) *min_w = s;
    }
    halo_error_clear();
    g->inferred = false;
    if (!*min_h || !*min_w)
        return halo_error(HALO_ERR_INVALID, "%s: accepts no input up to %dx%d", g->name, big, big);
    return HALO_OK;
}

int halo_graph_stage_of(const struct halo_graph *g, int node)
{
    for (int s = 0; s < g->n_stages; s++)
        if (node >= g->stages[s].first && node < g->stages[s].last) return s;
    return -1;
}

bool halo_graph_range_field(const struct halo_graph *g, int first, int last, int *jump, int *field)
{
    *jump = *field = 1;
    if (last <= first) return true;
    int *J = halo_malloc((size_t)(last - first), sizeof *J), *R = halo_malloc((size_t)(last - first), sizeof *R);
    bool ok = J && R;
    for (int i = first; ok && i < last; i++) {
        const struct halo_node *n = &g->nodes[i];
        int jr = 0, rr = 0;
        for (int k = 0; k < n->n_in; k++) {
            int p = n->in[k];
            int pj = p >= first ? J[p - first] : 1, pr = p >= first ? R[p - first] : 1;
            jr = pj; /* every branch of a block has the same total stride */
            if (pr > rr) rr = pr;
        }
        if (!halo_op_is_spatial(n->op)) ok = false;
        int k_eff = n->win.dh * (n->win.kh - 1) + 1;
        R[i - first] = rr + (k_eff - 1) * jr;
        J[i - first] = jr * n->win.sh;
    }
    if (ok) {
        *jump = J[last - 1 - first];
        *field = R[last - 1 - first];
    }
    free(J);
    free(R);
    return ok;
}
