/* Backend against the ref backend (the oracle), for the backend named in argv[1] ("cpu",
 * "cuda"): every op over random shapes, on whole tensors and on tiles (rects through
 * halo_exec_rect, with asymmetric padding at the borders they touch and inputs larger than the
 * tile reads), fused chains, residual blocks whose branches read less than the producer's
 * buffer, the ops ONNX models bring (activations with parameters, concat, mul and channel gates,
 * SAME and asymmetric padding), and whole resnet18 / vgg11 / mobilenet_v2 at small inputs with
 * random weights.
 *
 * Tolerances (u = 2^-24, the float32 unit roundoff; the ref backend accumulates in double, so
 * its own error is negligible; every check prints or reports its measured ratio):
 *  - conv and linear alone, per element: |got - ref| <= 4 sqrt(K+1) u S + 2 u |ref|, where K is
 *    the reduction length (cin/groups * kh * kw, or in-features; +1 for the bias) and
 *    S = sum |w||x| + |b| the element's magnitude sum (the ref backend run on |w| and |x|).
 *    A float32 sum of K+1 terms in any order errs by at most (K+1) u S, and by about
 *    sqrt(K+1) u S when the roundings are independent, as they are here; 4 is the margin
 *    (measured worst: 1.4, at K = 1 where both estimates meet). The order oneDNN sums in
 *    depends on its blocking, so no tighter order-specific bound applies. Winograd, whose error
 *    is larger, is never used: the cpu backend asks for direct convolution (so its FLOPs are
 *    also the FLOPs counted), so no allowance is made for it.
 *  - element-wise ops (relu, relu6, max pool, flatten, add, BN, average pools summing T terms):
 *    max |got - ref| <= 8 u max(T, 1) max |ref|: a few roundings of the output's scale.
 *  - chains, stage tiles and whole networks: max |got - ref| <= 4 sqrt(L) sqrt(Kmax+1) u max |ref|,
 *    with L the convs and linears in the range and Kmax their longest reduction: each layer
 *    adds about sqrt(K+1) u relative to its output's scale (BN folding adds one rounding per
 *    weight), and with normalised activations the layers' errors add like a random walk.
 *    Measured worst: 0.86 of the unit for chains and tiles, 0.06 for networks (resnet18 4e-7,
 *    vgg11 2e-6 of max |logit|); a 3e-5 relative error in folded weights fails it. */
#include "core/alloc.h"
#include "core/rng.h"
#include "exec/backend.h"
#include "exec/executor.h"
#include "model/weights.h"
#include "model/zoo.h"
#include "test.h"

#include <float.h>

static const double U = 5.9604644775390625e-08; /* 2^-24 */

static struct halo_backend *be, *ref, *ref_abs;
static const char *be_name;
static double worst_elem_ratio, worst_chain_rel, worst_net_rel;
static char worst_elem_what[256];

static void fill(struct halo_tensor *t, struct halo_rng *r, double scale)
{
    for (size_t i = 0; i < halo_tensor_numel(t); i++) t->data[i] = (float)(scale * halo_rng_normal(r));
}

/* Weights with every conv/linear tensor replaced by its absolute value. */
static struct halo_weights *abs_weights(const struct halo_graph *g, const struct halo_weights *w)
{
    struct halo_weights *a;
    if (halo_weights_alloc(g, &a) != HALO_OK) return NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        int64_t sz[4];
        halo_weights_sizes(&g->nodes[i], sz);
        float *d[4] = {a->node[i].weight, a->node[i].bias, a->node[i].mean, a->node[i].var};
        const float *s[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
        for (int k = 0; k < 4; k++)
            for (int64_t e = 0; e < sz[k]; e++) d[k][e] = fabsf(s[k][e]);
    }
    return a;
}

/* Reduction length of a conv or linear node. */
static int64_t reduction(const struct halo_node *n)
{
    if (n->op == HALO_OP_LINEAR) return n->cin;
    return (int64_t)(n->cin / n->groups) * n->win.kh * n->win.kw;
}

static bool report(const char *what, bool ok, double measured, double tol)
{
    if (!ok) fprintf(stderr, "  %s: %s error %.3g exceeds %.3g\n", be_name, what, measured, tol);
    return ok;
}

/* The scale of float32 error after nodes [first, last): sqrt(L) sqrt(Kmax + 1) u, with L the
 * convs and linears in the range and Kmax their longest reduction. */
static double chain_unit(const struct halo_graph *g, int first, int last)
{
    int L = 0;
    int64_t K = 0;
    for (int i = first; i < last; i++)
        if (g->nodes[i].op == HALO_OP_CONV || g->nodes[i].op == HALO_OP_LINEAR) {
            L++;
            if (reduction(&g->nodes[i]) > K) K = reduction(&g->nodes[i]);
        }
    return sqrt(L > 0 ? L : 1) * sqrt((double)K + 1) * U;
}

/* Relative check: max|a - b| / max|b| <= 4 unit; returns that error in units. */
static double check_rel(const char *what, const struct halo_tensor *a, const struct halo_tensor *b, double unit)
{
    CHECK(halo_rect_eq(a->rect, b->rect) && a->c == b->c);
    double ma, mr;
    halo_compare(a->data, b->data, halo_tensor_numel(b), &ma, &mr);
    CHECK(report(what, mr <= 4 * unit, mr, 4 * unit));
    return mr / unit;
}

