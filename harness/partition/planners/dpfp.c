/* DPFP — Li, Iosifidis, Zhang, "Distributed CNN inference on resource-constrained edge devices
 * for fast and reliable ... (DPFP)", Computer Networks 214, 2022; ICC 2022.
 * [paper] Receptive-field segmentation (lossless); fused-layer parallelisation: the conv part is
 *   cut into blocks, each ES computes its row segment through a whole block without talking,
 *   neighbours exchange only the halo rows between blocks; a dynamic programme finds the blocks;
 *   a low-complexity search picks the ES subset for heterogeneous servers.
 * [reconstructed] (docs/METHODS.md) The DP of partition/dp.c with block cost C(i, j) = the
 *   balanced finish time of the ESs: each ES's time is receive + compute, both linear in its
 *   output rows n (compute: per-stage cost fitted at two strip heights, rows of every stage
 *   n*J plus the halo averaged over the parts, (R - J)(k - 1)/k, at most the rest of the tensor
 *   (dpfp_cost.c: halo_rows); receive: the input rows from the source for the first block, the halo rows from
 *   its neighbours after that); heights equalise the finish times (an ES that cannot finish a
 *   row in time gets none). The answer adds gathering at the tail device and the tail: the fastest
 *   ES, or one of the two best by the gather + tail estimate, whichever the simulation finds first
 *   to finish. The plan
 *   is then built exactly (tiles, sources, timeline); the block boundaries are refined by a local
 *   search on that exact timeline (split or merge at one boundary while the latency drops), and
 *   the heights corrected for the halo by an integer search that moves single rows between
 *   neighbours while the simulated latency drops. ES subsets: the k fastest by standalone
 *   latency, k = 1..N (all refined up to 8 ESs, the three best beyond), best simulated plan kept
 *   (best by halo plan's --objective: the latency of one frame unless a stream objective is asked).
 * The analytical model (fits, block costs, heights, the estimate) is dpfp_cost.c; this file builds
 * the exact plans, refines them and searches the subsets. */
