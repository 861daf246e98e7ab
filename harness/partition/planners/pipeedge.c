/* PipeEdge — Hu, Imes, Zhao, Kundu, Beerel, Crago, Walters, "PipeEdge: Pipeline parallelism for
 * large-scale model inference on heterogeneous edge devices", DSD 2022.
 * [paper] A model is cut into pipeline stages, each a contiguous range of layers on one device;
 *   a dynamic programme over per-layer compute times (profiled per device) and the link rates
 *   between devices chooses the cuts, the devices and their order so that the bottleneck — the
 *   slowest compute stage or transfer between stages — is as short as possible: the throughput of
 *   a stream of inputs.
 * [reconstructed] (docs/METHODS.md) Layers = halo's stages; the non-spatial rest of the network
 *   (the tail) is one more unit, so it may run on its own device. Devices: the ESs in ES order
 *   (fastest standalone first) — the paper searches device orders, halo fixes this one and lets
 *   the DP use any subsequence of it. A unit range on an ES is one block with one part (the whole
 *   tensor). Costs: a range's compute is its nodes priced on whole tensors on that ES; a transfer
 *   is latency + bytes / bandwidth of the pair's link (the image from the source into the first
 *   ES, each boundary tensor to the next ES, the logits back to the source). The DP minimises the
 *   largest of these, ties broken by their sum (the latency of a frame alone). */
#include "core/alloc.h"
#include "partition/planner.h"

#include <math.h>
#include <stdlib.h>

/* A DP entry: the best pipeline of units [0, j) whose last ES is order[m]. */
struct entry {
    double bottleneck, latency;
    int from_j, from_m; /* the previous ES's entry (from_m < 0: the source sent the image) */
};

/* The node range of units [i, j): spatial stages, and the tail as unit S. */
static void unit_nodes(const struct halo_graph *g, int S, int i, int j, int *first, int *last)
{
    *first = g->stages[i < S ? i : S].first;
    *last = j > S ? g->n_nodes : g->stages[j - 1].last;
}

/* Bytes of the tensor entering unit i (the image for i = 0). */
static int64_t boundary_bytes(const struct halo_graph *g, int i)
{
    int producer = i == 0 ? HALO_INPUT : g->stages[i - 1].last - 1;
    struct halo_shape s = halo_graph_tensor_shape(g, producer);
    return halo_planner_wire_bytes(g, producer, (int64_t)s.h * s.w);
}

static double transfer(const struct halo_cluster *c, int a, int b, int64_t bytes)
{
    return halo_cluster_transfer_ms(c, a, b, bytes);
}

static int better(double b1, double l1, double b2, double l2)
{
    if (b1 < b2 * (1 - 1e-12)) return 1;
    if (b1 > b2 * (1 + 1e-12)) return 0;
    return l1 < l2 * (1 - 1e-12);
}

