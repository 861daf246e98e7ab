/* cuda_compute: running a tile on the cuda backend — the input rect to the device, each node as a
 * cuDNN, cuBLAS or kernel call (with pads, crops and conv fusion), the last output back. */
#include "cuda_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct hc_rect hrect(struct halo_rect r)
{
    return (struct hc_rect){r.y0, r.x0, halo_rect_h(r), halo_rect_w(r)};
}

/* A node's input on the device: its buffer and the rect the buffer holds. */
struct dev_in {
    const float *p;
    struct halo_rect r;
};

/* What one node does in a tile: its inputs, output buffer and rect, and what is fused into it. */
struct step {
    int i;
    const struct halo_node *nd;
    const struct halo_tile_node *t;
    struct dev_in x[2];
    float *y;
    struct halo_rect out;
    bool bn;          /* conv: the next node (a BatchNorm) runs inside it, with the folded weights */
    enum hc_act act;  /* conv: the activation that runs inside it */
};

/* Where a conv's or pool's window input comes from: the producer's buffer itself with cuDNN's
 * symmetric padding, or an explicit copy of pad + read. */
struct window_src {
    bool explicit_pad;
    int in_h, in_w, pad_h, pad_w;
};

/* cuDNN pads `lo` on both sides; with hi <= lo the windows are the same as long as the extra
 * hi - lo zeros at the end stay shorter than a stride, which the output size then confirms (e.g.
 * a 3x3 stride-2 conv on an even input reads padding 1 above and 0 below). */
static bool cudnn_pad_fits(int lo, int hi, int stride) { return hi <= lo && lo - hi < stride; }

static struct window_src window_src_of(const struct step *s, bool allow_cudnn_pad)
{
    struct halo_rect r = s->t->read[0];
    struct halo_pad p = s->t->pad[0];
    bool whole = halo_rect_eq(r, s->x[0].r);
    bool fits = cudnn_pad_fits(p.top, p.bottom, s->nd->win.sh) && cudnn_pad_fits(p.left, p.right, s->nd->win.sw);
    bool none = !p.top && !p.bottom && !p.left && !p.right;
    if (whole && (none || (fits && allow_cudnn_pad)))
        return (struct window_src){false, halo_rect_h(r), halo_rect_w(r), p.top, p.left};
    return (struct window_src){true, halo_rect_h(r) + p.top + p.bottom, halo_rect_w(r) + p.left + p.right, 0, 0};
}

/* The window input for cuDNN: either x itself or the padded copy in c->pad (filled with `fill`). */
static enum halo_status window_input(struct cuda_ctx *c, const struct step *s, const struct window_src *w, int ch,
                                     float fill, const float **xin)
{
    if (!w->explicit_pad) {
        *xin = s->x[0].p;
        return HALO_OK;
    }
    struct halo_rect r = s->t->read[0];
    struct halo_pad p = s->t->pad[0];
    struct hc_rect dst = {r.y0 - p.top, r.x0 - p.left, w->in_h, w->in_w};
    CU(hc_copy_rect(c->stream, ch, c->pad, dst, s->x[0].p, hrect(s->x[0].r), dst, hrect(r), fill));
    *xin = c->pad;
    return HALO_OK;
}

static enum halo_status reserve_pad(struct cuda_ctx *c, const struct window_src *w, int ch)
{
    if (!w->explicit_pad) return HALO_OK;
    return halo_cuda_reserve(c, &c->pad, &c->pad_bytes, (size_t)ch * w->in_h * w->in_w * sizeof(float));
}

