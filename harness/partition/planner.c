#include "partition/planner.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "model/zoo.h"

static const struct halo_planner_info planners[] = {
    {"local", "Local: the whole model on the best single device", true,
     "the best device is the one with the lowest standalone latency (image there, model, logits back)",
     halo_plan_local},
    {"dpfp", "DPFP (Li, Iosifidis, Zhang, Computer Networks 214, 2022)", true,
     "block cost C(i,j) = max over ESs of (receive missing rows + compute the enlarged segment), with a "
     "per-stage linear cost model; heights balanced for equal predicted finish; ES subsets = the k fastest "
     "for k = 1..N; tail on the ES that minimises gather + tail",
     halo_plan_dpfp},
    {"modnn", "MoDNN (Mao et al., DATE 2017)", true,
     "every spatial stage a block scattered from and gathered at the source (the group owner); BODP rows in "
     "proportion to each ES's capacity on the stage; FC layers not split (no MSCC): the tail runs on one device",
     halo_plan_modnn},
    {"deepslicing", "DeepSlicing (Zhang et al., IEEE TPDS 2021)", true,
     "sync points after the downsampling stages; PSS rows in proportion to measured speed, iterated on the "
     "simulated timeline until max - min finish stops dropping; all data through the source",
     halo_plan_deepslicing},
    {"ftp", "DeepThings FTP (Zhao, Barijough, Gerstlauer, IEEE TCAD 2018)", true,
     "work stealing emulated by giving each tile (row-major) to the ES that finishes it first; gateway = the "
     "device with the lowest simulated latency; L = 1..S and grids 2x2..5x5 searched",
     halo_plan_ftp},
    {"aofl", "AOFL (Zhou et al., SEC 2019)", true,
     "blocks exchange data through the source; a DP over block ends and, per block, the degree of parallelism "
     "(the k fastest ESs) on linear device (profile) and network (latency + bytes/bandwidth) models",
     halo_plan_aofl},
    {"halp", "HALP (Li, Iosifidis, Zhang, ICC 2022)", true,
     "host = fastest ES computes strips between the secondaries' segments; secondaries compute interior rows "
     "first, then edges, exchanging only with the host; number of secondaries and block structure searched",
     halo_plan_halp},
    {"edgeci", "EdgeCI (Chen, Luo, Fang, Xiong, ACM TOIT 2024)", true,
     "DPFL = bottom-up table of the block recurrence; AWAS = auction of equal row partitions by predicted "
     "finish, then single rows moved from the last to the first finisher while the latest finish drops",
     halo_plan_edgeci},
    {"adcnn", "ADCNN (Zhang, Lin, Zhang, ICPP 2020)", false,
     "LOSSY: zero-padded grid tiles over the early stages (output >= 1/8 of the input), grid and depth searched; "
     "throughput-based tile scheduling at plan time; central node an ES; codec ratio measured on real "
     "activations; the 30 ms late-tile rule is not modelled",
     halo_plan_adcnn},
};

const struct halo_planner_info *halo_planners(int *n)
{
    *n = (int)(sizeof planners / sizeof planners[0]);
    return planners;
}

const struct halo_planner_info *halo_planner_find(const char *name)
{
    int n;
    const struct halo_planner_info *p = halo_planners(&n);
    for (int i = 0; i < n; i++)
        if (name && !strcmp(p[i].name, name)) return &p[i];
    return NULL;
}

void halo_planner_ctx_free(struct halo_planner_ctx *ctx)
{
    if (!ctx || !ctx->pricer) return;
    for (int d = 0; d < ctx->c->n; d++) halo_pricer_free(ctx->pricer[d]);
    free(ctx->pricer);
    ctx->pricer = NULL;
}

static int64_t tensor_bytes(struct halo_shape s) { return 4 * (int64_t)s.c * s.h * s.w; }

double halo_planner_standalone_ms(const struct halo_planner_ctx *ctx, int d)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    if (!ctx->pricer[d]) return INFINITY;
    double ms = halo_pricer_range_ms(ctx->pricer[d], 0, g->n_nodes) / c->dev[d].speed;
    ms += halo_cluster_transfer_ms(c, c->source, d, tensor_bytes(g->input));
    ms += halo_cluster_transfer_ms(c, d, c->source, tensor_bytes(g->nodes[g->n_nodes - 1].out_shape));
    return ms;
}

enum halo_status halo_planner_ctx_init(struct halo_planner_ctx *ctx, const struct halo_graph *g,
                                       const struct halo_cluster *c, struct halo_planner_opts opts)
{
    *ctx = (struct halo_planner_ctx){.g = g, .c = c, .opts = opts, .local_ms = INFINITY, .local_device = -1};
    ctx->pricer = halo_calloc((size_t)c->n, sizeof *ctx->pricer);
    if (!ctx->pricer) return HALO_ERR_NOMEM;
    for (int d = 0; d < c->n; d++) {
        if (!c->dev[d].profile) continue;
        enum halo_status st = halo_pricer_new(c->dev[d].profile, g, &ctx->pricer[d]);
        if (st != HALO_OK) {
            halo_error_prefix("%s: devices[%d] (%s)", c->path, d, c->dev[d].name);
            halo_planner_ctx_free(ctx);
            return st;
        }
    }
    for (int d = 0; d < c->n; d++) {
        double t = halo_planner_standalone_ms(ctx, d);
        if (t < ctx->local_ms) {
            ctx->local_ms = t;
            ctx->local_device = d;
        }
    }
    if (ctx->local_device < 0) {
        halo_planner_ctx_free(ctx);
        return halo_error(HALO_ERR_INVALID, "%s: devices: no device can compute", c->path);
    }
    return HALO_OK;
}