/* Per-element bound for a single conv or linear: 4 sqrt(K+1) u S + 2 u |ref|. */
static void check_bound(const char *what, const struct halo_tensor *got, const struct halo_tensor *want,
                        const struct halo_tensor *S, int64_t K)
{
    double worst = 0;
    size_t n = halo_tensor_numel(want), bad = 0;
    for (size_t i = 0; i < n; i++) {
        double unit = sqrt((double)K + 1) * U * S->data[i]; /* sqrt(K+1) u S: K products and the bias */
        double d = fabs((double)got->data[i] - want->data[i]);
        if (!(d <= 4 * unit + 2 * U * fabs(want->data[i]) + FLT_MIN)) bad++;
        double ratio = d / (unit + FLT_MIN);
        if (ratio > worst) worst = ratio;
    }
    if (worst > worst_elem_ratio) {
        worst_elem_ratio = worst;
        snprintf(worst_elem_what, sizeof worst_elem_what, "%.200s, K=%lld", what, (long long)K);
    }
    if (bad) fprintf(stderr, "  %s: %s: %zu of %zu elements beyond 4 sqrt(K+1) u S (worst %.2f)\n", be_name, what, bad, n, worst);
    CHECK(bad == 0);
}

/* Element-wise ops: a few ulps of the output's scale per summed term. */
static void check_elem(const char *what, const struct halo_tensor *got, const struct halo_tensor *want, int terms)
{
    double ma, mr;
    halo_compare(got->data, want->data, halo_tensor_numel(want), &ma, &mr);
    double tol = 8 * U * (terms > 1 ? terms : 1);
    CHECK(report(what, mr <= tol, mr, tol));
}

enum kind_check { CK_BOUND, CK_ELEM, CK_CHAIN };

/* One graph: loads it on both backends, then compares the whole output and `n_tiles` random
 * output rects, each fed the full input and the input cropped to what the tile reads. */
static void compare_graph(const char *what, struct halo_graph *g, enum kind_check ck, int terms, int n_tiles,
                          struct halo_rng *r, double in_scale)
{
    struct halo_weights *w = NULL, *wa = NULL;
    CHECK_OK(halo_weights_random(g, halo_rng_u64(r), &w));
    if (!w) return;
    CHECK_OK(halo_backend_load(be, g, w));
    CHECK_OK(halo_backend_load(ref, g, w));
    if (ck == CK_BOUND) {
        wa = abs_weights(g, w);
        CHECK(wa != NULL);
        if (wa) CHECK_OK(halo_backend_load(ref_abs, g, wa));
    }
    int last = g->n_nodes;
    struct halo_shape is = g->input, os = g->nodes[last - 1].out_shape;
    struct halo_tensor x = {0}, xa = {0};
    CHECK_OK(halo_tensor_alloc(&x, is.c, halo_rect_full(is)));
    CHECK_OK(halo_tensor_alloc(&xa, is.c, halo_rect_full(is)));
    fill(&x, r, in_scale);
    for (size_t i = 0; i < halo_tensor_numel(&x); i++) xa.data[i] = fabsf(x.data[i]);
    for (int t = -1; t < n_tiles; t++) {
        struct halo_rect o = halo_rect_full(os);
        if (t >= 0) { /* a random sub-rect: touches some borders, not others */
            o.y0 = halo_rng_int(r, 0, os.h - 1);
            o.y1 = halo_rng_int(r, o.y0 + 1, os.h);
            o.x0 = halo_rng_int(r, 0, os.w - 1);
            o.x1 = halo_rng_int(r, o.x0 + 1, os.w);
        }
        struct halo_tile tile;
        CHECK_OK(halo_tile_build(g, 0, last, o, HALO_TILE_EXACT, &tile));
        for (int crop = 0; crop < (t >= 0 ? 2 : 1); crop++) {
            struct halo_tensor xin = x, got = {0}, want = {0}, S = {0};
            if (crop) {
                CHECK_OK(halo_tensor_alloc(&xin, is.c, tile.in));
                halo_tensor_copy_region(&xin, &x, tile.in);
            }
            char label[256];
            snprintf(label, sizeof label, "%s rows [%d,%d) cols [%d,%d)%s", what, o.y0, o.y1, o.x0, o.x1,
                     crop ? " cropped input" : "");
            CHECK_OK(halo_exec_rect(be, g, 0, last, o, HALO_TILE_EXACT, &xin, &got));
            CHECK_OK(halo_exec_rect(ref, g, 0, last, o, HALO_TILE_EXACT, &xin, &want));
            if (got.data && want.data) {
                if (ck == CK_BOUND) {
                    CHECK_OK(halo_exec_rect(ref_abs, g, 0, last, o, HALO_TILE_EXACT, &xa, &S));
                    if (S.data) check_bound(label, &got, &want, &S, reduction(&g->nodes[last - 1]));
                } else if (ck == CK_ELEM) {
                    check_elem(label, &got, &want, terms);
                } else {
                    double e = check_rel(label, &got, &want, chain_unit(g, 0, last));
                    if (e > worst_chain_rel) worst_chain_rel = e;
                }
            }
            halo_tensor_free(&got);
            halo_tensor_free(&want);
            halo_tensor_free(&S);
            if (crop) halo_tensor_free(&xin);
        }
        halo_tile_free(&tile);
    }
    halo_tensor_free(&x);
    halo_tensor_free(&xa);
    halo_weights_free(w);
    halo_weights_free(wa);
}

static bool finish(struct halo_graph *g, int h, int w)
{
    enum halo_status st = halo_graph_finalize(g);
    if (st == HALO_OK) st = halo_graph_infer(g, h, w);
    CHECK_OK(st);
    return st == HALO_OK;
}

