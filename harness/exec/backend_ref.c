/* ref backend: plain, obviously correct C loops for every op, accumulating in double. It is the
 * oracle of every numerical test, not a fast path. */
#include "core/alloc.h"
#include "core/clock.h"
#include "exec/backend.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ref_ctx {
    const struct halo_graph *g;
    struct halo_weights *w; /* own copy */
};

static const char *ref_name(struct halo_backend *be)
{
    (void)be;
    return "ref";
}

static const char *ref_impl(struct halo_backend *be, int node)
{
    (void)be;
    (void)node;
    return "ref";
}

static int ref_threads(struct halo_backend *be)
{
    (void)be;
    return 1;
}

static void ref_free(struct halo_backend *be)
{
    if (!be) return;
    struct ref_ctx *c = be->ctx;
    if (c) halo_weights_free(c->w);
    free(c);
    free(be);
}

static enum halo_status ref_load(struct halo_backend *be, const struct halo_graph *g, const struct halo_weights *w)
{
    struct ref_ctx *c = be->ctx;
    struct halo_weights *copy;
    HALO_TRY(halo_weights_alloc(g, &copy));
    for (int i = 0; i < g->n_nodes; i++) {
        int64_t sz[4];
        halo_weights_sizes(&g->nodes[i], sz);
        float *dst[4] = {copy->node[i].weight, copy->node[i].bias, copy->node[i].mean, copy->node[i].var};
        const float *src[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
        for (int k = 0; k < 4; k++)
            if (sz[k]) memcpy(dst[k], src[k], (size_t)sz[k] * sizeof(float));
    }
    copy->hash = w->hash;
    halo_weights_free(c->w);
    c->w = copy;
    c->g = g;
    return HALO_OK;
}

/* Element (ch, y, x) of t, in full-tensor coordinates. */
static inline float at(const struct halo_tensor *t, int ch, int y, int x)
{
    int h = halo_rect_h(t->rect), w = halo_rect_w(t->rect);
    return t->data[((size_t)ch * h + (y - t->rect.y0)) * w + (x - t->rect.x0)];
}

/* Value of the padded window input at local (y, x) of pad + read; `inside` says if it is data. */
static inline float window_in(const struct halo_tensor *t, int ch, struct halo_rect r, struct halo_pad p,
                              int y, int x, int *inside)
{
    int ry = y - p.top, rx = x - p.left;
    *inside = ry >= 0 && rx >= 0 && ry < halo_rect_h(r) && rx < halo_rect_w(r);
    return *inside ? at(t, ch, r.y0 + ry, r.x0 + rx) : 0.0f;
}

/* Input index (in x's buffer) of window position `pos` of pad + read along one axis, or -1 for
 * a zero from the padding. */
static int window_index(int pos, int pad_lo, int read0, int read_len, int buf0)
{
    int r = pos - pad_lo;
    return (r >= 0 && r < read_len) ? read0 + r - buf0 : -1;
}

static void conv(const struct halo_node *n, const struct halo_node_weights *w, const struct halo_tensor *x,
                 struct halo_rect r, struct halo_pad p, struct halo_tensor *y)
{
    const struct halo_window *k = &n->win;
    int oh = halo_rect_h(y->rect), ow = halo_rect_w(y->rect);
    int xh = halo_rect_h(x->rect), xw = halo_rect_w(x->rect);
    int cin_g = n->cin / n->groups, cout_g = n->cout / n->groups;
    double *acc = malloc((size_t)oh * ow * sizeof *acc);
    int *col = malloc((size_t)ow * sizeof *col);
    HALO_ASSERT(acc && col);
    for (int oc = 0; oc < n->cout; oc++) {
        int grp = oc / cout_g;
        for (int e = 0; e < oh * ow; e++) acc[e] = w->bias ? w->bias[oc] : 0.0;
        for (int ic = 0; ic < cin_g; ic++) {
            const float *plane = x->data + (size_t)(grp * cin_g + ic) * xh * xw;
            for (int ky = 0; ky < k->kh; ky++)
                for (int kx = 0; kx < k->kw; kx++) {
                    double wv = w->weight[(((size_t)oc * cin_g + ic) * k->kh + ky) * k->kw + kx];
                    for (int ox = 0; ox < ow; ox++)
                        col[ox] = window_index(ox * k->sw + kx * k->dw, p.left, r.x0, halo_rect_w(r), x->rect.x0);
                    for (int oy = 0; oy < oh; oy++) {
                        int row = window_index(oy * k->sh + ky * k->dh, p.top, r.y0, halo_rect_h(r), x->rect.y0);
                        if (row < 0) continue;
                        const float *src = plane + (size_t)row * xw;
                        double *dst = acc + (size_t)oy * ow;
                        for (int ox = 0; ox < ow; ox++)
                            if (col[ox] >= 0) dst[ox] += wv * src[col[ox]];
                    }
                }
        }
        for (int e = 0; e < oh * ow; e++) y->data[(size_t)oc * oh * ow + e] = (float)acc[e];
    }
    free(col);
    free(acc);
}

static void pool(const struct halo_node *n, const struct halo_tensor *x, struct halo_rect r, struct halo_pad p,
                 struct halo_tensor *y)
{
    const struct halo_window *k = &n->win;
    int oh = halo_rect_h(y->rect), ow = halo_rect_w(y->rect);
    for (int c = 0; c < y->c; c++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double best = -INFINITY, sum = 0;
                int count = 0;
                for (int ky = 0; ky < k->kh; ky++)
                    for (int kx = 0; kx < k->kw; kx++) {
                        int inside;
                        float v = window_in(x, c, r, p, oy * k->sh + ky * k->dh, ox * k->sw + kx * k->dw, &inside);
                        if (!inside) continue; /* max pool ignores padding; avg counts it below */
                        if (v > best || isnan(v)) best = v; /* NaN wins, as in torch */
                        sum += v;
                        count++;
                    }
                double out;
                if (n->op == HALO_OP_MAXPOOL) out = best;
                else out = sum / (n->count_include_pad ? k->kh * k->kw : (count ? count : 1));
                y->data[((size_t)c * oh + oy) * ow + ox] = (float)out;
            }
}

static void adaptive_avgpool(const struct halo_node *n, const struct halo_tensor *x, struct halo_tensor *y)
{
    int H = n->in_shape[0].h, W = n->in_shape[0].w, oh = halo_rect_h(y->rect), ow = halo_rect_w(y->rect);
    for (int c = 0; c < y->c; c++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                int oy = y->rect.y0 + i, ox = y->rect.x0 + j;
                int y0 = (int)((int64_t)oy * H / n->out_h), y1 = (int)(((int64_t)(oy + 1) * H + n->out_h - 1) / n->out_h);
                int x0 = (int)((int64_t)ox * W / n->out_w), x1 = (int)(((int64_t)(ox + 1) * W + n->out_w - 1) / n->out_w);
                double s = 0;
                for (int yy = y0; yy < y1; yy++)
                    for (int xx = x0; xx < x1; xx++) s += at(x, c, yy, xx);
                y->data[((size_t)c * oh + i) * ow + j] = (float)(s / ((y1 - y0) * (x1 - x0)));
            }
}

static void linear(const struct halo_node *n, const struct halo_node_weights *w, const struct halo_tensor *x,
                   struct halo_tensor *y)
{
    for (int o = 0; o < n->cout; o++) {
        double s = w->bias ? w->bias[o] : 0.0;
        const float *row = w->weight + (size_t)o * n->cin;
        for (int i = 0; i < n->cin; i++) s += (double)row[i] * x->data[i];
        y->data[o] = (float)s;
    }
}

/* The unary ops as their definitions say (ONNX's, which PyTorch's agree with), in double. */
static double unary(const struct halo_node *n, double v)
{
    switch (n->op) {
    case HALO_OP_RELU: return v > 0 || isnan(v) ? v : 0; /* relu(NaN) is NaN, as in torch */
    case HALO_OP_RELU6: return v < 0 ? 0 : (v > 6 ? 6 : v);
    case HALO_OP_SIGMOID: return 1 / (1 + exp(-v));
    case HALO_OP_HARDSIGMOID: return fmax(0, fmin(1, (double)n->alpha * v + n->beta));
    case HALO_OP_HARDSWISH: return v * fmax(0, fmin(1, v / 6 + 0.5));
    case HALO_OP_LEAKY_RELU: return v < 0 ? (double)n->alpha * v : v;
    case HALO_OP_CLIP: return isnan(v) ? v : fmin(fmax(v, n->alpha), n->beta); /* torch.clamp: NaN kept, max wins */
    default: HALO_ASSERT(!"not a unary op"); return 0;
    }
}

/* Element-wise nodes: read = out, so the input is cropped to the output's rect; a mul's second
 * operand may be a c x 1 x 1 gate, read at (0, 0). */
static void elementwise(const struct halo_node *n, const struct halo_node_weights *w,
                        const struct halo_tensor *a, const struct halo_tensor *b, struct halo_tensor *y)
{
    int oh = halo_rect_h(y->rect), ow = halo_rect_w(y->rect);
    bool gate = b && halo_rect_h(b->rect) == 1 && halo_rect_w(b->rect) == 1 && b->rect.y0 == 0 && b->rect.x0 == 0;
    for (int c = 0; c < y->c; c++) {
        double scale = 1, shift = 0;
        if (n->op == HALO_OP_BN) {
            scale = w->weight[c] / sqrt((double)w->var[c] + n->eps);
            shift = w->bias[c] - w->mean[c] * scale;
        }
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                int yy = y->rect.y0 + i, xx = y->rect.x0 + j;
                double v = at(a, c, yy, xx);
                switch (n->op) {
                case HALO_OP_BN: v = v * scale + shift; break;
                case HALO_OP_ADD: v += at(b, c, yy, xx); break;
                case HALO_OP_MUL: v *= gate ? at(b, c, 0, 0) : at(b, c, yy, xx); break;
                default: v = unary(n, v); break;
                }
                y->data[((size_t)c * oh + i) * ow + j] = (float)v;
            }
    }
}

