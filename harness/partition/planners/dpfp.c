/* DPFP — Li, Iosifidis, Zhang, "Distributed CNN inference on resource-constrained edge devices
 * for fast and reliable ... (DPFP)", Computer Networks 214, 2022; ICC 2022.
 * [paper] Receptive-field segmentation (lossless); fused-layer parallelisation: the conv part is
 *   cut into blocks, each ES computes its row segment through a whole block without talking,
 *   neighbours exchange only the halo rows between blocks; a dynamic programme finds the blocks;
 *   a low-complexity search picks the ES subset for heterogeneous servers.
 * [reconstructed] (see ALGORITHMS.md) The DP of partition/dp.c with block cost C(i, j) = the
 *   balanced finish time of the ESs: each ES's time is receive + compute, both linear in its
 *   output rows n (compute: per-stage cost fitted at two strip heights, rows of every stage
 *   (n-1)*J + R; receive: the input rows from the source for the first block, the halo rows from
 *   its neighbours after that); heights equalise the finish times (an ES that cannot finish a
 *   row in time gets none). The answer adds gathering at the tail device and the tail. The plan
 *   is then built exactly (tiles, sources, timeline); the block boundaries are refined by a local
 *   search on that exact timeline (split or merge at one boundary while the latency drops), and
 *   the heights corrected for the halo by an integer search that moves single rows between neighbours while the simulated latency drops.
 *   ES subsets: the k fastest by standalone latency, k = 1..N (all refined up to 8 ESs, the three
 *   best beyond), best simulated plan kept. */
#include "core/alloc.h"
#include "partition/dp.h"
#include "partition/planner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per-stage linear cost of an interior strip of m output rows: alpha * m + beta (ms). */
struct stage_cost {
    double alpha, beta;
};

struct dpfp {
    const struct halo_planner_ctx *ctx;
    int S;                /* spatial stages */
    int *J, *R;           /* per stage: jump and field (rows) from its input to its output */
    int *H;               /* per stage: output rows */
    int64_t *row_bytes;   /* per stage: bytes of one output row (all channels) */
    int64_t in_row_bytes; /* bytes of one image row */
    struct stage_cost *cost; /* [cluster device][stage], NULL rows for devices not fitted */
    /* the ES set under evaluation */
    int k;
    const int *E;
    double *C;            /* (S+1) x (S+1) block costs */
    double *A, *B, *n;    /* scratch per ES */
    struct ranked_es *rank; /* scratch per ES */
    double *peer_bw, *peer_lat; /* per ES of the set: slowest link and latency from another ES */
};

/* ms for stage s computing an interior strip of m output rows on device d (exact, via a tile). */
static double strip_ms(const struct dpfp *dp, int d, int s, int m)
{
    const struct halo_graph *g = dp->ctx->g;
    const struct halo_stage *st = &g->stages[s];
    struct halo_shape o = g->nodes[st->last - 1].out_shape;
    if (m > o.h) m = o.h;
    int y0 = (o.h - m) / 2;
    struct halo_tile t;
    if (halo_tile_build(g, st->first, st->last, (struct halo_rect){y0, y0 + m, 0, o.w}, HALO_TILE_EXACT, &t) != HALO_OK)
        return INFINITY;
    double ms = 0;
    for (int i = st->first; i < st->last; i++)
        ms += halo_pricer_node_ms(dp->ctx->pricer[d], i, halo_rect_area(t.node[i - st->first].out));
    halo_tile_free(&t);
    return ms / dp->ctx->c->dev[d].speed;
}

/* Fits alpha, beta of every stage on device d from strips of H/8 and H rows (devices that share
 * a profile and speed share the fit). */