/* A conv with random channels, groups (incl. depthwise), kernel, stride, padding (up to the
 * kernel size, so windows can lie wholly in the padding), dilation and odd sizes. */
static void random_conv(struct halo_rng *r, int i)
{
    int gsel = halo_rng_int(r, 0, 3), G;
    int cin, cout;
    if (gsel == 3) { /* depthwise */
        G = cin = cout = halo_rng_int(r, 1, 24);
    } else {
        G = gsel == 0 ? 1 : gsel == 1 ? 2 : 3;
        cin = G * halo_rng_int(r, 1, 8);
        cout = G * halo_rng_int(r, 1, 8);
    }
    static const int ks[] = {1, 2, 3, 5, 7};
    struct halo_window w = {0};
    w.kh = ks[halo_rng_int(r, 0, 4)];
    w.kw = halo_rng_int(r, 0, 3) ? w.kh : ks[halo_rng_int(r, 0, 4)];
    w.sh = halo_rng_int(r, 1, 3);
    w.sw = halo_rng_int(r, 0, 1) ? w.sh : halo_rng_int(r, 1, 3);
    w.dh = halo_rng_int(r, 0, 3) ? 1 : 2;
    w.dw = halo_rng_int(r, 0, 3) ? w.dh : halo_rng_int(r, 1, 2);
    w.ph = halo_rng_int(r, 0, w.kh);
    w.pw = halo_rng_int(r, 0, w.kw);
    int eh = w.dh * (w.kh - 1) + 1, ew = w.dw * (w.kw - 1) + 1;
    int H = halo_rng_int(r, eh > 2 * w.ph ? eh - 2 * w.ph : 1, 29), W = halo_rng_int(r, ew > 2 * w.pw ? ew - 2 * w.pw : 1, 31);
    bool bias = halo_rng_int(r, 0, 1);
    struct halo_graph *g = halo_graph_new("conv", cin);
    halo_graph_conv2(g, "conv", HALO_INPUT, cin, cout, w, G, bias);
    char what[160];
    snprintf(what, sizeof what, "conv#%d %d->%d g%d k%dx%d s%dx%d p%dx%d d%dx%d%s @%dx%d", i, cin, cout, G, w.kh, w.kw,
             w.sh, w.sw, w.ph, w.pw, w.dh, w.dw, bias ? " bias" : "", H, W);
    if (finish(g, H, W)) compare_graph(what, g, CK_BOUND, 0, 3, r, 1.0);
    halo_graph_free(g);
}

static void random_convs(struct halo_rng *r)
{
    for (int i = 0; i < 40; i++) random_conv(r, i);
}

/* Named convs that matter for the zoo: the stem, the stride-2 1x1 downsample whose window
 * leaves the last row unread, a depthwise stride-2, a dilated one. */
static void fixed_convs(struct halo_rng *r)
{
    static const struct {
        int cin, cout, k, s, p, d, groups, h, w;
    } c[] = {
        {3, 16, 7, 2, 3, 1, 1, 33, 37},   {16, 32, 1, 2, 0, 1, 1, 16, 16},  {24, 24, 3, 2, 1, 1, 24, 15, 17},
        {8, 16, 3, 1, 2, 2, 1, 13, 11},   {32, 32, 3, 1, 1, 1, 1, 14, 14},  {17, 33, 3, 2, 1, 1, 1, 9, 9},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        struct halo_graph *g = halo_graph_new("conv", c[i].cin);
        halo_graph_conv(g, "conv", HALO_INPUT, c[i].cin, c[i].cout, c[i].k, c[i].s, c[i].p, c[i].d, c[i].groups, i % 2);
        char what[96];
        snprintf(what, sizeof what, "conv %d->%d k%d s%d p%d d%d g%d @%dx%d", c[i].cin, c[i].cout, c[i].k, c[i].s,
                 c[i].p, c[i].d, c[i].groups, c[i].h, c[i].w);
        if (finish(g, c[i].h, c[i].w)) compare_graph(what, g, CK_BOUND, 0, 4, r, 1.0);
        halo_graph_free(g);
    }
}

static void pools(struct halo_rng *r)
{
    for (int i = 0; i < 16; i++) {
        enum halo_op op = i % 2 ? HALO_OP_AVGPOOL : HALO_OP_MAXPOOL;
        int k = halo_rng_int(r, 1, 4), s = halo_rng_int(r, 1, 3), p = halo_rng_int(r, 0, k / 2);
        int C = halo_rng_int(r, 1, 20), H = halo_rng_int(r, k, 25), W = halo_rng_int(r, k, 27);
        struct halo_graph *g = halo_graph_new("pool", C);
        int n = halo_graph_pool(g, op, "pool", HALO_INPUT, k, s, p);
        g->nodes[n].count_include_pad = (i / 2) % 2;
        g->nodes[n].ceil_mode = (i / 4) % 2;
        char what[96];
        snprintf(what, sizeof what, "%s k%d s%d p%d%s%s C%d @%dx%d", halo_op_name(op), k, s, p,
                 g->nodes[n].ceil_mode ? " ceil" : "", op == HALO_OP_AVGPOOL && !g->nodes[n].count_include_pad ? " exclude-pad" : "",
                 C, H, W);
        if (finish(g, H, W)) compare_graph(what, g, CK_ELEM, k * k, 3, r, 1.0);
        halo_graph_free(g);
    }
    static const int ad[][4] = {{7, 7, 1, 1}, {2, 2, 7, 7}, {10, 12, 3, 5}, {8, 8, 2, 2}, {5, 9, 5, 9}, {13, 11, 4, 3}};
    for (size_t i = 0; i < sizeof ad / sizeof *ad; i++) {
        struct halo_graph *g = halo_graph_new("adaptive", 6);
        halo_graph_adaptive_avgpool(g, "avgpool", HALO_INPUT, ad[i][2], ad[i][3]);
        char what[64];
        snprintf(what, sizeof what, "adaptive_avgpool %dx%d -> %dx%d", ad[i][0], ad[i][1], ad[i][2], ad[i][3]);
        int terms = (ad[i][0] / ad[i][2] + 2) * (ad[i][1] / ad[i][3] + 2);
        if (finish(g, ad[i][0], ad[i][1])) compare_graph(what, g, CK_ELEM, terms, 2, r, 1.0);
        halo_graph_free(g);
    }
}

