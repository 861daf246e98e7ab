/* DPFP for streams — HALO'S EXTENSION of DPFP (Li, Iosifidis, Zhang, Computer Networks 214, 2022);
 * nothing here is in DPFP's paper, which plans one inference for the lowest latency.
 * [halo's extension] DPFP's dynamic programme over fused blocks also chooses which ESs compute
 *   each block: consecutive block ranges go to disjoint groups of ESs, so the groups form a
 *   pipeline — frame f + 1's first blocks run on the first group while frame f's later blocks run
 *   on the next — with spatial parallelism (DPFP's balanced rows, halo exchange between blocks)
 *   inside each group. With DPFP's ES-subset search (the k fastest ESs, every k), under the
 *   objective: the shortest period (highest throughput) with the latency bound when one is given,
 *   or the shortest latency that sustains a frame rate.
 * [reconstructed] (docs/METHODS.md) Groups are contiguous runs of the ES order (fastest
 *   standalone first), the first group computes the first blocks. A group's blocks are priced by
 *   DPFP's block costs on the group (dpfp_cost.c: linear per-stage fits, balanced rows, the halo
 *   exchange between its blocks); its first block without a receive term, because the group's
 *   input is priced apart: the image's rows from the source (serialised on the source's uplink)
 *   or the previous group's output rows over the slowest link into each of its ESs; the last group
 *   adds gathering at its best ES, the tail and the logits. A group's period is max(input,
 *   blocks), its latency their sum; the pipeline's period the largest, its latency the sum
 *   (partition/pipe_dp.h: an exact Pareto DP, tested against brute force). Candidates, each built
 *   exactly (rows by DPFP's balance, the tail on the last group's ES that scores best, rows
 *   refined one at a time on the simulated plan): the best pipeline for every k, the best of
 *   single-ES groups for every k, R replicas of pipelines over the ESs dealt one by one (frames
 *   rotating over them as plan variants: data parallelism over whole pipelines), and DPFP's own
 *   plan (a pipeline of one group); the candidate whose simulated stream is best under the
 *   objective wins. */
#include "core/alloc.h"
#include "partition/pipe_dp.h"
#include "partition/planners/dpfp_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dstream {
    struct dpfp dp; /* DPFP's fits and tables over every ES of the order */
    const struct halo_planner_ctx *ctx;
    int *order, n, S, S1, N1;
    double *C0, *C1; /* per group (a, m): (S+1)^2 block costs, a group's first block / a later one */
    double *in;      /* per group and stage: the group's input */
    double *out;     /* per group and stage j: the group's output (of stage j - 1) */
    double *tail;    /* per group */
    int *plan_es;    /* the plan being built: its ESs (cluster indices), plan device k is plan_es[k - 1] */
    int max_group;   /* groups of at most this many ESs (0: any) */
};

static size_t gi(const struct dstream *d, int a, int m) { return (size_t)a * d->N1 + m; }

static double cost_block(const void *arg, int a, int m, int i, int j, bool first)
{
    const struct dstream *d = arg;
    if (d->max_group && m - a > d->max_group) return INFINITY;
    const double *C = first ? d->C0 : d->C1;
    return C[(gi(d, a, m) * d->S1 + i) * d->S1 + j];
}

static double cost_input(const void *arg, int a, int m, int i)
{
    const struct dstream *d = arg;
    return d->in[gi(d, a, m) * d->S1 + i];
}

static double cost_output(const void *arg, int a, int m, int j)
{
    const struct dstream *d = arg;
    return d->out[gi(d, a, m) * d->S1 + j];
}

static double cost_tail(const void *arg, int a, int m)
{
    const struct dstream *d = arg;
    return d->tail[gi(d, a, m)];
}