#include "core/alloc.h"
#include "partition/dp.h"
#include "partition/planners/dpfp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Builds the exact plan for ES set E[0..k) and cuts, with every ES as the tail candidate. */
static enum halo_status build_plan(struct dpfp *dp, const int *cuts, int n_cuts, struct halo_plan **out)
{
    const struct halo_planner_ctx *ctx = dp->ctx;
    const struct halo_graph *g = ctx->g;
    int k = dp->k;
    struct halo_plan *p;
    HALO_TRY(halo_planner_plan_new(ctx, "dpfp", dp->E, k, &p));
    int *h = halo_malloc((size_t)k, sizeof *h), *dev = halo_malloc((size_t)k, sizeof *dev);
    struct halo_rect *rects = halo_malloc((size_t)k, sizeof *rects);
    enum halo_status st = h && dev && rects ? HALO_OK : HALO_ERR_NOMEM;
    for (int b = 0; b + 1 < n_cuts && st == HALO_OK; b++) {
        int i = cuts[b], j = cuts[b + 1];
        halo_dpfp_heights(dp, i, j, h);
        struct halo_shape o = g->nodes[g->stages[j - 1].last - 1].out_shape;
        int np = 0, y = 0;
        for (int e = 0; e < k; e++) {
            if (h[e] <= 0) continue;
            dev[np] = e + 1;
            rects[np++] = (struct halo_rect){y, y + h[e], 0, o.w};
            y += h[e];
        }
        st = halo_plan_add_block(p, g, i, j, HALO_TILE_EXACT, false, np, dev, rects);
    }
    if (st == HALO_OK) st = halo_planner_finish(ctx, p, dp->E, 1);
    /* the tail on the ES that finishes the plan first: the two best by gather + tail estimate,
     * decided by simulation */
    if (st == HALO_OK && p->tail.first < p->tail.last && p->n_blocks > 0) {
        const struct halo_cluster *c = ctx->c;
        const struct halo_plan_block *last = &p->block[p->n_blocks - 1];
        int c_out = g->nodes[last->last - 1].out_shape.c;
        int cand[2] = {-1, -1};
        double cest[2] = {INFINITY, INFINITY};
        for (int t = 1; t <= k; t++) {
            int td = dp->E[t - 1];
            double e = halo_pricer_range_ms(ctx->pricer[td], p->tail.first, p->tail.last) / c->dev[td].speed;
            for (int q = 0; q < last->n_parts; q++)
                e += halo_cluster_transfer_ms(c, dp->E[last->part[q].device - 1], td,
                                              4 * (int64_t)c_out * halo_rect_area(last->part[q].out));
            if (e < cest[0]) {
                cand[1] = cand[0];
                cest[1] = cest[0];
                cand[0] = t;
                cest[0] = e;
            } else if (e < cest[1]) {
                cand[1] = t;
                cest[1] = e;
            }
        }
        int best = p->tail.device;
        double best_ms = p->total_ms;
        for (int q = 0; q < 2 && st == HALO_OK; q++) {
            if (cand[q] < 0 || cand[q] == p->tail.device) continue;
            st = halo_plan_set_tail(p, g, cand[q], ctx->pricer[dp->E[cand[q] - 1]]);
            if (st == HALO_OK) st = halo_plan_simulate(p, g);
            if (st == HALO_OK && p->total_ms < best_ms) {
                best_ms = p->total_ms;
                best = cand[q];
            }
        }
        if (st == HALO_OK) st = halo_plan_set_tail(p, g, best, ctx->pricer[dp->E[best - 1]]);
        if (st == HALO_OK) st = halo_plan_simulate(p, g);
    }
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

/* Integer search: move one row across a boundary between neighbouring parts while the simulated
 * latency drops (corrects the linear model for the halo and for link contention). */
static enum halo_status refine(struct dpfp *dp, struct halo_plan *p, int budget)
{
    const struct halo_graph *g = dp->ctx->g;
    bool improved = true;
    while (improved && budget > 0) {
        improved = false;
        for (int b = 0; b < p->n_blocks && budget > 0; b++) {
            struct halo_plan_block *bl = &p->block[b];
            for (int k = 0; k + 1 < bl->n_parts && budget > 0; k++)
                for (int dir = -1; dir <= 1 && budget > 0; dir += 2) {
                    struct halo_plan_part *a = &bl->part[k], *c = &bl->part[k + 1];
                    struct halo_rect ra = a->out, rc = c->out, na = ra, nc = rc;
                    na.y1 += dir;
                    nc.y0 += dir;
                    if (halo_rect_empty(na) || halo_rect_empty(nc)) continue;
                    double before = p->total_ms;
                    const struct halo_pricer *pa = dp->ctx->pricer[dp->E[a->device - 1]];
                    const struct halo_pricer *pc = dp->ctx->pricer[dp->E[c->device - 1]];
                    HALO_TRY(halo_plan_set_part(p, g, b, k, na, pa));
                    HALO_TRY(halo_plan_set_part(p, g, b, k + 1, nc, pc));
                    HALO_TRY(halo_plan_simulate(p, g));
                    budget--;
                    if (p->total_ms < before - 1e-9) {
                        improved = true;
                        continue;
                    }
                    HALO_TRY(halo_plan_set_part(p, g, b, k, ra, pa));
                    HALO_TRY(halo_plan_set_part(p, g, b, k + 1, rc, pc));
                    HALO_TRY(halo_plan_simulate(p, g));
                }
        }
    }
    return HALO_OK;
}

/* Local search over the block boundaries on the exact plan: toggle one boundary (split a block
 * there, or merge the two blocks it separates) while the simulated latency drops. The DP's linear
 * per-stage model misjudges blocks whose halo grows fast (a deep first block); this corrects it
 * with the timeline itself. cuts[0..*n_cuts) is updated in place (room for S + 1 entries);
 * start_ms is the simulated latency of their plan when the caller has it, else INFINITY. */
static enum halo_status improve_cuts(struct dpfp *dp, int *cuts, int *n_cuts, int budget, double start_ms)
{
    int S = dp->S;
    bool *cut = halo_calloc((size_t)S + 1, sizeof *cut);
    int *trial = halo_malloc((size_t)S + 1, sizeof *trial);
    enum halo_status st = cut && trial ? HALO_OK : HALO_ERR_NOMEM;
    for (int q = 0; q < *n_cuts && st == HALO_OK; q++) cut[cuts[q]] = true;
    struct halo_plan *p = NULL;
    double best = start_ms;
    if (st == HALO_OK && !isfinite(best)) {
        st = build_plan(dp, cuts, *n_cuts, &p);
        if (st == HALO_OK) best = p->total_ms;
        halo_plan_free(p);
    }
    bool improved = true;
    while (improved && budget > 0 && st == HALO_OK) {
        improved = false;
        for (int b = 1; b < S && budget > 0 && st == HALO_OK; b++) {
            cut[b] = !cut[b];
            int nt = 0;
            for (int q = 0; q <= S; q++)
                if (cut[q]) trial[nt++] = q;
            p = NULL;
            st = build_plan(dp, trial, nt, &p);
            budget--;
            if (st == HALO_OK && p->total_ms < best - 1e-9) {
                best = p->total_ms;
                memcpy(cuts, trial, (size_t)nt * sizeof *cuts);
                *n_cuts = nt;
                improved = true;
            } else {
                cut[b] = !cut[b];
            }
            halo_plan_free(p);
        }
    }
    free(cut);
    free(trial);
    return st;
}

/* The exact DPFP plan on the ES set E[0..k): DP, heights, tail choice; refined when `refine_it`. */
static enum halo_status plan_for_set(struct dpfp *dp, const int *E, int k, bool refine_it, const int *known_cuts,
                                     int known_n, struct halo_plan **out)
{
    int *cuts = halo_malloc((size_t)dp->S + 1, sizeof *cuts);
    if (!cuts) return HALO_ERR_NOMEM;
    dp->k = k;
    dp->E = E;
    int nc = known_n;
    if (known_cuts) {
        memcpy(cuts, known_cuts, (size_t)known_n * sizeof *cuts);
    } else {
        halo_dpfp_fill_costs(dp);
        halo_dp_blocks(dp->S, halo_dpfp_cost_of, dp, cuts, &nc);
    }
    struct halo_plan *p = NULL;
    enum halo_status st = build_plan(dp, cuts, nc, &p);
    free(cuts);
    if (st == HALO_OK && refine_it) st = refine(dp, p, 40 + 8 * k);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    p->notes = halo_strdup("dpfp: lossless; DP over fused blocks, balanced rows, peer-to-peer halo exchange; "
                           "reconstructed parts: see halo plan --help");
    *out = p;
    return p->notes ? HALO_OK : HALO_ERR_NOMEM;
}

enum halo_status halo_plan_dpfp_on(const struct halo_planner_ctx *ctx, const int *es, int k, struct halo_plan **out)
{
    struct dpfp dp;
    *out = NULL;
    HALO_TRY(halo_dpfp_init(&dp, ctx, es, k));
    int *cuts = halo_malloc((size_t)dp.S + 1, sizeof *cuts), nc = 0;
    enum halo_status st = cuts ? HALO_OK : HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        dp.k = k;
        dp.E = es;
        halo_dpfp_fill_costs(&dp);
        halo_dp_blocks(dp.S, halo_dpfp_cost_of, &dp, cuts, &nc);
        st = improve_cuts(&dp, cuts, &nc, 8 * (dp.S + 1), INFINITY);
    }
    if (st == HALO_OK) st = plan_for_set(&dp, es, k, true, cuts, nc, out);
    free(cuts);
    halo_dpfp_free(&dp);
    return st;
}