static void elementwise(struct halo_rng *r)
{
    static const enum halo_op ops[] = {HALO_OP_BN, HALO_OP_RELU, HALO_OP_RELU6};
    for (int i = 0; i < 6; i++) {
        enum halo_op op = ops[i % 3];
        int C = halo_rng_int(r, 1, 40), H = halo_rng_int(r, 1, 19), W = halo_rng_int(r, 1, 23);
        struct halo_graph *g = halo_graph_new("elem", C);
        if (op == HALO_OP_BN) halo_graph_bn(g, "bn", HALO_INPUT, C);
        else halo_graph_act(g, op, "act", HALO_INPUT);
        char what[64];
        snprintf(what, sizeof what, "%s C%d @%dx%d", halo_op_name(op), C, H, W);
        /* scale 4: relu6 clips a good part of the values */
        if (finish(g, H, W)) compare_graph(what, g, CK_ELEM, 4, 2, r, 4.0);
        halo_graph_free(g);
    }
    /* add (not fusable: no conv on either side) */
    struct halo_graph *g = halo_graph_new("add", 12);
    int a = halo_graph_act(g, HALO_OP_RELU, "relu", HALO_INPUT);
    halo_graph_add(g, "add", a, HALO_INPUT);
    if (finish(g, 9, 13)) compare_graph("add(relu(x), x)", g, CK_ELEM, 2, 3, r, 1.0);
    halo_graph_free(g);
}

static void linears(struct halo_rng *r)
{
    for (int i = 0; i < 4; i++) {
        int C = halo_rng_int(r, 1, 32), H = halo_rng_int(r, 1, 5), W = halo_rng_int(r, 1, 5), out = halo_rng_int(r, 1, 70);
        struct halo_graph *g = halo_graph_new("linear", C);
        int f = halo_graph_flatten(g, "flatten", HALO_INPUT);
        halo_graph_linear(g, "fc", f, C * H * W, out, i % 2);
        char what[64];
        snprintf(what, sizeof what, "flatten+linear %dx%dx%d -> %d", C, H, W, out);
        if (finish(g, H, W)) compare_graph(what, g, CK_BOUND, 0, 0, r, 1.0);
        halo_graph_free(g);
    }
    struct halo_graph *g = halo_graph_new("flatten", 5);
    halo_graph_flatten(g, "flatten", HALO_INPUT);
    if (finish(g, 3, 4)) compare_graph("flatten alone", g, CK_ELEM, 1, 0, r, 1.0);
    halo_graph_free(g);
}

/* NaN in, NaN out, where torch has it: ReLU, ReLU6 and max pooling keep a NaN (torch's relu(nan) is
 * nan; `v > 0 ? v : 0` made it 0 and a NaN in an early layer vanished from the logits), alone and
 * fused after a conv. The ref backend is the oracle for where the NaNs are and must have them; the
 * cuda backend (its kernels, and cuDNN with CUDNN_PROPAGATE_NAN) must agree. oneDNN's eltwise
 * (relu, clip) and max-pooling primitives return a number for NaN (measured: 2.6, every ISA), so the
 * cpu backend's NaN-ness is printed, not checked: inputs and weights are checked finite when they
 * are read, so a NaN can only arise inside a network from float32 overflow (halo infer reports
 * logits that are not finite). */