static void fit_device(struct dpfp *dp, int d)
{
    const struct halo_cluster *c = dp->ctx->c;
    for (int e = 0; e < d; e++)
        if (dp->ctx->pricer[e] && c->dev[e].profile == c->dev[d].profile && c->dev[e].speed == c->dev[d].speed &&
            e != c->source) {
            memcpy(&dp->cost[(size_t)d * dp->S], &dp->cost[(size_t)e * dp->S], (size_t)dp->S * sizeof *dp->cost);
            return;
        }
    for (int s = 0; s < dp->S; s++) {
        int m2 = dp->H[s], m1 = m2 >= 8 ? m2 / 8 : 1;
        double t2 = strip_ms(dp, d, s, m2), t1 = m1 < m2 ? strip_ms(dp, d, s, m1) : 0;
        double alpha = m1 < m2 ? (t2 - t1) / (m2 - m1) : t2 / m2;
        if (alpha < 0) alpha = 0;
        double beta = t2 - alpha * m2;
        if (beta < 0) {
            beta = 0;
            alpha = t2 / m2;
        }
        dp->cost[(size_t)d * dp->S + s] = (struct stage_cost){alpha, beta};
    }
}

struct ranked_es {
    double key; /* A + B: the time for one row */
    int e;
};

static int cmp_ranked_es(const void *a, const void *b)
{
    const struct ranked_es *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->e - y->e;
}

/* Equal finish times T = A_e * n_e + B_e with sum n_e = H. ESs that cannot finish even one row
 * by T are dropped (n_e = 0), slowest-per-row first, and never more ESs than rows. Returns T.
 * O(k log k): ESs sorted by A + B, T of the m best from prefix sums. */
static double balance(int k, const double *A, const double *B, int H, double *n, struct ranked_es *r)
{
    if (k <= H) { /* the common case needs no sorting: every ES takes at least one row */
        double sa = 0, sb = 0, worst = 0;
        for (int e = 0; e < k; e++) {
            sa += 1 / A[e];
            sb += B[e] / A[e];
            if (A[e] + B[e] > worst) worst = A[e] + B[e];
        }
        double T = (H + sb) / sa;
        if (T >= worst || k == 1) {
            for (int e = 0; e < k; e++) n[e] = (T - B[e]) / A[e];
            return k == 1 ? A[0] * H + B[0] : T;
        }
    }
    double sa = 0, sb = 0, T = INFINITY;
    int m = k < H ? k : H;
    if (m < 1) m = 1;
    if (m < k) { /* only the m best matter: keep them sorted by insertion, O(k * m) with m <= H */
        int have = 0;
        for (int e = 0; e < k; e++) {
            struct ranked_es x = {A[e] + B[e], e};
            if (have == m && cmp_ranked_es(&x, &r[m - 1]) >= 0) continue;
            int i = have < m ? have++ : m - 1;
            while (i > 0 && cmp_ranked_es(&x, &r[i - 1]) < 0) {
                r[i] = r[i - 1];
                i--;
            }
            r[i] = x;
        }
    } else {
        for (int e = 0; e < k; e++) r[e] = (struct ranked_es){A[e] + B[e], e};
        qsort(r, (size_t)k, sizeof *r, cmp_ranked_es);
    }
    for (int i = 0; i < m; i++) {
        sa += 1 / A[r[i].e];
        sb += B[r[i].e] / A[r[i].e];
    }
    for (; m > 1; m--) {
        T = (H + sb) / sa;
        if (T >= r[m - 1].key) break; /* the slowest of the m can do a row by T: all can */
        sa -= 1 / A[r[m - 1].e];
        sb -= B[r[m - 1].e] / A[r[m - 1].e];
    }
    for (int e = 0; e < k; e++) n[e] = 0;
    if (m == 1) {
        n[r[0].e] = H;
        return A[r[0].e] * H + B[r[0].e];
    }
    for (int i = 0; i < m; i++) n[r[i].e] = (T - B[r[i].e]) / A[r[i].e];
    return T;
}

/* Rows a part adds beyond n*J for a field R, jump J, in a tensor of H rows split k ways: the k-1
 * inner boundaries each add R - J rows, shared by the two neighbours; never more than the rest of
 * the tensor. Exact for k = 1 (no halo). */
static double halo_rows(long J, long R, int H, int k)
{
    double f = (k - 1) / (double)k, h = (double)(R - J) * f;
    return h < H * f ? (h > 0 ? h : 0) : H * f;
}