enum halo_status halo_plan_pipeedge(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    int S = g->n_spatial, U = S + (g->n_spatial < g->n_stages); /* units */
    int *order = halo_malloc((size_t)c->n, sizeof *order);
    if (!order) return HALO_ERR_NOMEM;
    int n = halo_planner_es_order(ctx, order);
    if (n == 0) {
        free(order);
        return halo_error(HALO_ERR_INVALID, "pipeedge: no edge server can compute %s", g->name);
    }
    size_t U1 = (size_t)U + 1;
    struct entry *T = halo_malloc(U1 * n, sizeof *T); /* T[j * n + m] */
    double *prefix = halo_malloc((size_t)n * (U1 + 1), sizeof *prefix); /* per ES: ms of units [0, j) */
    int *es = halo_malloc((size_t)n, sizeof *es), *seq = halo_malloc(U1, sizeof *seq), *cut = halo_malloc(U1 + 1, sizeof *cut);
    enum halo_status st = T && prefix && es && seq && cut ? HALO_OK : HALO_ERR_NOMEM;
    struct halo_plan *p = NULL;
    if (st != HALO_OK) goto done;
    for (int m = 0; m < n; m++) {
        const struct halo_pricer *pr = ctx->pricer[order[m]];
        double *px = prefix + (size_t)m * (U1 + 1);
        px[0] = 0;
        for (int u = 0; u < U; u++) {
            int first, last;
            unit_nodes(g, S, u, u + 1, &first, &last);
            px[u + 1] = px[u] + halo_pricer_range_ms(pr, first, last) / c->dev[order[m]].speed;
        }
    }
    for (size_t i = 0; i < U1 * n; i++) T[i] = (struct entry){INFINITY, INFINITY, -1, -1};
    /* T[j][m]: units [0, j) placed, the last range [i, j) on order[m], its predecessor order[m'],
     * m' < m, ending at i (or the source when i = 0) */
    for (int j = 1; j <= U; j++)
        for (int m = 0; m < n; m++) {
            const double *px = prefix + (size_t)m * (U1 + 1);
            struct entry *e = &T[(size_t)j * n + m];
            for (int i = 0; i < j; i++) {
                double comp = px[j] - px[i];
                if (i == 0) {
                    double in = transfer(c, c->source, order[m], boundary_bytes(g, 0));
                    double b = fmax(comp, in), l = comp + in;
                    if (better(b, l, e->bottleneck, e->latency)) *e = (struct entry){b, l, 0, -1};
                    continue;
                }
                for (int q = 0; q < m; q++) {
                    const struct entry *pe = &T[(size_t)i * n + q];
                    if (!isfinite(pe->bottleneck)) continue;
                    double in = transfer(c, order[q], order[m], boundary_bytes(g, i));
                    double b = fmax(pe->bottleneck, fmax(comp, in)), l = pe->latency + comp + in;
                    if (better(b, l, e->bottleneck, e->latency)) *e = (struct entry){b, l, i, q};
                }
            }
        }
    /* the logits back to the source close the pipeline */
    struct halo_shape lo = g->nodes[g->n_nodes - 1].out_shape;
    int64_t logit_bytes = 4 * (int64_t)lo.c * lo.h * lo.w;
    int best_m = -1;
    double bb = INFINITY, bl = INFINITY;
    for (int m = 0; m < n; m++) {
        const struct entry *e = &T[(size_t)U * n + m];
        if (!isfinite(e->bottleneck)) continue;
        double r = transfer(c, order[m], c->source, logit_bytes);
        double b = fmax(e->bottleneck, r), l = e->latency + r;
        if (best_m < 0 || better(b, l, bb, bl)) {
            best_m = m;
            bb = b;
            bl = l;
        }
    }
    if (best_m < 0) {
        st = halo_error(HALO_ERR_INVALID, "pipeedge: no pipeline can compute %s", g->name);
        goto done;
    }
    /* walk back: the ESs in pipeline order and where their ranges start */
    int k = 0;
    for (int j = U, m = best_m; j > 0;) {
        const struct entry *e = &T[(size_t)j * n + m];
        seq[k] = m;
        cut[k++] = e->from_j;
        j = e->from_j;
        m = e->from_m;
    }
    for (int a = 0, b = k - 1; a < b; a++, b--) {
        int t = seq[a];
        seq[a] = seq[b];
        seq[b] = t;
        t = cut[a];
        cut[a] = cut[b];
        cut[b] = t;
    }
    cut[k] = U;
    for (int q = 0; q < k; q++) es[q] = order[seq[q]];
    st = halo_planner_plan_new(ctx, "pipeedge", es, k, &p);
    for (int q = 0; q < k && st == HALO_OK; q++) {
        int s0 = cut[q], s1 = cut[q + 1] < S ? cut[q + 1] : S, dev = q + 1;
        if (s0 >= s1) continue; /* only the tail */
        struct halo_rect full = halo_rect_full(g->nodes[g->stages[s1 - 1].last - 1].out_shape);
        st = halo_plan_add_block(p, g, s0, s1, HALO_TILE_EXACT, false, 1, &dev, &full);
    }
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, es, k);
    if (st == HALO_OK && !(p->notes = halo_strdup("pipeedge: lossless; each ES a contiguous range of stages (whole "
                                                  "tensors), cut by a DP minimising the bottleneck stage; "
                                                  "stream-native baseline")))
        st = HALO_ERR_NOMEM;
done:
    if (st != HALO_OK) {
        halo_plan_free(p);
        p = NULL;
    }
    free(order);
    free(T);
    free(prefix);
    free(es);
    free(seq);
    free(cut);
    *out = p;
    return st;
}