static void nan_propagation(struct halo_rng *r)
{
    bool propagates = strcmp(be_name, "cpu") != 0;
    struct halo_graph *gs[5];
    const char *names[5] = {"relu", "relu6", "maxpool k3 s2", "conv+relu", "conv+bn+relu"};
    gs[0] = halo_graph_new("relu", 4);
    halo_graph_act(gs[0], HALO_OP_RELU, "relu", HALO_INPUT);
    gs[1] = halo_graph_new("relu6", 4);
    halo_graph_act(gs[1], HALO_OP_RELU6, "relu6", HALO_INPUT);
    gs[2] = halo_graph_new("maxpool", 4);
    halo_graph_pool(gs[2], HALO_OP_MAXPOOL, "pool", HALO_INPUT, 3, 2, 1);
    gs[3] = halo_graph_new("cr", 4);
    halo_graph_act(gs[3], HALO_OP_RELU, "relu", halo_graph_conv(gs[3], "conv", HALO_INPUT, 4, 8, 3, 1, 1, 1, 1, true));
    gs[4] = halo_graph_new("cbr", 4);
    int c = halo_graph_conv(gs[4], "conv", HALO_INPUT, 4, 8, 3, 1, 1, 1, 1, false);
    halo_graph_act(gs[4], HALO_OP_RELU, "relu", halo_graph_bn(gs[4], "bn", c, 8));
    for (int i = 0; i < 5; i++) {
        struct halo_graph *g = gs[i];
        struct halo_weights *w = NULL;
        struct halo_tensor x = {0}, got = {0}, want = {0};
        if (!finish(g, 11, 9)) {
            halo_graph_free(g);
            continue;
        }
        CHECK_OK(halo_weights_random(g, halo_rng_u64(r), &w));
        CHECK_OK(halo_backend_load(be, g, w));
        CHECK_OK(halo_backend_load(ref, g, w));
        CHECK_OK(halo_tensor_alloc(&x, g->input.c, halo_rect_full(g->input)));
        fill(&x, r, 1.0);
        x.data[0] = NAN;                         /* a corner */
        x.data[halo_tensor_numel(&x) / 2] = -NAN; /* the middle, sign bit set */
        x.data[7] = -5;                           /* a negative near a NaN: ReLU still zeroes it */
        struct halo_rect o = halo_rect_full(g->nodes[g->n_nodes - 1].out_shape);
        CHECK_OK(halo_exec_rect(be, g, 0, g->n_nodes, o, HALO_TILE_EXACT, &x, &got));
        CHECK_OK(halo_exec_rect(ref, g, 0, g->n_nodes, o, HALO_TILE_EXACT, &x, &want));
        if (got.data && want.data) {
            size_t nan_want = 0, differ = 0;
            for (size_t k = 0; k < halo_tensor_numel(&want); k++) {
                nan_want += isnan(want.data[k]) != 0;
                differ += (isnan(want.data[k]) != 0) != (isnan(got.data[k]) != 0);
            }
            if (differ)
                fprintf(stderr, "  %s on %s: %zu of %zu elements are NaN on ref but not here%s\n", names[i], be_name, differ,
                        halo_tensor_numel(&want), propagates ? "" : " (oneDNN's primitives drop NaN: known)");
            CHECK(nan_want > 0);
            if (propagates) CHECK_EQ(differ, 0);
        }
        halo_tensor_free(&x);
        halo_tensor_free(&got);
        halo_tensor_free(&want);
        halo_weights_free(w);
        halo_graph_free(g);
    }
}

/* Chains the backend fuses, and look-alikes it must not fuse. */
static void chains(struct halo_rng *r)
{
    struct halo_graph *g;
    int c, b, x, y, d;
    /* conv + BN + ReLU */
    g = halo_graph_new("cbr", 8);
    c = halo_graph_conv(g, "conv", HALO_INPUT, 8, 16, 3, 1, 1, 1, 1, false);
    b = halo_graph_bn(g, "bn", c, 16);
    halo_graph_act(g, HALO_OP_RELU, "relu", b);
    if (finish(g, 13, 15)) compare_graph("conv+bn+relu", g, CK_CHAIN, 0, 3, r, 1.0);
    halo_graph_free(g);
    /* depthwise stride 2 + BN + ReLU6 */
    g = halo_graph_new("dw", 16);
    c = halo_graph_conv(g, "conv", HALO_INPUT, 16, 16, 3, 2, 1, 1, 16, false);
    b = halo_graph_bn(g, "bn", c, 16);
    halo_graph_act(g, HALO_OP_RELU6, "relu6", b);
    if (finish(g, 15, 14)) compare_graph("dwconv s2+bn+relu6", g, CK_CHAIN, 0, 3, r, 3.0);
    halo_graph_free(g);
    /* basic block with identity: the add is a sum post-op, the identity read in place */
    g = halo_graph_new("block", 16);
    c = halo_graph_conv(g, "conv1", HALO_INPUT, 16, 16, 3, 1, 1, 1, 1, false);
    b = halo_graph_bn(g, "bn1", c, 16);
    x = halo_graph_act(g, HALO_OP_RELU, "relu", b);
    c = halo_graph_conv(g, "conv2", x, 16, 16, 3, 1, 1, 1, 1, false);
    b = halo_graph_bn(g, "bn2", c, 16);
    y = halo_graph_add(g, "add", b, HALO_INPUT);
    halo_graph_act(g, HALO_OP_RELU, "relu_2", y);
    if (finish(g, 12, 11)) compare_graph("basic block", g, CK_CHAIN, 0, 4, r, 1.0);
    halo_graph_free(g);
    /* downsampling block: stride-2 3x3 and a stride-2 1x1 shortcut reading part of the input */
    g = halo_graph_new("down", 8);
    c = halo_graph_conv(g, "conv1", HALO_INPUT, 8, 16, 3, 2, 1, 1, 1, false);
    b = halo_graph_bn(g, "bn1", c, 16);
    x = halo_graph_act(g, HALO_OP_RELU, "relu", b);
    c = halo_graph_conv(g, "conv2", x, 16, 16, 3, 1, 1, 1, 1, false);
    y = halo_graph_bn(g, "bn2", c, 16);
    d = halo_graph_conv(g, "downsample.0", HALO_INPUT, 8, 16, 1, 2, 0, 1, 1, false);
    d = halo_graph_bn(g, "downsample.1", d, 16);
    y = halo_graph_add(g, "add", y, d);
    halo_graph_act(g, HALO_OP_RELU, "relu_2", y);
    if (finish(g, 16, 15)) compare_graph("downsample block", g, CK_CHAIN, 0, 4, r, 1.0);
    halo_graph_free(g);
    /* a conv read twice is not folded; ReLU before the add keeps the add apart */
    g = halo_graph_new("twice", 6);
    c = halo_graph_conv(g, "conv", HALO_INPUT, 6, 6, 3, 1, 1, 1, 1, true);
    b = halo_graph_bn(g, "bn", c, 6);
    x = halo_graph_act(g, HALO_OP_RELU, "relu", c);
    y = halo_graph_add(g, "add", b, x);
    c = halo_graph_conv(g, "conv2", y, 6, 6, 1, 1, 0, 1, 1, false);
    x = halo_graph_act(g, HALO_OP_RELU, "relu2", c);
    halo_graph_add(g, "add2", x, y);
    if (finish(g, 10, 9)) compare_graph("unfusable look-alikes", g, CK_CHAIN, 0, 3, r, 1.0);
    halo_graph_free(g);
    /* linear + ReLU + linear */
    g = halo_graph_new("mlp", 8);
    x = halo_graph_flatten(g, "flatten", HALO_INPUT);
    x = halo_graph_linear(g, "fc1", x, 8 * 3 * 3, 40, true);
    x = halo_graph_act(g, HALO_OP_RELU, "relu", x);
    halo_graph_linear(g, "fc2", x, 40, 10, true);
    if (finish(g, 3, 3)) compare_graph("flatten+linear+relu+linear", g, CK_CHAIN, 0, 0, r, 1.0);
    halo_graph_free(g);
}