/* The input of group [a, m) at stage i: even shares of the rows (the balance is not known yet). */
static double input_ms(const struct dstream *d, int a, int m, int i)
{
    const struct halo_cluster *c = d->ctx->c;
    const struct halo_graph *g = d->ctx->g;
    int k = m - a;
    if (i == 0) { /* the image's rows, one ES after another on the source's uplink */
        int64_t rows = (g->input.h + k - 1) / k;
        double t = 0;
        for (int e = a; e < m; e++) t += halo_cluster_transfer_ms(c, c->source, d->order[e], rows * d->dp.in_row_bytes);
        return t;
    }
    int64_t bytes = (int64_t)((d->dp.H[i - 1] + k - 1) / k) * d->dp.row_bytes[i - 1];
    double worst = 0;
    for (int e = a; e < m; e++) { /* from the previous groups, over the slowest link into e */
        int to = d->order[e];
        double t = a == 0 ? halo_cluster_transfer_ms(c, c->source, to, bytes) : 0;
        for (int x = 0; x < a; x++) t = fmax(t, halo_cluster_transfer_ms(c, d->order[x], to, bytes));
        worst = fmax(worst, t);
    }
    return worst;
}

/* The output of group [a, m) after stage j - 1 to the next group: each ES sends its even share of
 * the rows over its slowest link to a later ES of the order. */
static double output_ms(const struct dstream *d, int a, int m, int j)
{
    const struct halo_cluster *c = d->ctx->c;
    int k = m - a;
    int64_t bytes = (int64_t)((d->dp.H[j - 1] + k - 1) / k) * d->dp.row_bytes[j - 1];
    double worst = 0;
    for (int e = a; e < m; e++)
        for (int x = m; x < d->n; x++) worst = fmax(worst, halo_cluster_transfer_ms(c, d->order[e], d->order[x], bytes));
    return worst;
}

/* After the last block on group [a, m): its rows gathered at one of its ESs, the tail there, the
 * logits to the source; the best ES. */
static double tail_ms(const struct dstream *d, int a, int m)
{
    const struct halo_planner_ctx *ctx = d->ctx;
    const struct halo_cluster *c = ctx->c;
    const struct halo_graph *g = ctx->g;
    int k = m - a, S = d->S;
    int64_t bytes = (int64_t)((d->dp.H[S - 1] + k - 1) / k) * d->dp.row_bytes[S - 1];
    struct halo_shape o = g->nodes[g->n_nodes - 1].out_shape;
    double best = INFINITY;
    for (int x = a; x < m; x++) {
        int td = d->order[x];
        double t = 0;
        for (int e = a; e < m; e++)
            if (e != x) t += halo_cluster_transfer_ms(c, d->order[e], td, bytes);
        if (S < g->n_stages) t += halo_pricer_range_ms(ctx->pricer[td], g->stages[S].first, g->n_nodes) / c->dev[td].speed;
        t += halo_cluster_transfer_ms(c, td, c->source, 4 * (int64_t)o.c * o.h * o.w);
        best = fmin(best, t);
    }
    return best;
}

static void dstream_free(struct dstream *d)
{
    halo_dpfp_free(&d->dp);
    free(d->order);
    free(d->C0);
    free(d->C1);
    free(d->in);
    free(d->out);
    free(d->tail);
    free(d->plan_es);
}

/* Fits the ESs es[0..n) (NULL: every ES in ES order), which groups are cut from in that order, and
 * fills the cost tables of every group. */
