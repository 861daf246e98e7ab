#include "partition/planner.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"

static const struct halo_planner_info planners[] = {
    {.name = "local", .label = "local", .title = "Local: the whole model on the best single device",
     .role = "reference", .lossless = true,
     .paper = "the whole model on the best single device (lowest standalone latency: the image sent there, "
              "the model, the logits back); every speedup is over this",
     .reconstructed = NULL,
     .plan = halo_plan_local},
    {.name = "dpfp", .label = "DPFP", .title = "DPFP (Li, Iosifidis, Zhang, Computer Networks 214, 2022)",
     .role = "proposed", .lossless = true,
     .paper = "receptive-field rows, fused blocks by dynamic programming, ES subset search.",
     .reconstructed = "block cost = balanced max over ESs of receive + compute (linear per-stage model); "
                      "block boundaries then refined by a local search (split or merge at one boundary) and "
                      "heights by an integer search, both on the simulated plan; subsets = the k fastest ESs, "
                      "k = 1..N (all refined up to 8 ESs, the three best beyond); tail on the fastest ES or one of the two best "
                      "by the gather + tail estimate, the one whose simulated plan finishes first.",
     .plan = halo_plan_dpfp},
    {.name = "modnn", .label = "MoDNN", .title = "MoDNN (Mao et al., DATE 2017)", .role = "baseline",
     .lossless = true,
     .paper = "layer-by-layer scatter/gather through a group owner; BODP (biased 1-D partition) for conv "
              "layers, MSCC for FC layers.",
     .reconstructed = "every spatial stage a block, gathered at the source; BODP rows in proportion to each "
                      "ES's capacity on the stage; FC layers NOT split (no MSCC): the tail (pool, FC) runs on "
                      "one device, chosen by simulated latency.",
     .plan = halo_plan_modnn},
    {.name = "deepslicing", .label = "DeepSlicing", .title = "DeepSlicing (Zhang et al., IEEE TPDS 2021)",
     .role = "baseline", .lossless = true,
     .paper = "model and data partitioning; Proportional Synchronized Scheduler.",
     .reconstructed = "sync points after the downsampling stages; rows in proportion to measured speed, "
                      "re-estimated from the simulated timeline until max - min finish stops dropping; all "
                      "data through the source at every sync point.",
     .plan = halo_plan_deepslicing},
    {.name = "ftp", .label = "DeepThings FTP", .title = "DeepThings FTP (Zhao, Barijough, Gerstlauer, IEEE TCAD 2018)",
     .role = "baseline", .lossless = true,
     .paper = "DeepThings: one fused block of the first L layers in an NxM grid of tiles traced backwards, "
              "work stealing, the gateway stitches and runs the rest.",
     .reconstructed = "work stealing emulated by giving each tile (row-major) to the ES that finishes it "
                      "first; gateway = lowest simulated latency (source or ES); L = 1..S and grids 2x2..5x5 "
                      "searched.",
     .plan = halo_plan_ftp},
    {.name = "aofl", .label = "AOFL", .title = "AOFL (Zhou et al., SEC 2019)", .role = "baseline", .lossless = true,
     .paper = "fused blocks, degree of parallelism per block from linear device and network models.",
     .reconstructed = "blocks exchange through the source; DP over block ends and the number of (fastest) ESs "
                      "per block on the profile's pricer (measured per-layer times, else the fitted linear model) and a network "
                      "model (latency + bytes/bandwidth); each ES costed with its whole input rect from the source; "
                      "rows in proportion to capacity.",
     .plan = halo_plan_aofl},
    {.name = "halp", .label = "HALP", .title = "HALP (Li, Iosifidis, Zhang, ICC 2022)", .role = "baseline",
     .lossless = true,
     .paper = "the host ES computes the overlapping zones, secondary ESs get disjoint work, transmission "
              "overlaps computation.",
     .reconstructed = "host = fastest ES computes strips (>= the next block's halo) between the secondaries' "
                      "segments (strips of one height); secondaries compute interior rows first, then edges; the "
                      "layout makes the host the likely source of their extra rows (not enforced); secondaries and block structure searched.",
     .plan = halo_plan_halp},
    {.name = "edgeci", .label = "EdgeCI", .title = "EdgeCI (Chen, Luo, Fang, Xiong, ACM TOIT 2024)",
     .role = "baseline", .lossless = true,
     .paper = "AWAS auction-based workload assignment; DPFL fused layers by a bottom-up (tabulated) DP.",
     .reconstructed = "AWAS: equal row partitions auctioned by predicted finish, then single rows moved from "
                      "the last to the first finisher while the latest finish drops; DPFL: tabulated block DP; "
                      "halo rows peer to peer; every ES takes part.",
     .plan = halo_plan_edgeci},
    {.name = "adcnn", .label = "ADCNN", .title = "ADCNN (Zhang, Lin, Zhang, ICPP 2020)", .role = "baseline",
     .lossless = false,
     .paper = "FDSP: grid tiles (2x2..8x8) of the early blocks with zero padding at tile borders (no halo); "
              "central node runs the rest; clipped ReLU + 4-bit quantisation + run-length coded zeros; tiles to "
              "the node whose max x/s grows least; late tiles (30 ms) replaced by zeros.",
     .reconstructed = "early blocks = stage prefixes with output >= 1/8 of the input; depth and grid searched; "
                      "throughput s from the cost model; central node an ES; the late-tile rule is not "
                      "modelled. In halo plan with --deviation N > 0, the codec's clip bound is fitted to real "
                      "activations and its compressed/raw ratio measured by really encoding the tile outputs of N "
                      "seeded inputs (on "
                      "--backend with --weights); the plan is then made again with that ratio, and its "
                      "deviation from the model (max abs error, relative L2 error, top-1 agreement) is printed "
                      "and put in its notes. --grid N fixes the grid at N x N (the depth is still searched), "
                      "e.g. to measure the deviation and the compressed bytes per grid size. Elsewhere (halo sim, "
                      "--deviation 0) the stored ratio is used.",
     .plan = halo_plan_adcnn},
    {.name = "dpfp-stream", .label = "DPFP-stream", .title = "DPFP for streams (halo's extension of DPFP, not from a paper)",
     .role = "extension", .lossless = true,
     .paper = "(not in DPFP's paper) DPFP's dynamic programme over fused blocks also chooses which ESs compute "
              "each block, so that consecutive block ranges on disjoint ES groups form a pipeline "
              "(spatial parallelism inside a group, pipeline parallelism across groups), with DPFP's ES-subset "
              "search, under the objective (--objective; throughput: the shortest period).",
     .reconstructed = "groups = contiguous runs of the ES order (fastest standalone first), ESs between groups may "
                      "sit out; a group's blocks priced by DPFP's block costs (balanced rows, linear per-stage model, "
                      "halo exchange), its input and output transfers apart; period = max over groups of max(input, "
                      "blocks + tail, output), latency = the sum; a Pareto DP over (stage, ES) finds the best pipeline "
                      "for every k and the best of single-ES groups; R replicas of pipelines over the ESs dealt one by "
                      "one (frames rotating over them as plan variants) and DPFP's own plan are further candidates; "
                      "each is built exactly (rows by DPFP's balance, tail on the last group's best ES, rows refined) "
                      "and the best by the objective on the simulated stream wins.",
     .plan = halo_plan_dpfp_stream},
    {.name = "pipeedge", .label = "PipeEdge", .title = "PipeEdge (Hu et al., DSD 2022)", .role = "baseline",
     .lossless = true,
     .paper = "pipeline parallelism for throughput: each device a contiguous range of layers, chosen by a dynamic "
              "programme over per-layer compute times and link rates that minimises the bottleneck (the slowest "
              "compute or transfer stage).",
     .reconstructed = "layers = halo's stages (the tail one more); devices in ES order (fastest standalone first), any "
                      "subsequence of it, instead of the paper's search over orders; whole tensors (one part per "
                      "block); the DP minimises the bottleneck, ties by the summed latency.",
     .plan = halo_plan_pipeedge},
    {.name = "roundrobin", .label = "round robin", .title = "Round robin of whole frames (data parallelism)",
     .role = "baseline", .lossless = true,
     .paper = "(the classic design, no single publication) data parallelism over a stream: every ES holds the "
              "whole model and frame f goes whole to ES f mod N; the throughput ceiling when links are fast; a "
              "frame's latency is one device's.",
     .reconstructed = "one plan variant per ES; the k fastest ESs, k chosen by the simulated stream's throughput "
                      "(a strict rotation runs at its slowest ES's pace; fewer ESs on a tie); every ES with --no-select.",
     .plan = halo_plan_roundrobin},
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


double halo_planner_standalone_ms(const struct halo_planner_ctx *ctx, int d)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    if (!ctx->pricer[d]) return INFINITY;
    double ms = halo_pricer_range_ms(ctx->pricer[d], 0, g->n_nodes) / c->dev[d].speed;
    struct halo_shape o = g->nodes[g->n_nodes - 1].out_shape;
    ms += halo_cluster_transfer_ms(c, c->source, d, halo_wire_bytes(HALO_INPUT, g->input.c, (int64_t)g->input.h * g->input.w));
    ms += halo_cluster_transfer_ms(c, d, c->source, halo_wire_bytes(g->n_nodes - 1, o.c, (int64_t)o.h * o.w));
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
    HALO_TRY(halo_plan_new(ctx->g, ctx->c, method, es, n_es, out));
    (*out)->link = ctx->opts.link;
    return HALO_OK;
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
        st = halo_model_build_for(src->model, src->h, src->w, &g0);
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
    for (int v = 0; v < src->n_rot && st == HALO_OK; v++) {
        struct halo_plan *q = NULL;
        st = halo_planner_rescale(ctx, src->rot[v], &q);
        if (st == HALO_OK) st = halo_plan_add_variant(p, q);
    }
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

enum halo_status halo_planner_better(const struct halo_planner_ctx *ctx, const struct halo_plan *a,
                                     const struct halo_plan *b, bool *better)
{
    const struct halo_objective *o = &ctx->opts.objective;
    if (o->kind == HALO_OBJECTIVE_LATENCY && !(o->fps > 0)) {
        *better = a->total_ms < b->total_ms;
        return HALO_OK;
    }
    struct halo_stream_figures fa, fb;
    HALO_TRY(halo_plan_figures(a, o, &fa));
    HALO_TRY(halo_plan_figures(b, o, &fb));
    *better = halo_objective_compare(o, &fa, &fb) > 0;
    return HALO_OK;
}

int64_t halo_planner_wire_bytes(const struct halo_graph *g, int producer, int64_t area)
{
    return 4 * (int64_t)halo_graph_tensor_shape(g, producer).c * area;
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