static enum halo_status run_conv(struct cuda_ctx *c, const struct step *s, const struct window_src *w,
                                 struct plan *p)
{
    const struct halo_node *nd = s->nd;
    struct dev_node *d = &c->node[s->i];
    const float *xin;
    HALO_TRY(window_input(c, s, w, nd->cin, 0.0f, &xin));
    const float *wt = s->bn ? d->wf : d->w, *bias = s->bn ? d->bf : d->b;
    bool has_bias = s->bn || nd->bias;
    const float one = 1.0f, zero = 0.0f;
    if (s->act == HC_ACT_RELU && !p->unfused) {
        /* y = relu(conv(x) + bias); z = y with alpha2 = 0 is not read. */
        cudnnStatus_t st = cudnnConvolutionBiasActivationForward(c->dnn, &one, p->x, xin, d->filter, wt, p->conv,
                                                                 p->algo, c->ws, c->ws_bytes, &zero, p->y, s->y,
                                                                 d->bias_desc, bias, c->relu, p->y, s->y);
        if (st == CUDNN_STATUS_SUCCESS) return HALO_OK;
        /* Usually NOT_SUPPORTED for this algorithm; whatever it was, the plain call below either
         * works (and this plan stops trying) or reports the real problem with its own text. */
        p->unfused = true;
        HALO_DEBUG("cuda backend: %s: cudnnConvolutionBiasActivationForward with %s: %s; running conv, then bias + "
                   "relu as a kernel", nd->name, halo_cuda_algo_name(p->algo), cudnnGetErrorString(st));
    }
    DNN(cudnnConvolutionForward(c->dnn, &one, p->x, xin, d->filter, wt, p->conv, p->algo, c->ws, c->ws_bytes, &zero,
                                p->y, s->y));
    long long hw = (long long)halo_rect_h(s->out) * halo_rect_w(s->out);
    CU(hc_bias_act(c->stream, nd->cout, hw, s->y, has_bias ? bias : NULL, s->act));
    return HALO_OK;
}

static enum halo_status run_linear(struct cuda_ctx *c, const struct step *s)
{
    const struct halo_node *nd = s->nd;
    struct dev_node *d = &c->node[s->i];
    const float one = 1.0f;
    /* y = bias, then y += W x, W row-major [out][in] = column-major in x out. */
    CU(cudaMemcpyAsync(s->y, d->b, (size_t)nd->cout * sizeof(float), cudaMemcpyDeviceToDevice, c->stream));
    BLAS(cublasSgemv(c->blas, CUBLAS_OP_T, nd->cin, nd->cout, &one, d->w, nd->cin, s->x[0].p, 1, &one, s->y, 1));
    return HALO_OK;
}

/* Everything a node needs before it is timed: buffers, descriptors, algorithm search. */
static enum halo_status prepare(struct cuda_ctx *c, const struct step *s, struct window_src *w, struct plan **p)
{
    const struct halo_node *nd = s->nd;
    int oh = halo_rect_h(s->out), ow = halo_rect_w(s->out);
    *p = NULL;
    if (nd->op == HALO_OP_CONV) {
        *w = window_src_of(s, true);
        HALO_TRY(reserve_pad(c, w, nd->cin));
        return halo_cuda_get_plan(c, s->i, w->in_h, w->in_w, w->pad_h, w->pad_w, oh, ow, p);
    }
    if (nd->op == HALO_OP_MAXPOOL && c->node[s->i].pool) {
        *w = window_src_of(s, false); /* -inf padding: never cuDNN's */
        HALO_TRY(reserve_pad(c, w, nd->out_shape.c));
        return halo_cuda_get_plan(c, s->i, w->in_h, w->in_w, 0, 0, oh, ow, p);
    }
    return HALO_OK;
}