static enum halo_status dstream_init(struct dstream *d, const struct halo_planner_ctx *ctx, const int *es, int n)
{
    memset(d, 0, sizeof *d);
    d->ctx = ctx;
    d->order = halo_malloc((size_t)ctx->c->n, sizeof *d->order);
    d->plan_es = halo_malloc((size_t)ctx->c->n, sizeof *d->plan_es);
    if (!d->order || !d->plan_es) return HALO_ERR_NOMEM;
    if (es) memcpy(d->order, es, (size_t)n * sizeof *es);
    d->n = es ? n : halo_planner_es_order(ctx, d->order);
    if (d->n == 0) return halo_error(HALO_ERR_INVALID, "dpfp-stream: no edge server can compute %s", ctx->g->name);
    HALO_TRY(halo_dpfp_init(&d->dp, ctx, d->order, d->n));
    d->S = d->dp.S;
    d->S1 = d->S + 1;
    d->N1 = d->n + 1;
    size_t ng = (size_t)d->N1 * d->N1, sq = (size_t)d->S1 * d->S1;
    d->C0 = halo_malloc(ng * sq, sizeof *d->C0);
    d->C1 = halo_malloc(ng * sq, sizeof *d->C1);
    d->in = halo_malloc(ng * d->S1, sizeof *d->in);
    d->out = halo_calloc(ng * d->S1, sizeof *d->out);
    d->tail = halo_malloc(ng, sizeof *d->tail);
    if (!d->C0 || !d->C1 || !d->in || !d->out || !d->tail) return HALO_ERR_NOMEM;
    for (int a = 0; a < d->n; a++)
        for (int m = a + 1; m <= d->n; m++) {
            size_t q = gi(d, a, m);
            d->dp.E = d->order + a;
            d->dp.k = m - a;
            d->dp.no_receive = true;
            halo_dpfp_fill_costs(&d->dp);
            memcpy(d->C0 + q * sq, d->dp.C, sq * sizeof *d->C0);
            d->dp.no_receive = false;
            halo_dpfp_fill_costs(&d->dp);
            memcpy(d->C1 + q * sq, d->dp.C, sq * sizeof *d->C1);
            for (int i = 0; i < d->S; i++) d->in[q * d->S1 + i] = input_ms(d, a, m, i);
            for (int j = 1; j < d->S; j++) d->out[q * d->S1 + j] = output_ms(d, a, m, j);
            d->tail[q] = tail_ms(d, a, m);
        }
    return HALO_OK;
}

enum halo_status halo_dpfp_stream_model(const struct halo_planner_ctx *ctx, struct halo_pipe_costs *costs,
                                        void **model)
{
    struct dstream *d = halo_calloc(1, sizeof *d);
    *model = d;
    if (!d) return HALO_ERR_NOMEM;
    HALO_TRY(dstream_init(d, ctx, NULL, 0));
    *costs = (struct halo_pipe_costs){.S = d->S, .N = d->n, .block = cost_block, .input = cost_input,
                                      .output = cost_output, .tail = cost_tail, .arg = d};
    return HALO_OK;
}

void halo_dpfp_stream_model_free(void *model)
{
    if (!model) return;
    dstream_free(model);
    free(model);
}

/* ---- exact plans and their scores ---------------------------------------------------------- */

/* How a plan under construction scores (lower is better): within the objective's bound first,
 * then the objective's figure, then the other — from one frame's timeline and the period bound,
 * cheap enough to compare single-row moves. */
struct score {
    bool out;          /* outside the bound */
    double first, second;
};

static struct score score_of(const struct halo_objective *o, const struct halo_plan *p)
{
    double pb = halo_plan_period_bound(p), lat = p->total_ms;
    if (o->kind == HALO_OBJECTIVE_THROUGHPUT) {
        bool out = o->deadline_ms > 0 && lat > o->deadline_ms;
        return out ? (struct score){true, lat, pb} : (struct score){false, pb, lat};
    }
    bool out = o->fps > 0 && pb > 1000.0 / o->fps;
    return out ? (struct score){true, pb, lat} : (struct score){false, lat, pb};
}

static bool score_better(struct score a, struct score b)
{
    if (a.out != b.out) return !a.out;
    if (a.first < b.first - 1e-9) return true;
    if (a.first > b.first + 1e-9) return false;
    return a.second < b.second - 1e-9;
}

/* The pricer of plan device dev of the plan being built (d->plan_es). */
static const struct halo_pricer *pricer_of(const struct dstream *d, int dev)
{
    return dev == 0 ? d->ctx->pricer[d->ctx->c->source] : d->ctx->pricer[d->plan_es[dev - 1]];
}

/* The exact plan of pipeline pp: DPFP's balanced rows per block on its group, the tail on the
 * last group's ES that scores best. The plan's ESs: uni[0..n_uni) (cluster indices; every ES of
 * pp among them), or with uni NULL the ESs of pp's groups in order (those that sit out are not in
 * it). Sets d->plan_es. */