struct ranked {
    int d;
    double ms;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->ms != y->ms) return x->ms < y->ms ? -1 : 1;
    return x->d - y->d;
}

int halo_planner_es_order(const struct halo_planner_ctx *ctx, int *order)
{
    const struct halo_cluster *c = ctx->c;
    struct ranked *r = halo_malloc((size_t)c->n, sizeof *r);
    if (!r) return 0;
    int n = 0;
    for (int d = 0; d < c->n; d++)
        if (d != c->source && ctx->pricer[d]) r[n++] = (struct ranked){d, halo_planner_standalone_ms(ctx, d)};
    qsort(r, (size_t)n, sizeof *r, cmp_ranked);
    for (int i = 0; i < n; i++) order[i] = r[i].d;
    free(r);
    return n;
}

enum halo_status halo_planner_plan_new(const struct halo_planner_ctx *ctx, const char *method, const int *es,
                                       int n_es, struct halo_plan **out)
{
    return halo_plan_new(ctx->g, ctx->c, method, es, n_es, out);
}

enum halo_status halo_planner_finish(const struct halo_planner_ctx *ctx, struct halo_plan *p, const int *es,
                                     int tail_dev)
{
    struct halo_pricer **pr = halo_calloc((size_t)p->n_dev, sizeof *pr);
    if (!pr) return HALO_ERR_NOMEM;
    pr[0] = ctx->pricer[ctx->c->source];
    for (int k = 1; k < p->n_dev; k++) pr[k] = ctx->pricer[es[k - 1]];
    enum halo_status st = halo_plan_finish(p, ctx->g, tail_dev, pr);
    free(pr);
    if (st != HALO_OK) return st;
    p->local_ms = ctx->local_ms;
    free(p->local_device);
    p->local_device = halo_strdup(ctx->c->dev[ctx->local_device].name);
    return p->local_device ? HALO_OK : HALO_ERR_NOMEM;
}

enum halo_status halo_planner_single(const struct halo_planner_ctx *ctx, int d, const char *method,
                                     struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    bool on_source = d == c->source;
    int es = d;
    struct halo_plan *p;
    /* a plan needs one ES; when the source itself computes, the ES list is its best ES, unused */
    if (on_source) {
        int *order = halo_malloc((size_t)c->n, sizeof *order);
        if (!order) return HALO_ERR_NOMEM;
        int n = halo_planner_es_order(ctx, order);
        es = n ? order[0] : (c->source == 0 ? 1 : 0);
        free(order);
    }
    HALO_TRY(halo_planner_plan_new(ctx, method, &es, 1, &p));
    int dev = on_source ? 0 : 1;
    struct halo_rect full = halo_rect_full(g->nodes[g->stages[g->n_spatial - 1].last - 1].out_shape);
    enum halo_status st = halo_plan_add_block(p, g, 0, g->n_spatial, HALO_TILE_EXACT, false, 1, &dev, &full);
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, &es, dev);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

static int scale(int v, int from, int to) { return (int)(((int64_t)v * to + from / 2) / from); }