static enum halo_status run_step(struct cuda_ctx *c, const struct step *s, const struct window_src *w,
                                 struct plan *p)
{
    const struct halo_node *nd = s->nd;
    struct dev_node *d = &c->node[s->i];
    struct hc_rect out = hrect(s->out), x0 = hrect(s->x[0].r);
    int ch = nd->out_shape.c, oh = out.h, ow = out.w;
    const float one = 1.0f, zero = 0.0f;
    switch (nd->op) {
    case HALO_OP_CONV:
        d->impl = halo_cuda_algo_name(p->algo);
        return run_conv(c, s, w, p);
    case HALO_OP_MAXPOOL:
    case HALO_OP_AVGPOOL:
        if (p) {
            const float *xin;
            HALO_TRY(window_input(c, s, w, ch, -INFINITY, &xin));
            d->impl = "cudnn:maxpool";
            DNN(cudnnPoolingForward(c->dnn, d->pool, &one, p->x, xin, &zero, p->y, s->y));
            return HALO_OK;
        }
        {
            struct halo_pad pad = s->t->pad[0];
            struct hc_window win = {nd->win.kh, nd->win.kw, nd->win.sh, nd->win.sw, nd->win.dh, nd->win.dw};
            bool is_max = nd->op == HALO_OP_MAXPOOL;
            d->impl = is_max ? "kernel:maxpool" : "kernel:avgpool";
            CU(hc_pool(c->stream, is_max, nd->count_include_pad, ch, s->y, oh, ow, s->x[0].p, x0,
                       hrect(s->t->read[0]), pad.top, pad.left, win));
            return HALO_OK;
        }
    case HALO_OP_ADAPTIVE_AVGPOOL:
        d->impl = "kernel:adaptive_avgpool";
        CU(hc_adaptive_avgpool(c->stream, ch, s->y, out, s->x[0].p, x0, nd->in_shape[0].h, nd->in_shape[0].w,
                               nd->out_h, nd->out_w));
        return HALO_OK;
    case HALO_OP_FLATTEN:
        d->impl = "copy";
        CU(cudaMemcpyAsync(s->y, s->x[0].p, (size_t)ch * oh * ow * sizeof(float), cudaMemcpyDeviceToDevice,
                           c->stream));
        return HALO_OK;
    case HALO_OP_LINEAR: d->impl = "cublas:sgemv"; return run_linear(c, s);
    case HALO_OP_BN:
        d->impl = "kernel:bn";
        CU(hc_eltwise(c->stream, HC_AFFINE, ch, s->y, out, s->x[0].p, x0, NULL, x0, d->scale, d->shift, 0, 0));
        return HALO_OK;
    case HALO_OP_ADD:
    case HALO_OP_MUL: {
        struct hc_rect x1 = hrect(s->x[1].r);
        enum hc_eltwise_op op = nd->op == HALO_OP_ADD ? HC_ADD : HC_MUL;
        if (op == HC_MUL && nd->in_shape[1].h == 1 && nd->in_shape[1].w == 1) op = HC_MUL_GATE; /* c x 1 x 1 */
        d->impl = op == HC_ADD ? "kernel:add" : "kernel:mul";
        CU(hc_eltwise(c->stream, op, ch, s->y, out, s->x[0].p, x0, s->x[1].p, x1, NULL, NULL, 0, 0));
        return HALO_OK;
    }
    case HALO_OP_CONCAT: {
        /* each input's channels copied to their place in the output, cropped to the tile */
        int ca = nd->in_shape[0].c;
        d->impl = "kernel:concat";
        CU(hc_copy_rect(c->stream, ca, s->y, out, s->x[0].p, x0, out, out, 0.0f));
        CU(hc_copy_rect(c->stream, nd->in_shape[1].c, s->y + (size_t)ca * oh * ow, out, s->x[1].p, hrect(s->x[1].r),
                        out, out, 0.0f));
        return HALO_OK;
    }
    default: {
        static const enum hc_eltwise_op ops[HALO_OP_COUNT_] = {
            [HALO_OP_RELU] = HC_RELU,       [HALO_OP_RELU6] = HC_RELU6,         [HALO_OP_SIGMOID] = HC_SIGMOID,
            [HALO_OP_HARDSIGMOID] = HC_HARDSIGMOID, [HALO_OP_HARDSWISH] = HC_HARDSWISH,
            [HALO_OP_LEAKY_RELU] = HC_LEAKY_RELU,   [HALO_OP_CLIP] = HC_CLIP,
        };
        if (!halo_op_is_unary(nd->op))
            return halo_error(HALO_ERR_UNSUPPORTED, "cuda backend: op %s is not implemented", halo_op_name(nd->op));
        d->impl = "kernel:eltwise";
        CU(hc_eltwise(c->stream, ops[nd->op], ch, s->y, out, s->x[0].p, x0, NULL, x0, NULL, NULL, nd->alpha, nd->beta));
        return HALO_OK;
    }
    }
}