static enum halo_status build(struct dstream *d, const struct halo_pipe *pp, const struct halo_objective *o,
                              const int *uni, int n_uni, struct halo_plan **out)
{
    const struct halo_planner_ctx *ctx = d->ctx;
    const struct halo_graph *g = ctx->g;
    struct halo_plan *p = NULL;
    *out = NULL;
    int n_es = 0;
    if (uni) {
        memcpy(d->plan_es, uni, (size_t)n_uni * sizeof *uni);
        n_es = n_uni;
    } else {
        for (int grp = 0; grp < pp->n_groups; grp++)
            for (int e = pp->es0[grp]; e < pp->es1[grp]; e++) d->plan_es[n_es++] = d->order[e];
    }
    int *devof = halo_calloc((size_t)d->n, sizeof *devof); /* plan device of the e-th ES of d->order */
    if (!devof) return HALO_ERR_NOMEM;
    for (int e = 0; e < d->n; e++)
        for (int q = 0; q < n_es; q++)
            if (d->plan_es[q] == d->order[e]) devof[e] = q + 1;
    enum halo_status st = halo_planner_plan_new(ctx, "dpfp-stream", d->plan_es, n_es, &p);
    int *h = halo_malloc((size_t)d->n, sizeof *h), *dev = halo_malloc((size_t)d->n, sizeof *dev);
    struct halo_rect *rects = halo_malloc((size_t)d->n, sizeof *rects);
    if (st == HALO_OK && (!h || !dev || !rects)) st = HALO_ERR_NOMEM;
    for (int grp = 0, b = 0; grp < pp->n_groups && st == HALO_OK; grp++) {
        int a = pp->es0[grp], m = pp->es1[grp];
        d->dp.E = d->order + a;
        d->dp.k = m - a;
        for (; b < pp->n_blocks && pp->cut[b + 1] <= pp->stage0[grp + 1] && st == HALO_OK; b++) {
            int i = pp->cut[b], j = pp->cut[b + 1];
            d->dp.no_receive = i == pp->stage0[grp];
            halo_dpfp_heights(&d->dp, i, j, h);
            struct halo_shape os = g->nodes[g->stages[j - 1].last - 1].out_shape;
            int np = 0, y = 0;
            for (int e = 0; e < m - a; e++) {
                if (h[e] <= 0) continue;
                HALO_ASSERT(devof[a + e] > 0);
                dev[np] = devof[a + e];
                rects[np++] = (struct halo_rect){y, y + h[e], 0, os.w};
                y += h[e];
            }
            st = halo_plan_add_block(p, g, i, j, HALO_TILE_EXACT, false, np, dev, rects);
        }
    }
    d->dp.no_receive = false;
    int a_last = pp->es0[pp->n_groups - 1];
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, d->plan_es, devof[a_last]);
    if (st == HALO_OK && p->tail.first < p->tail.last) {
        int best = p->tail.device;
        struct score bs = score_of(o, p);
        for (int e = a_last + 1; e < pp->es1[pp->n_groups - 1] && st == HALO_OK; e++) {
            int t = devof[e];
            st = halo_plan_set_tail(p, g, t, pricer_of(d, t));
            if (st == HALO_OK) st = halo_plan_simulate(p, g);
            struct score sc = score_of(o, p);
            if (st == HALO_OK && score_better(sc, bs)) {
                bs = sc;
                best = t;
            }
        }
        if (st == HALO_OK) st = halo_plan_set_tail(p, g, best, pricer_of(d, best));
        if (st == HALO_OK) st = halo_plan_simulate(p, g);
    }
    free(devof);
    free(h);
    free(dev);
    free(rects);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

/* Moves one row across a boundary between neighbouring parts of a block while the score improves
 * (the halo and the links' contention, which the linear model ignores). */