/* The ops ONNX models bring: activations with parameters, concat, mul (same shape and a channel
 * gate), asymmetric and SAME padding, pools with dilation, on whole tensors and tiles. */
static void imported_ops(struct halo_rng *r)
{
    static const struct {
        enum halo_op op;
        float alpha, beta;
    } acts[] = {{HALO_OP_SIGMOID, 0, 0},     {HALO_OP_HARDSIGMOID, 0.2f, 0.5f}, {HALO_OP_HARDSIGMOID, 1.0f / 6, 0.5f},
                {HALO_OP_HARDSWISH, 0, 0},   {HALO_OP_LEAKY_RELU, 0.1f, 0},     {HALO_OP_CLIP, -1.5f, 2.0f},
                {HALO_OP_CLIP, 3.0f, 1.0f}};
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
        int C = halo_rng_int(r, 1, 40), H = halo_rng_int(r, 1, 19), W = halo_rng_int(r, 1, 23);
        struct halo_graph *g = halo_graph_new("act", C);
        halo_graph_act2(g, acts[i].op, "act", HALO_INPUT, acts[i].alpha, acts[i].beta);
        char what[96];
        snprintf(what, sizeof what, "%s(%g, %g) C%d @%dx%d", halo_op_name(acts[i].op), acts[i].alpha, acts[i].beta, C, H, W);
        if (finish(g, H, W)) compare_graph(what, g, CK_ELEM, 4, 2, r, 4.0);
        halo_graph_free(g);
    }
    struct halo_graph *g;
    int a, b, c, s;
    /* inception-style: branches of different windows and a strided pair, concatenated */
    g = halo_graph_new("inception", 8);
    a = halo_graph_conv(g, "b1", HALO_INPUT, 8, 6, 1, 1, 0, 1, 1, true);
    b = halo_graph_conv(g, "b2", HALO_INPUT, 8, 5, 3, 1, 1, 1, 1, true);
    c = halo_graph_pool2(g, HALO_OP_MAXPOOL, "b3", HALO_INPUT, (struct halo_window){3, 3, 1, 1, 1, 1, 1, 1, 0, 0}, false, false);
    a = halo_graph_concat(g, "cat", a, b);
    a = halo_graph_concat(g, "cat.1", a, c);
    a = halo_graph_act(g, HALO_OP_RELU, "relu", a);
    b = halo_graph_conv2(g, "r1", a, 19, 7, (struct halo_window){3, 3, 2, 2, 0, 0, 1, 1, 1, 1}, 1, false);
    c = halo_graph_pool2(g, HALO_OP_MAXPOOL, "r2", a, (struct halo_window){3, 3, 2, 2, 0, 0, 1, 1, 0, 0}, true, false);
    halo_graph_concat(g, "cat2", b, c);
    if (finish(g, 17, 14)) compare_graph("inception block (concat, asymmetric pads, ceil pool)", g, CK_CHAIN, 0, 4, r, 1.0);
    halo_graph_free(g);
    /* squeeze-and-excitation: a channel gate multiplies the map */
    g = halo_graph_new("se", 6);
    a = halo_graph_conv(g, "conv", HALO_INPUT, 6, 12, 3, 1, 1, 1, 1, false);
    a = halo_graph_act(g, HALO_OP_HARDSWISH, "hswish", a);
    s = halo_graph_adaptive_avgpool(g, "pool", a, 1, 1);
    s = halo_graph_conv(g, "fc1", s, 12, 4, 1, 1, 0, 1, 1, true);
    s = halo_graph_act(g, HALO_OP_RELU, "relu", s);
    s = halo_graph_conv(g, "fc2", s, 4, 12, 1, 1, 0, 1, 1, true);
    s = halo_graph_act2(g, HALO_OP_HARDSIGMOID, "gate", s, 1.0f / 6, 0.5f);
    a = halo_graph_mul(g, "mul", a, s);
    b = halo_graph_act(g, HALO_OP_SIGMOID, "sig", a);
    halo_graph_mul(g, "mul2", a, b);
    if (finish(g, 11, 13)) compare_graph("squeeze-and-excitation gate, mul", g, CK_CHAIN, 0, 3, r, 1.0);
    halo_graph_free(g);
    /* SAME padding (upper and lower) on strided convs and pools, a dilated max pool */
    for (int lower = 0; lower < 2; lower++) {
        g = halo_graph_new("same", 5);
        a = halo_graph_conv2(g, "conv", HALO_INPUT, 5, 7, (struct halo_window){4, 3, 2, 3, 0, 0, 1, 1, 0, 0}, 1, true);
        g->nodes[a].same_pad = 1 + lower;
        b = halo_graph_pool2(g, HALO_OP_AVGPOOL, "avg", a, (struct halo_window){3, 2, 2, 2, 0, 0, 1, 1, 0, 0}, false, !lower);
        g->nodes[b].same_pad = 1 + lower;
        halo_graph_pool2(g, HALO_OP_MAXPOOL, "max", b, (struct halo_window){2, 2, 1, 1, 1, 0, 2, 2, -1, 1}, false, false);
        if (finish(g, 23, 19))
            compare_graph(lower ? "SAME_LOWER conv and avgpool, dilated maxpool" : "SAME_UPPER conv and avgpool", g, CK_CHAIN,
                          0, 4, r, 1.0);
        halo_graph_free(g);
    }
}