enum halo_status halo_plan_dpfp(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *out = NULL;
    int S1 = g->n_spatial + 1;
    int *order = halo_malloc((size_t)c->n, sizeof *order), *cuts = halo_malloc((size_t)(c->n + 1) * S1, sizeof *cuts);
    int *ncuts = halo_malloc((size_t)c->n + 1, sizeof *ncuts);
    double *est = halo_malloc((size_t)c->n + 1, sizeof *est);
    struct dpfp dp = {0};
    enum halo_status st = order && cuts && ncuts && est ? HALO_OK : HALO_ERR_NOMEM;
    int n_es = st == HALO_OK ? halo_planner_es_order(ctx, order) : 0;
    if (st == HALO_OK) st = halo_dpfp_init(&dp, ctx, order, n_es);
    /* candidate subsets: the k fastest ESs for every k (a slow network or a slow ES can make fewer
     * ESs faster, on homogeneous clusters too); only all of them with --no-select */
    int k_lo = ctx->opts.no_select ? n_es : 1;
    for (int k = 1; k <= n_es && st == HALO_OK; k++) {
        est[k] = INFINITY;
        if (k < k_lo) continue;
        dp.k = k;
        dp.E = order;
        est[k] = halo_dpfp_estimate(&dp, cuts + (size_t)k * S1, &ncuts[k]);
    }
    /* the exact plan for every k, to rank the subset sizes */
    double *exact = halo_malloc((size_t)n_es + 1, sizeof *exact);
    if (!exact && st == HALO_OK) st = HALO_ERR_NOMEM;
    for (int k = 1; k <= n_es && st == HALO_OK; k++) {
        exact[k] = INFINITY;
        if (k < k_lo || !isfinite(est[k])) continue;
        struct halo_plan *p = NULL;
        st = plan_for_set(&dp, order, k, false, cuts + (size_t)k * S1, ncuts[k], &p);
        if (st == HALO_OK) exact[k] = p->total_ms;
        halo_plan_free(p);
    }
    /* boundary search and integer refinement (the costly part) for every subset size on clusters
     * of up to 8 ESs, for the three best by their exact plans beyond: fewer missed the best plan
     * (6 identical ESs did worse than 5; hetero-4-slow vgg16 229 -> 245 ms), and three keep
     * resnet152 on 16 ESs under 50 ms */
    struct halo_plan *best = NULL;
    int rounds = n_es <= 8 ? n_es : 3;
    if (ctx->opts.dpfp_rounds > 0 && ctx->opts.dpfp_rounds < rounds) rounds = ctx->opts.dpfp_rounds;
    for (int round = 0; round < rounds && st == HALO_OK; round++) {
        int kb = -1;
        for (int k = k_lo; k <= n_es; k++)
            if (isfinite(exact[k]) && (kb < 0 || exact[k] < exact[kb])) kb = k;
        if (kb < 0) break;
        double start_ms = exact[kb];
        exact[kb] = INFINITY;
        struct halo_plan *p = NULL;
        dp.k = kb;
        dp.E = order;
        st = improve_cuts(&dp, cuts + (size_t)kb * S1, &ncuts[kb], 3 * S1, start_ms);
        if (st == HALO_OK) st = plan_for_set(&dp, order, kb, true, cuts + (size_t)kb * S1, ncuts[kb], &p);
        if (st != HALO_OK) break;
        /* the subset sizes ranked by the objective: one frame's latency unless another is asked */
        bool better = !best;
        if (best) st = halo_planner_better(ctx, p, best, &better);
        if (st == HALO_OK && better) {
            halo_plan_free(best);
            best = p;
        } else {
            halo_plan_free(p);
        }
    }
    free(exact);
    free(est);
    free(order);
    free(cuts);
    free(ncuts);
    halo_dpfp_free(&dp);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    if (!best) return halo_error(HALO_ERR_INVALID, "dpfp: no edge server can compute %s", g->name);
    *out = best;
    return HALO_OK;
}