static enum halo_status refine(struct dstream *d, struct halo_plan *p, const struct halo_objective *o, int budget)
{
    const struct halo_graph *g = d->ctx->g;
    struct score cur = score_of(o, p);
    bool improved = true;
    while (improved && budget > 0) {
        improved = false;
        for (int b = 0; b < p->n_blocks && budget > 0; b++) {
            struct halo_plan_block *bl = &p->block[b];
            for (int k = 0; k + 1 < bl->n_parts && budget > 0; k++)
                for (int dir = -1; dir <= 1 && budget > 0; dir += 2) {
                    struct halo_plan_part *pa = &bl->part[k], *pc = &bl->part[k + 1];
                    struct halo_rect ra = pa->out, rc = pc->out, na = ra, nc = rc;
                    na.y1 += dir;
                    nc.y0 += dir;
                    if (halo_rect_empty(na) || halo_rect_empty(nc)) continue;
                    const struct halo_pricer *pra = pricer_of(d, pa->device), *prc = pricer_of(d, pc->device);
                    HALO_TRY(halo_plan_set_part(p, g, b, k, na, pra));
                    HALO_TRY(halo_plan_set_part(p, g, b, k + 1, nc, prc));
                    HALO_TRY(halo_plan_simulate(p, g));
                    budget--;
                    struct score s = score_of(o, p);
                    if (score_better(s, cur)) {
                        cur = s;
                        improved = true;
                        continue;
                    }
                    HALO_TRY(halo_plan_set_part(p, g, b, k, ra, pra));
                    HALO_TRY(halo_plan_set_part(p, g, b, k + 1, rc, prc));
                    HALO_TRY(halo_plan_simulate(p, g));
                }
        }
    }
    return HALO_OK;
}

/* Appends to buf (size n, *len used) and keeps *len within it. */
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= n) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *len, n - *len, fmt, ap);
    va_end(ap);
    if (w > 0) *len = *len + (size_t)w < n ? *len + (size_t)w : n - 1;
}

/* The plan's notes: what it is and its groups (pp NULL: DPFP's own plan). */
static enum halo_status set_notes(struct halo_plan *p, const struct halo_pipe *pp, const struct halo_objective *o)
{
    char groups[1024];
    size_t len = 0;
    groups[0] = 0;
    if (!pp) {
        append(groups, sizeof groups, &len, "DPFP's own plan (one group)");
    } else {
        if (pp->n_groups > 1) append(groups, sizeof groups, &len, "a pipeline of %d ES groups:", pp->n_groups);
        else append(groups, sizeof groups, &len, "one ES group:");
        for (int grp = 0, dv = 1; grp < pp->n_groups; grp++) {
            if (grp) append(groups, sizeof groups, &len, " |");
            for (int e = pp->es0[grp]; e < pp->es1[grp]; e++, dv++)
                append(groups, sizeof groups, &len, "%s%s", e > pp->es0[grp] ? "," : " ", p->dev[dv].name);
            append(groups, sizeof groups, &len, " stages %d-%d", pp->stage0[grp], pp->stage0[grp + 1] - 1);
        }
    }
    char buf[1400];
    snprintf(buf, sizeof buf,
             "dpfp-stream (HALO'S EXTENSION of DPFP, not in its paper): lossless; %s; objective %s%s; reconstructed "
             "parts: see halo plan --help",
             groups, halo_objective_name(o->kind), o->kind == HALO_OBJECTIVE_LATENCY && o->fps > 0 ? " at the frame rate" : "");
    char *s = halo_strdup(buf);
    if (!s) return HALO_ERR_NOMEM;
    free(p->notes);
    p->notes = s;
    return HALO_OK;
}

/* ---- replicas: data parallelism over whole pipelines -------------------------------------- */

/* R replicas of the ESs order[0..use) (dealt one by one, so that each gets fast and slow ones
 * alike), each a pipeline found by the DP on its own ESs, frames rotating over them: variant r of
 * the plan is replica r. The bound on each replica: the latency bound, or R times the period the
 * rate allows. */