/* The receive terms of ES e for a block starting at stage i, whose input needs about
 * n*Jin + halo rows for n output rows: from the source for the first block, the halo from the
 * neighbours after. */
static void add_receive(const struct dpfp *dp, int i, long Jin, long Rin, int e_idx, int active, double *A, double *B)
{
    const struct halo_cluster *c = dp->ctx->c;
    int d = dp->E[e_idx];
    int H_in = i == 0 ? dp->ctx->g->input.h : dp->H[i - 1];
    double halo = halo_rows(Jin, Rin, H_in, active);
    if (i == 0) {
        double per_ms = 8e-3 / c->bw_mbps[c->source * c->n + d];
        A[e_idx] += dp->in_row_bytes * Jin * per_ms;
        B[e_idx] += c->lat_ms[c->source * c->n + d] + dp->in_row_bytes * halo * per_ms;
        return;
    }
    if (active < 2 || halo <= 0) return;
    /* the halo rows from the neighbours above and below, over the slowest link into e */
    B[e_idx] += 2 * dp->peer_lat[e_idx] + (double)dp->row_bytes[i - 1] * 2 * halo * 8e-3 / dp->peer_bw[e_idx];
}

/* The slowest link and the largest latency into each ES of the set from another ES of it. */
static void peer_links(struct dpfp *dp)
{
    const struct halo_cluster *c = dp->ctx->c;
    for (int e = 0; e < dp->k; e++) {
        int d = dp->E[e];
        dp->peer_bw[e] = INFINITY;
        dp->peer_lat[e] = 0;
        for (int x = 0; x < dp->k; x++) {
            int o = dp->E[x];
            if (o == d) continue;
            if (c->bw_mbps[o * c->n + d] < dp->peer_bw[e]) dp->peer_bw[e] = c->bw_mbps[o * c->n + d];
            if (c->lat_ms[o * c->n + d] > dp->peer_lat[e]) dp->peer_lat[e] = c->lat_ms[o * c->n + d];
        }
    }
}

/* Fills dp->C for the current ES set. */
static void block_costs(struct dpfp *dp)
{
    peer_links(dp);
    int S = dp->S, k = dp->k;
    double *Ac = halo_calloc((size_t)k, sizeof *Ac), *Bc = halo_calloc((size_t)k, sizeof *Bc);
    HALO_ASSERT(Ac && Bc);
    for (int j = 1; j <= S; j++) {
        for (int e = 0; e < k; e++) Ac[e] = Bc[e] = 0;
        long Jj = 1, Rj = 1; /* from stage s's output to the block's output (stage j-1) */
        for (int i = j - 1; i >= 0; i--) {
            /* stage i's output rows: about n*Jj + halo */
            double halo = halo_rows(Jj, Rj, dp->H[i], k);
            for (int e = 0; e < k; e++) {
                struct stage_cost sc = dp->cost[(size_t)dp->E[e] * S + i];
                Ac[e] += sc.alpha * Jj;
                Bc[e] += sc.alpha * halo + sc.beta;
            }
            long Jin = Jj * dp->J[i], Rin = (Rj - 1) * dp->J[i] + dp->R[i]; /* the block's input rows */
            for (int e = 0; e < k; e++) {
                dp->A[e] = Ac[e];
                dp->B[e] = Bc[e];
                add_receive(dp, i, Jin, Rin, e, k, dp->A, dp->B);
                if (dp->A[e] <= 0) dp->A[e] = 1e-12;
            }
            dp->C[i * (S + 1) + j] = balance(k, dp->A, dp->B, dp->H[j - 1], dp->n, dp->rank);
            Jj = Jin;
            Rj = Rin;
        }
    }
    free(Ac);
    free(Bc);
}

static double cost_of(void *arg, int i, int j)
{
    const struct dpfp *dp = arg;
    return dp->C[i * (dp->S + 1) + j];
}