/* Node j is the only node of the tile reading node i, reads nothing else, and covers its rect:
 * then j can run inside i and i's output never exists on its own. */
static bool only_reader(const struct halo_tile *t, int i, int j)
{
    const struct halo_graph *g = t->g;
    if (j >= t->last || g->nodes[j].n_in != 1 || g->nodes[j].in[0] != i) return false;
    for (int k = i + 1; k < t->last; k++)
        for (int m = 0; k != j && m < g->nodes[k].n_in; m++)
            if (g->nodes[k].in[m] == i) return false;
    return halo_rect_eq(t->node[i - t->first].out, t->node[j - t->first].out);
}

/* Decides what runs inside conv i in this tile; returns the last node fused (i when none). */
static int plan_fusion(struct cuda_ctx *c, const struct halo_tile *t, int i, bool *bn, enum hc_act *act)
{
    const struct halo_graph *g = t->g;
    int tail = i;
    *bn = false;
    *act = HC_ACT_NONE;
    if (c->node[i].fold_bn == i + 1 && only_reader(t, i, i + 1)) {
        *bn = true;
        tail = i + 1;
    }
    if (tail + 1 < t->last && only_reader(t, tail, tail + 1)) {
        enum halo_op op = g->nodes[tail + 1].op;
        if (op == HALO_OP_RELU || op == HALO_OP_RELU6) {
            *act = op == HALO_OP_RELU ? HC_ACT_RELU : HC_ACT_RELU6;
            tail++;
        }
    }
    return tail;
}

/* Copies the tile's input rect of `in` to c->in. */
static enum halo_status upload_input(struct cuda_ctx *c, const struct halo_tile *t, const struct halo_tensor *in)
{
    struct halo_rect r = t->in;
    size_t rw = (size_t)halo_rect_w(r), rh = (size_t)halo_rect_h(r), bytes = (size_t)in->c * rh * rw * sizeof(float);
    HALO_TRY(halo_cuda_reserve(c, &c->in, &c->in_bytes, bytes));
    if (halo_rect_eq(in->rect, r)) {
        CU(cudaMemcpyAsync(c->in, in->data, bytes, cudaMemcpyHostToDevice, c->stream));
        return HALO_OK;
    }
    /* The rect inside a larger host buffer: one strided 3-D copy (width in bytes, rows, channels). */
    size_t iw = (size_t)halo_rect_w(in->rect), ih = (size_t)halo_rect_h(in->rect);
    struct cudaMemcpy3DParms m;
    memset(&m, 0, sizeof m);
    m.srcPtr.ptr = (void *)in->data;
    m.srcPtr.pitch = iw * sizeof(float);
    m.srcPtr.xsize = iw;
    m.srcPtr.ysize = ih;
    m.srcPos.x = (size_t)(r.x0 - in->rect.x0) * sizeof(float);
    m.srcPos.y = (size_t)(r.y0 - in->rect.y0);
    m.dstPtr.ptr = c->in;
    m.dstPtr.pitch = rw * sizeof(float);
    m.dstPtr.xsize = rw;
    m.dstPtr.ysize = rh;
    m.extent.width = rw * sizeof(float);
    m.extent.height = rh;
    m.extent.depth = (size_t)in->c;
    m.kind = cudaMemcpyHostToDevice;
    CU(cudaMemcpy3DAsync(&m, c->stream));
    return HALO_OK;
}