static enum halo_status replicas(const struct halo_planner_ctx *ctx, const struct halo_objective *o, const int *order,
                                 int use, int R, bool every, struct halo_plan **out)
{
    *out = NULL;
    enum halo_pipe_goal goal = o->kind == HALO_OBJECTIVE_THROUGHPUT ? HALO_PIPE_PERIOD : HALO_PIPE_LATENCY;
    double bound = o->kind == HALO_OBJECTIVE_THROUGHPUT ? (o->deadline_ms > 0 ? o->deadline_ms : INFINITY)
                                                        : (o->fps > 0 ? R * 1000.0 / o->fps : INFINITY);
    struct dstream *d = halo_calloc((size_t)R, sizeof *d);
    struct halo_pipe *pick = halo_calloc((size_t)R, sizeof *pick), *pipes = halo_calloc((size_t)use, sizeof *pipes);
    int *es = halo_malloc((size_t)use, sizeof *es), *uni = halo_malloc((size_t)use, sizeof *uni), n_uni = 0;
    enum halo_status st = d && pick && pipes && es && uni ? HALO_OK : HALO_ERR_NOMEM;
    int inited = 0;
    for (int r = 0; r < R && st == HALO_OK; r++) {
        int n = 0;
        for (int e = r; e < use; e += R) es[n++] = order[e];
        st = dstream_init(&d[r], ctx, es, n);
        inited++;
        struct halo_pipe_costs costs = {.S = d[r].S, .N = d[r].n, .block = cost_block, .input = cost_input,
                                        .output = cost_output, .tail = cost_tail, .arg = &d[r]};
        if (st == HALO_OK) st = halo_pipe_dp(&costs, goal, bound, every, pipes);
        /* the replica's best pipeline over every k of its ESs (all of them with `every`) */
        for (int k = every ? n : 1; k <= n && st == HALO_OK; k++)
            if (halo_pipe_better(goal, bound, &pipes[k - 1], &pick[r])) {
                halo_pipe_free(&pick[r]);
                pick[r] = pipes[k - 1];
                memset(&pipes[k - 1], 0, sizeof pipes[k - 1]);
            }
        for (int k = 0; k < n; k++) halo_pipe_free(&pipes[k]);
        if (st == HALO_OK && !pick[r].n_groups) st = halo_error(HALO_ERR_INVALID, "dpfp-stream: replica %d has no pipeline", r);
    }
    /* the plan's ESs: those of every replica's pipeline, in ES order */
    for (int e = 0; e < use && st == HALO_OK; e++) {
        int r = e % R, idx = e / R;
        bool used = false;
        for (int grp = 0; grp < pick[r].n_groups; grp++) used |= idx >= pick[r].es0[grp] && idx < pick[r].es1[grp];
        if (used) uni[n_uni++] = order[e];
    }
    struct halo_plan *p = NULL;
    for (int r = 0; r < R && st == HALO_OK; r++) {
        struct halo_plan *q = NULL;
        st = build(&d[r], &pick[r], o, uni, n_uni, &q);
        if (st == HALO_OK) st = refine(&d[r], q, o, 40 + 8 * d[r].n);
        if (st != HALO_OK) halo_plan_free(q);
        else if (!p) p = q;
        else st = halo_plan_add_variant(p, q);
    }
    if (st == HALO_OK) {
        char buf[400];
        snprintf(buf, sizeof buf,
                 "dpfp-stream (HALO'S EXTENSION of DPFP, not in its paper): lossless; %d replicas of a pipeline over "
                 "%d ESs (frame f on replica f mod %d, one plan variant each); objective %s; reconstructed parts: see "
                 "halo plan --help",
                 R, n_uni, R, halo_objective_name(o->kind));
        free(p->notes);
        if (!(p->notes = halo_strdup(buf))) st = HALO_ERR_NOMEM;
        for (int v = 0; v < p->n_rot && st == HALO_OK; v++) {
            free(p->rot[v]->notes);
            if (!(p->rot[v]->notes = halo_strdup(buf))) st = HALO_ERR_NOMEM;
        }
    }
    for (int r = 0; r < inited; r++) dstream_free(&d[r]);
    for (int r = 0; pick && r < R; r++) halo_pipe_free(&pick[r]);
    free(d);
    free(pick);
    free(pipes);
    free(es);
    free(uni);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

/* ---- the search ------------------------------------------------------------------------------- */

/* Keeps q if it beats *best under the objective (frees the loser). */
static enum halo_status keep_better(const struct halo_objective *o, struct halo_plan **best,
                                    struct halo_stream_figures *bf, struct halo_plan *q)
{
    struct halo_stream_figures f;
    enum halo_status st = halo_plan_figures(q, o, &f);
    if (st != HALO_OK) {
        halo_plan_free(q);
        return st;
    }
    if (!*best || halo_objective_compare(o, &f, bf) > 0) {
        halo_plan_free(*best);
        *best = q;
        *bf = f;
    } else {
        halo_plan_free(q);
    }
    return HALO_OK;
}

enum halo_status halo_plan_dpfp_stream(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    *out = NULL;
    const struct halo_objective *o = &ctx->opts.objective;
    struct dstream d;
    enum halo_status st = dstream_init(&d, ctx, NULL, 0);
    struct halo_pipe *pipes = st == HALO_OK ? halo_calloc((size_t)d.n, sizeof *pipes) : NULL;
    if (st == HALO_OK && !pipes) st = HALO_ERR_NOMEM;
    struct halo_pipe_costs costs = {.S = d.S, .N = d.n, .block = cost_block, .input = cost_input,
                                    .output = cost_output, .tail = cost_tail, .arg = &d};
    enum halo_pipe_goal goal = o->kind == HALO_OBJECTIVE_THROUGHPUT ? HALO_PIPE_PERIOD : HALO_PIPE_LATENCY;
    double bound = o->kind == HALO_OBJECTIVE_THROUGHPUT ? (o->deadline_ms > 0 ? o->deadline_ms : INFINITY)
                                                        : (o->fps > 0 ? 1000.0 / o->fps : INFINITY);
    struct halo_plan *best = NULL;
    struct halo_stream_figures bf = {0};
    /* the model's best structure for every k (the last ES used is the k-th of the order; all k
     * with --no-select), and its best pipeline of single ESs (where the model is exact but for the
     * links: a group of several ESs with a deep first block is where its linear model errs),
     * each built exactly */
    bool *single = st == HALO_OK ? halo_calloc((size_t)d.n, sizeof *single) : NULL;
    if (st == HALO_OK && !single) st = HALO_ERR_NOMEM;
    for (int pass = 0; pass < 2 && st == HALO_OK; pass++) {
        d.max_group = pass;
        st = halo_pipe_dp(&costs, goal, bound, ctx->opts.no_select, pipes);
        for (int k = ctx->opts.no_select ? d.n : 1; k <= d.n && st == HALO_OK; k++) {
            const struct halo_pipe *pp = &pipes[k - 1];
            if (pp->n_groups == 0 || (pass == 1 && single[k - 1])) continue; /* built already */
            if (pass == 0) {
                single[k - 1] = true;
                for (int grp = 0; grp < pp->n_groups; grp++) single[k - 1] &= pp->es1[grp] - pp->es0[grp] == 1;
            }
            struct halo_plan *q = NULL;
            st = build(&d, pp, o, NULL, 0, &q);
            if (st == HALO_OK) st = refine(&d, q, o, 40 + 8 * k);
            if (st == HALO_OK) st = set_notes(q, pp, o);
            if (st == HALO_OK) st = keep_better(o, &best, &bf, q);
            else halo_plan_free(q);
        }
        for (int k = 0; k < d.n; k++) halo_pipe_free(&pipes[k]);
    }
    d.max_group = 0;
    free(single);
    /* replicas (data parallelism over whole pipelines): R of them over every ES, and, when the
     * subset is searched, R single-ES replicas of the R fastest (a round robin of whole frames) */
    for (int R = 2; R <= d.n && st == HALO_OK; R++)
        for (int pass = 0; pass < (ctx->opts.no_select || R == d.n ? 1 : 2) && st == HALO_OK; pass++) {
            struct halo_plan *q = NULL;
            st = replicas(ctx, o, d.order, pass ? R : d.n, R, ctx->opts.no_select, &q);
            if (st == HALO_OK) st = keep_better(o, &best, &bf, q);
        }
    /* DPFP's own plan: the pipeline of one group that DPFP's searches refine further */
    if (st == HALO_OK) {
        struct halo_plan *q = NULL;
        st = halo_plan_dpfp(ctx, &q);
        if (st == HALO_OK) {
            free(q->method);
            q->method = halo_strdup("dpfp-stream");
            st = q->method ? set_notes(q, NULL, o) : HALO_ERR_NOMEM;
        }
        if (st == HALO_OK) st = keep_better(o, &best, &bf, q);
        else halo_plan_free(q);
    }
    for (int k = 0; pipes && k < d.n; k++) halo_pipe_free(&pipes[k]);
    free(pipes);
    dstream_free(&d);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    if (!best) return halo_error(HALO_ERR_INVALID, "dpfp-stream: no plan for %s", ctx->g->name);
    *out = best;
    return HALO_OK;
}