/* Heights of the block [i, j) for the current ES set (recomputes its balance). */
static void block_heights(struct dpfp *dp, int i, int j, int *h)
{
    peer_links(dp);
    int S = dp->S, k = dp->k;
    for (int e = 0; e < k; e++) dp->A[e] = dp->B[e] = 0;
    long Jj = 1, Rj = 1, Jin = 1, Rin = 1;
    for (int s = j - 1; s >= i; s--) {
        double halo = halo_rows(Jj, Rj, dp->H[s], k);
        for (int e = 0; e < k; e++) {
            struct stage_cost sc = dp->cost[(size_t)dp->E[e] * S + s];
            dp->A[e] += sc.alpha * Jj;
            dp->B[e] += sc.alpha * halo + sc.beta;
        }
        Jin = Jj * dp->J[s];
        Rin = (Rj - 1) * dp->J[s] + dp->R[s];
        Jj = Jin;
        Rj = Rin;
    }
    for (int e = 0; e < k; e++) {
        add_receive(dp, i, Jin, Rin, e, k, dp->A, dp->B);
        if (dp->A[e] <= 0) dp->A[e] = 1e-12;
    }
    balance(k, dp->A, dp->B, dp->H[j - 1], dp->n, dp->rank);
    halo_planner_split_rows(dp->H[j - 1], dp->n, k, h);
    /* split_rows gives every ES >= 1 row when rows >= k; honour the balance's dropped ESs */
    int given = 0;
    for (int e = 0; e < k; e++) {
        if (dp->n[e] <= 0) h[e] = 0;
        given += h[e];
    }
    for (int e = 0; given < dp->H[j - 1]; e = (e + 1) % k)
        if (dp->n[e] > 0) {
            h[e]++;
            given++;
        }
    for (int e = k - 1; given > dp->H[j - 1]; e = (e + k - 1) % k)
        if (h[e] > 1) {
            h[e]--;
            given--;
        }
}

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
        block_heights(dp, i, j, h);
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

static void dpfp_free(struct dpfp *dp)
{
    free(dp->J);
    free(dp->R);
    free(dp->H);
    free(dp->row_bytes);
    free(dp->cost);
    free(dp->C);
    free(dp->A);
    free(dp->B);
    free(dp->n);
    free(dp->rank);
    free(dp->peer_bw);
    free(dp->peer_lat);
}

/* Estimated total for ES set E[0..k): DP over blocks, then gather at the best tail device. */
static double estimate(struct dpfp *dp, int *cuts, int *n_cuts)
{
    block_costs(dp);
    double t = halo_dp_blocks(dp->S, cost_of, dp, cuts, n_cuts);
    const struct halo_planner_ctx *ctx = dp->ctx;
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    int k = dp->k, last = dp->S - 1;
    int *h = halo_malloc((size_t)k, sizeof *h);
    HALO_ASSERT(h);
    block_heights(dp, cuts[*n_cuts - 2], cuts[*n_cuts - 1], h);
    int tail_first = g->stages[dp->S < g->n_stages ? dp->S : g->n_stages - 1].first;
    double best = INFINITY;
    for (int x = 0; x < k; x++) {
        int td = dp->E[x];
        double gather = 0;
        for (int e = 0; e < k; e++)
            if (e != x && h[e] > 0)
                gather += halo_cluster_transfer_ms(c, dp->E[e], td, dp->row_bytes[last] * h[e]);
        double tail = dp->S < g->n_stages ? halo_pricer_range_ms(ctx->pricer[td], tail_first, g->n_nodes) / c->dev[td].speed : 0;
        struct halo_shape o = g->nodes[g->n_nodes - 1].out_shape;
        double result = halo_cluster_transfer_ms(c, td, c->source, 4 * (int64_t)o.c * o.h * o.w);
        if (gather + tail + result < best) best = gather + tail + result;
    }
    free(h);
    return t + best;
}