/* Whole networks, stage tiles of them, and the timing path. */
static void network(const char *model, int h, int w, struct halo_rng *r)
{
    struct halo_graph *g = NULL;
    struct halo_weights *wt = NULL;
    CHECK_OK(halo_zoo_build_for(model, h, w, &g));
    if (g) CHECK_OK(halo_weights_random(g, 7, &wt));
    if (!g || !wt) goto out;
    CHECK_OK(halo_backend_load(be, g, wt));
    CHECK_OK(halo_backend_load(ref, g, wt));
    struct halo_tensor img = {0}, got = {0}, want = {0}, timed = {0};
    CHECK_OK(halo_tensor_alloc(&img, 3, halo_rect_full(g->input)));
    fill(&img, r, 1.0);
    CHECK_OK(halo_exec_graph(be, g, &img, &got, NULL));
    CHECK_OK(halo_exec_graph(ref, g, &img, &want, NULL));
    char what[96];
    snprintf(what, sizeof what, "%s @%dx%d logits", model, h, w);
    if (got.data && want.data) {
        double unit = chain_unit(g, 0, g->n_nodes);
        double e = check_rel(what, &got, &want, unit);
        if (e > worst_net_rel) worst_net_rel = e;
        printf("  %s: max|got-ref|/max|ref| = %.2e = %.3f x sqrt(L) sqrt(Kmax+1) u (allowed 4)\n", what, e * unit, e);
    }
    /* timing each node changes nothing; fused nodes get 0 and say where they went */
    double *ms = halo_calloc((size_t)g->n_nodes, sizeof *ms);
    CHECK(ms != NULL);
    if (ms) CHECK_OK(halo_exec_graph(be, g, &img, &timed, ms));
    if (ms && timed.data && got.data) {
        CHECK(!memcmp(timed.data, got.data, halo_tensor_numel(&got) * sizeof(float)));
        double sum = 0;
        int fused = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            const char *impl = halo_backend_impl(be, i);
            sum += ms[i];
            CHECK(ms[i] >= 0);
            if (!strncmp(impl, "fused into", 10)) {
                fused++;
                CHECK(ms[i] == 0);
            }
            if (g->nodes[i].op == HALO_OP_CONV) CHECK(strcmp(impl, "-") && strncmp(impl, "fused", 5));
        }
        CHECK(sum > 0);
        if (!strcmp(be_name, "cpu")) CHECK(fused > 0);
    }
    free(ms);
    /* tiles of a few stages (a downsampling residual block included): cpu vs ref */
    for (int t = 0; t < 3 && g->n_spatial > 3; t++) {
        int s = 1 + t * (g->n_spatial - 2) / 3, e = s + 1 + t % 2;
        if (e > g->n_spatial) e = g->n_spatial;
        int first = g->stages[s].first, last = g->stages[e - 1].last;
        struct halo_shape is = halo_graph_tensor_shape(g, first - 1), os = g->nodes[last - 1].out_shape;
        struct halo_tensor x = {0}, a = {0}, b = {0};
        CHECK_OK(halo_tensor_alloc(&x, is.c, halo_rect_full(is)));
        fill(&x, r, 1.0);
        struct halo_rect o = {halo_rng_int(r, 0, os.h - 1), 0, halo_rng_int(r, 0, os.w - 1), 0};
        o.y1 = halo_rng_int(r, o.y0 + 1, os.h);
        o.x1 = halo_rng_int(r, o.x0 + 1, os.w);
        CHECK_OK(halo_exec_rect(be, g, first, last, o, HALO_TILE_EXACT, &x, &a));
        CHECK_OK(halo_exec_rect(ref, g, first, last, o, HALO_TILE_EXACT, &x, &b));
        snprintf(what, sizeof what, "%s stages %s..%s rows [%d,%d) cols [%d,%d)", model, g->stages[s].name,
                 g->stages[e - 1].name, o.y0, o.y1, o.x0, o.x1);
        if (a.data && b.data) {
            double err = check_rel(what, &a, &b, chain_unit(g, first, last));
            if (err > worst_chain_rel) worst_chain_rel = err;
        }
        halo_tensor_free(&x);
        halo_tensor_free(&a);
        halo_tensor_free(&b);
    }
    halo_tensor_free(&img);
    halo_tensor_free(&got);
    halo_tensor_free(&want);
    halo_tensor_free(&timed);