/* Concat: a's channels, then b's, over the output's rect. */
static void concat(const struct halo_tensor *a, const struct halo_tensor *b, struct halo_tensor *y)
{
    int oh = halo_rect_h(y->rect), ow = halo_rect_w(y->rect);
    for (int c = 0; c < y->c; c++) {
        const struct halo_tensor *x = c < a->c ? a : b;
        int cx = c < a->c ? c : c - a->c;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                y->data[((size_t)c * oh + i) * ow + j] = at(x, cx, y->rect.y0 + i, y->rect.x0 + j);
    }
}

static enum halo_status ref_compute(struct halo_backend *be, const struct halo_tile *tile,
                                    const struct halo_tensor *in, struct halo_tensor *out, double *node_ms)
{
    struct ref_ctx *c = be->ctx;
    const struct halo_graph *g = tile->g;
    HALO_ASSERT(g == c->g);
    int n = tile->last - tile->first;
    struct halo_tensor *buf = halo_calloc((size_t)n, sizeof *buf);
    if (!buf) return HALO_ERR_NOMEM;
    enum halo_status st = HALO_OK;
    for (int i = tile->first; i < tile->last && st == HALO_OK; i++) {
        const struct halo_node *nd = &g->nodes[i];
        const struct halo_tile_node *t = &tile->node[i - tile->first];
        struct halo_tensor *y = i == tile->last - 1 ? out : &buf[i - tile->first];
        if (y != out && (st = halo_tensor_alloc(y, nd->out_shape.c, t->out)) != HALO_OK) break;
        const struct halo_tensor *x[2];
        for (int k = 0; k < nd->n_in; k++) {
            int p = nd->in[k];
            x[k] = p < tile->first ? in : &buf[p - tile->first];
            HALO_ASSERT(halo_rect_contains(x[k]->rect, t->read[k]));
        }
        const struct halo_node_weights *w = &c->w->node[i];
        double t0 = halo_now_ms();
        switch (nd->op) {
        case HALO_OP_CONV: conv(nd, w, x[0], t->read[0], t->pad[0], y); break;
        case HALO_OP_MAXPOOL:
        case HALO_OP_AVGPOOL: pool(nd, x[0], t->read[0], t->pad[0], y); break;
        case HALO_OP_ADAPTIVE_AVGPOOL: adaptive_avgpool(nd, x[0], y); break;
        case HALO_OP_FLATTEN: memcpy(y->data, x[0]->data, halo_tensor_numel(y) * sizeof(float)); break;
        case HALO_OP_LINEAR: linear(nd, w, x[0], y); break;
        case HALO_OP_CONCAT: concat(x[0], x[1], y); break;
        default: elementwise(nd, w, x[0], nd->n_in > 1 ? x[1] : NULL, y); break;
        }
        if (node_ms) node_ms[i - tile->first] = halo_now_ms() - t0;
    }
    for (int i = 0; i < n - 1; i++) halo_tensor_free(&buf[i]);
    free(buf);
    return st;
}

static const struct halo_backend_i ref_iface = {
    .name = ref_name,
    .version = ref_name,
    .load = ref_load,
    .compute = ref_compute,
    .impl = ref_impl,
    .threads = ref_threads,
    .free = ref_free,
};

enum halo_status halo_backend_ref_new(const struct halo_backend_opts *opts, struct halo_backend **out)
{
    (void)opts;
    struct halo_backend *be = halo_calloc(1, sizeof *be);
    struct ref_ctx *c = halo_calloc(1, sizeof *c);
    if (!be || !c) {
        free(be);
        free(c);
        return HALO_ERR_NOMEM;
    }
    be->iface = ref_iface;
    be->ctx = c;
    *out = be;
    return HALO_OK;
}