/* Prepares the per-stage tables and the cost fits of the ESs es[0..n). */
static enum halo_status dpfp_init(struct dpfp *dp, const struct halo_planner_ctx *ctx, const int *es, int n)
{
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    *dp = (struct dpfp){.ctx = ctx, .S = g->n_spatial};
    int S = dp->S;
    dp->J = halo_malloc((size_t)S, sizeof *dp->J);
    dp->R = halo_malloc((size_t)S, sizeof *dp->R);
    dp->H = halo_malloc((size_t)S, sizeof *dp->H);
    dp->row_bytes = halo_malloc((size_t)S, sizeof *dp->row_bytes);
    dp->cost = halo_calloc((size_t)c->n * S, sizeof *dp->cost);
    dp->C = halo_malloc((size_t)(S + 1) * (S + 1), sizeof *dp->C);
    dp->A = halo_malloc((size_t)c->n, sizeof *dp->A);
    dp->B = halo_malloc((size_t)c->n, sizeof *dp->B);
    dp->n = halo_malloc((size_t)c->n, sizeof *dp->n);
    dp->rank = halo_malloc((size_t)c->n, sizeof *dp->rank);
    dp->peer_bw = halo_malloc((size_t)c->n, sizeof *dp->peer_bw);
    dp->peer_lat = halo_malloc((size_t)c->n, sizeof *dp->peer_lat);
    if (!dp->J || !dp->R || !dp->H || !dp->row_bytes || !dp->cost || !dp->C || !dp->A || !dp->B || !dp->n || !dp->rank || !dp->peer_bw || !dp->peer_lat) {
        dpfp_free(dp);
        return HALO_ERR_NOMEM;
    }
    for (int s = 0; s < S; s++) {
        const struct halo_stage *st = &g->stages[s];
        halo_graph_range_field(g, st->first, st->last, &dp->J[s], &dp->R[s]);
        struct halo_shape o = g->nodes[st->last - 1].out_shape;
        dp->H[s] = o.h;
        dp->row_bytes[s] = 4 * (int64_t)o.c * o.w;
    }
    dp->in_row_bytes = 4 * (int64_t)g->input.c * g->input.w;
    for (int e = 0; e < n; e++) fit_device(dp, es[e]);
    return HALO_OK;
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
        block_costs(dp);
        halo_dp_blocks(dp->S, cost_of, dp, cuts, &nc);
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
    HALO_TRY(dpfp_init(&dp, ctx, es, k));
    int *cuts = halo_malloc((size_t)dp.S + 1, sizeof *cuts), nc = 0;
    enum halo_status st = cuts ? HALO_OK : HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        dp.k = k;
        dp.E = es;
        block_costs(&dp);
        halo_dp_blocks(dp.S, cost_of, &dp, cuts, &nc);
        st = improve_cuts(&dp, cuts, &nc, 8 * (dp.S + 1), INFINITY);
    }
    if (st == HALO_OK) st = plan_for_set(&dp, es, k, true, cuts, nc, out);
    free(cuts);
    dpfp_free(&dp);
    return st;
}

enum halo_status halo_dpfp_block_costs(const struct halo_planner_ctx *ctx, const int *es, int k, double **C, int *S)
{
    struct dpfp dp;
    HALO_TRY(dpfp_init(&dp, ctx, es, k));
    dp.k = k;
    dp.E = es;
    block_costs(&dp);
    *C = dp.C;
    *S = dp.S;
    dp.C = NULL;
    dpfp_free(&dp);
    return HALO_OK;
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
    if (st == HALO_OK) st = dpfp_init(&dp, ctx, order, n_es);
    /* candidate subsets: the k fastest ESs for every k (a slow network or a slow ES can make fewer
     * ESs faster, on homogeneous clusters too); only all of them with --no-select */
    int k_lo = ctx->opts.no_select ? n_es : 1;
    for (int k = 1; k <= n_es && st == HALO_OK; k++) {
        est[k] = INFINITY;
        if (k < k_lo) continue;
        dp.k = k;
        dp.E = order;
        est[k] = estimate(&dp, cuts + (size_t)k * S1, &ncuts[k]);
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
        if (!best || p->total_ms < best->total_ms) {
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
    dpfp_free(&dp);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    if (!best) return halo_error(HALO_ERR_INVALID, "dpfp: no edge server can compute %s", g->name);
    *out = best;
    return HALO_OK;
}