out:
    halo_weights_free(wt);
    halo_graph_free(g);
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The cuda backend's ceilings entry (quick): every part of the document is there; on a real GPU
 * the numbers are also sane. Under the emulation nothing is timed (it checks the calls only), so
 * the document must name the emulated device, never a GPU. The cpu backend's ceilings have their
 * own test (test_ceilings). */
static void ceilings(void)
{
    if (strcmp(be_name, "cuda")) {
        SKIP_CASE("the %s backend's ceilings are tested by test_ceilings", be_name);
        return;
    }
    struct halo_ceilings_opts o = {.quick = true};
    cJSON *doc = NULL;
    CHECK_OK(halo_backend_ceilings(be, &o, &doc));
    if (!doc) return;
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(doc, "device");
    bool emulated = cJSON_IsString(dev) && strstr(dev->valuestring, "emulated");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(doc, "schema")->valuestring, HALO_CEILINGS_SCHEMA);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(doc, "isa")->valuestring, "cuda_fp32");
    const cJSON *tensor = cJSON_GetObjectItemCaseSensitive(doc, "tensor");
    const cJSON *levels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "memory"), "levels");
    const cJSON *hd = cJSON_GetObjectItemCaseSensitive(doc, "host_device");
    CHECK_EQ(cJSON_GetArraySize(tensor), 2);
    CHECK_EQ(cJSON_GetArraySize(levels), 2); /* L2, device memory */
    CHECK_EQ(cJSON_GetArraySize(hd), 4);     /* both directions, pinned and pageable */
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(levels, 1), "capacity_bytes")));
    CHECK(cJSON_GetObjectItemCaseSensitive(doc, "provenance") != NULL);
    double peak = jnum(doc, "peak_gflops"), sgemm = jnum(doc, "sgemm_gflops");
    CHECK(peak > 0 && sgemm > 0);
    if (!emulated) { /* a GPU: the library's GEMM does not beat the FMA kernel, L2 outruns device memory */
        CHECK_MSG(sgemm <= 1.1 * peak, "sgemm %.0f GFLOP/s vs FMA peak %.0f", sgemm, peak);
        CHECK_MSG(jnum(cJSON_GetArrayItem(levels, 0), "triad_gbps") >= jnum(cJSON_GetArrayItem(levels, 1), "triad_gbps"),
                  "L2 triad below device memory's");
    }
    printf("ceilings of %s: peak %.0f GFLOP/s, sgemm %.0f, tf32 %.0f, fp16 %.0f GFLOP/s%s\n", dev->valuestring, peak,
           sgemm, jnum(cJSON_GetArrayItem(tensor, 0), "gflops"), jnum(cJSON_GetArrayItem(tensor, 1), "gflops"),
           emulated ? " (EMULATED: made-up times, calls checked only)" : "");
    cJSON_Delete(doc);
}

int main(int argc, char **argv)
{
    be_name = argc > 1 ? argv[1] : "cpu";
    enum halo_status st = halo_backend_new(be_name, NULL, &be);
    if (st == HALO_ERR_NODEVICE) {
        printf("SKIP: backend %s: no device: %s\n", be_name, halo_error_msg());
        return HALO_TEST_SKIP;
    }
    if (st != HALO_OK && !strstr(halo_backend_available(), be_name)) {
        printf("SKIP: backend %s is not compiled into this build (it has: %s)\n", be_name, halo_backend_available());
        return HALO_TEST_SKIP;
    }
    CHECK_OK(st);
    CHECK_OK(halo_backend_new("ref", NULL, &ref));
    CHECK_OK(halo_backend_new("ref", NULL, &ref_abs));
    if (!be || !ref || !ref_abs) return halo_test_done("test_backend");
    printf("backend %s: %s, %d threads\n", be_name, halo_backend_version(be), halo_backend_threads(be));

    struct halo_rng r;
    halo_rng_seed(&r, 20240501);
    RUN_CASE("fixed_convs", fixed_convs(&r));
    RUN_CASE("random_convs", random_convs(&r));
    RUN_CASE("pools", pools(&r));
    RUN_CASE("elementwise", elementwise(&r));
    RUN_CASE("linears", linears(&r));
    RUN_CASE("chains", chains(&r));
    RUN_CASE("imported_ops", imported_ops(&r));
    RUN_CASE("nan_propagation", nan_propagation(&r));
    RUN_CASE("network_resnet18_64x64", network("resnet18", 64, 64, &r));
    RUN_CASE("network_resnet18_61x77", network("resnet18", 61, 77, &r));
    RUN_CASE("network_mobilenet_v2_61x77", network("mobilenet_v2", 61, 77, &r));
    RUN_CASE("network_vgg11_61x77", network("vgg11", 61, 77, &r));
    RUN(ceilings);
    printf("worst conv/linear: %s\n", worst_elem_what);
    printf("worst error in units of the bound's scale (allowed 4): conv/linear %.2f x sqrt(K+1) u S; chains and "
           "tiles %.3f and networks %.3f x sqrt(L) sqrt(Kmax+1) u max|ref|\n", worst_elem_ratio, worst_chain_rel,
           worst_net_rel);

    halo_backend_free(be);
    halo_backend_free(ref);
    halo_backend_free(ref_abs);
    return halo_test_done(argc > 1 ? argv[1] : "test_backend");
}