static enum halo_status compute_nodes(struct cuda_ctx *c, const struct halo_tile *t, int *head, double *node_ms)
{
    const struct halo_graph *g = t->g;
    int first = t->first, last = t->last;
    for (int i = first; i < last; i++) head[i - first] = -1;
    for (int i = first; i < last; i++) {
        struct dev_node *d = &c->node[i];
        if (head[i - first] >= 0) { /* ran inside an earlier conv */
            d->fused_into = head[i - first];
            if (node_ms) node_ms[i - first] = 0;
            continue;
        }
        d->fused_into = -1;
        struct step s = {.i = i, .nd = &g->nodes[i], .t = &t->node[i - first], .act = HC_ACT_NONE};
        int tail = i;
        if (s.nd->op == HALO_OP_CONV) tail = plan_fusion(c, t, i, &s.bn, &s.act);
        for (int k = i + 1; k <= tail; k++) head[k - first] = i;
        s.out = s.t->out;
        for (int k = 0; k < s.nd->n_in; k++) {
            int p = s.nd->in[k];
            if (p < first) s.x[k] = (struct dev_in){c->in, t->in};
            else s.x[k] = (struct dev_in){c->node[p].out, t->node[p - first].out};
            if (!s.x[k].p || !halo_rect_contains(s.x[k].r, s.t->read[k]))
                return halo_error(HALO_ERR_INTERNAL, "cuda backend: %s: input %d is not on the device", s.nd->name, k);
        }
        /* The output lives in the buffer of the last node fused: that is the node its readers read. */
        struct dev_node *dt = &c->node[tail];
        size_t bytes = (size_t)g->nodes[tail].out_shape.c * (size_t)halo_rect_area(s.out) * sizeof(float);
        HALO_TRY(halo_cuda_reserve(c, (void **)&dt->out, &dt->out_bytes, bytes));
        s.y = dt->out;
        struct window_src w = {0};
        struct plan *p;
        enum halo_status st = prepare(c, &s, &w, &p);
        if (st == HALO_OK && node_ms)
            st = halo_cuda_check(cudaEventRecord(c->ev0, c->stream), "cudaEventRecord(c->ev0, c->stream)");
        if (st == HALO_OK) st = run_step(c, &s, &w, p);
        if (st != HALO_OK) {
            halo_error_prefix("%s: node %s", g->name, s.nd->name);
            return st;
        }
        if (node_ms) {
            float ms = 0;
            CU(cudaEventRecord(c->ev1, c->stream));
            CU(cudaEventSynchronize(c->ev1));
            CU(cudaEventElapsedTime(&ms, c->ev0, c->ev1));
            node_ms[i - first] = ms;
        }
    }
    return HALO_OK;
}

enum halo_status halo_cuda_compute(struct halo_backend *be, const struct halo_tile *tile,
                                     const struct halo_tensor *in, struct halo_tensor *out, double *node_ms)
{
    struct cuda_ctx *c = be->ctx;
    if (!c->node || tile->g != c->g || tile->g->n_nodes != c->n_nodes)
        return halo_error(HALO_ERR_INVALID, "cuda backend: compute on graph %s before it was loaded", tile->g->name);
    if (in->c != halo_graph_tensor_shape(tile->g, halo_range_input(tile->first)).c)
        return halo_error(HALO_ERR_INVALID, "cuda backend: input has %d channels, node range [%d, %d) reads %d",
                          in->c, tile->first, tile->last, halo_graph_tensor_shape(tile->g, halo_range_input(tile->first)).c);
    CU(cudaSetDevice(c->device));
    int *head = halo_malloc((size_t)(tile->last - tile->first), sizeof *head);
    if (!head) return HALO_ERR_NOMEM;
    enum halo_status st = upload_input(c, tile, in);
    if (st == HALO_OK) st = compute_nodes(c, tile, head, node_ms);
    free(head);
    HALO_TRY(st);
    const struct dev_node *d = &c->node[tile->last - 1];
    size_t bytes = halo_tensor_numel(out) * sizeof(float);
    if (d->out_bytes < bytes)
        return halo_error(HALO_ERR_INTERNAL, "cuda backend: output buffer holds %zu bytes, %zu expected", d->out_bytes,
                          bytes);
    CU(cudaMemcpyAsync(out->data, d->out, bytes, cudaMemcpyDeviceToHost, c->stream));
    CU(cudaStreamSynchronize(c->stream));
    return HALO_OK;
}