enum halo_status halo_planner_rescale(const struct halo_planner_ctx *ctx, const struct halo_plan *src,
                                      struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    *out = NULL;
    if (strcmp(src->model, g->name))
        return halo_error(HALO_ERR_INVALID, "plan is for %s, not %s", src->model, g->name);
    int n_es = src->n_dev - 1;
    int *es = halo_malloc((size_t)(n_es ? n_es : 1), sizeof *es);
    if (!es) return HALO_ERR_NOMEM;
    for (int k = 1; k < src->n_dev; k++) {
        es[k - 1] = halo_cluster_find(ctx->c, src->dev[k].name);
        if (es[k - 1] < 0 || es[k - 1] == ctx->c->source) {
            free(es);
            return halo_error(HALO_ERR_INVALID, "plan device '%s' is not an ES of cluster %s", src->dev[k].name,
                              ctx->c->path);
        }
    }
    struct halo_plan *p;
    enum halo_status st = halo_planner_plan_new(ctx, src->method, es, n_es, &p);
    if (st != HALO_OK) {
        free(es);
        return st;
    }
    p->has_codec = src->has_codec;
    p->codec = src->codec;
    for (int b = 0; b < src->n_blocks && st == HALO_OK; b++) {
        const struct halo_plan_block *bl = &src->block[b];
        /* the source plan's output size of this block, from its own input size */
        struct halo_graph *g0;
        st = halo_zoo_build_for(src->model, src->h, src->w, &g0);
        if (st != HALO_OK) break;
        struct halo_shape from = g0->nodes[bl->last - 1].out_shape, to = g->nodes[bl->last - 1].out_shape;
        halo_graph_free(g0);
        int *dev = halo_malloc((size_t)bl->n_parts, sizeof *dev), np = 0;
        struct halo_rect *r = halo_malloc((size_t)bl->n_parts, sizeof *r);
        if (!dev || !r) st = HALO_ERR_NOMEM;
        for (int k = 0; k < bl->n_parts && st == HALO_OK; k++) {
            struct halo_rect o = bl->part[k].out;
            struct halo_rect n = {scale(o.y0, from.h, to.h), scale(o.y1, from.h, to.h), scale(o.x0, from.w, to.w),
                                  scale(o.x1, from.w, to.w)};
            if (halo_rect_empty(n)) continue;
            dev[np] = bl->part[k].device;
            r[np++] = n;
        }
        if (st == HALO_OK) {
            st = halo_plan_add_block(p, g, bl->stage0, bl->stage1, bl->mode, bl->gather, np, dev, r);
            if (st == HALO_OK) p->block[b].compress = bl->compress;
        }
        free(dev);
        free(r);
    }
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, es, src->tail.device);
    if (st == HALO_OK && src->notes) {
        size_t n = strlen(src->notes) + 64;
        free(p->notes);
        p->notes = halo_malloc(n, 1);
        if (p->notes) snprintf(p->notes, n, "%s; rescaled from %dx%d", src->notes, src->h, src->w);
    }
    free(es);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

struct halo_pricer **halo_planner_plan_pricers(const struct halo_planner_ctx *ctx, const int *es, int n_es)
{
    struct halo_pricer **pr = halo_calloc((size_t)n_es + 1, sizeof *pr);
    if (!pr) return NULL;
    pr[0] = ctx->pricer[ctx->c->source];
    for (int k = 1; k <= n_es; k++) pr[k] = ctx->pricer[es[k - 1]];
    return pr;
}

double halo_planner_rect_ms(const struct halo_planner_ctx *ctx, int d, int first, int last, struct halo_rect out,
                            enum halo_tile_mode mode)
{
    if (!ctx->pricer[d]) return INFINITY;
    struct halo_tile t;
    if (halo_tile_build(ctx->g, first, last, out, mode, &t) != HALO_OK) {
        halo_error_clear();
        return INFINITY;
    }
    double ms = 0;
    for (int i = first; i < last; i++) ms += halo_pricer_node_ms(ctx->pricer[d], i, halo_rect_area(t.node[i - first].out));
    halo_tile_free(&t);
    return ms / ctx->c->dev[d].speed;
}

enum halo_status halo_planner_best_tail(const struct halo_planner_ctx *ctx, struct halo_plan *p, const int *es,
                                        bool source_ok)
{
    const struct halo_graph *g = ctx->g;
    if (p->tail.first >= p->tail.last) return HALO_OK;
    int best = p->tail.device;
    double best_ms = p->total_ms;
    for (int t = source_ok ? 0 : 1; t < p->n_dev; t++) {
        const struct halo_pricer *pr = t == 0 ? ctx->pricer[ctx->c->source] : ctx->pricer[es[t - 1]];
        if (!pr || t == p->tail.device) continue;
        HALO_TRY(halo_plan_set_tail(p, g, t, pr));
        HALO_TRY(halo_plan_simulate(p, g));
        if (p->total_ms < best_ms - 1e-12) {
            best_ms = p->total_ms;
            best = t;
        }
    }
    HALO_TRY(halo_plan_set_tail(p, g, best, best == 0 ? ctx->pricer[ctx->c->source] : ctx->pricer[es[best - 1]]));
    return halo_plan_simulate(p, g);
}

int halo_planner_downsampling_cuts(const struct halo_graph *g, int *cuts)
{
    int n = 0;
    cuts[n++] = 0;
    for (int s = 0; s < g->n_spatial; s++) {
        int J = 1, R = 1;
        bool spatial = halo_graph_range_field(g, g->stages[s].first, g->stages[s].last, &J, &R);
        if ((spatial && J > 1 && s + 1 < g->n_spatial) || s + 1 == g->n_spatial) cuts[n++] = s + 1;
    }
    return n;
}

void halo_planner_part_times(const struct halo_plan *p, int b, int k, double *start_ms, double *end_ms)
{
    double start = INFINITY, cstart = 0, end = 0;
    int dev = p->block[b].part[k].device;
    for (int i = 0; i < p->n_events; i++) {
        const struct halo_plan_event *e = &p->events[i];
        if (e->block != b || e->part != k || e->device != dev) continue;
        if (e->kind == HALO_EVENT_RECV && e->start_ms < start) start = e->start_ms;
        if (e->kind == HALO_EVENT_COMPUTE) {
            cstart = e->start_ms;
            end = e->end_ms;
        }
    }
    *start_ms = isfinite(start) ? start : cstart;
    *end_ms = end;
}
