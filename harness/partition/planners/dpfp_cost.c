/* dpfp_cost: DPFP's analytical model — per-stage linear costs fitted on each device, the block
 * cost C(i, j) of the dynamic programme (balanced receive + compute over the ESs), the balanced
 * heights of a block and the estimate of a whole plan. The exact plans and the searches on them
 * are dpfp.c. */
#include "core/alloc.h"
#include "partition/dp.h"
#include "partition/planners/dpfp_internal.h"
#include "partition/split.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
void halo_dpfp_fill_costs(struct dpfp *dp)
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
                if (!dp->no_receive) add_receive(dp, i, Jin, Rin, e, k, dp->A, dp->B);
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

double halo_dpfp_cost_of(void *arg, int i, int j)
{
    const struct dpfp *dp = arg;
    return dp->C[i * (dp->S + 1) + j];
}

/* Heights of the block [i, j) for the current ES set (recomputes its balance). */
void halo_dpfp_heights(struct dpfp *dp, int i, int j, int *h)
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
        if (!dp->no_receive) add_receive(dp, i, Jin, Rin, e, k, dp->A, dp->B);
        if (dp->A[e] <= 0) dp->A[e] = 1e-12;
    }
    balance(k, dp->A, dp->B, dp->H[j - 1], dp->n, dp->rank);
    int rows = dp->H[j - 1];
    /* When costs dwarf a row's (links so slow that T - B loses every digit) or are not finite, the
     * balance can drop every ES or give NaN shares; the block then goes to the ES that finishes
     * it soonest, so that the loops below always end. */
    bool any = false;
    for (int e = 0; e < k; e++) any |= dp->n[e] > 0 && isfinite(dp->n[e]);
    if (!any) {
        int best = 0;
        for (int e = 1; e < k; e++)
            if (dp->A[e] * rows + dp->B[e] < dp->A[best] * rows + dp->B[best]) best = e;
        for (int e = 0; e < k; e++) dp->n[e] = e == best ? rows : 0;
    }
    halo_split_apportion(rows, dp->n, k, rows >= k ? 1 : 0, HALO_SHARE_SCALED, h);
    /* the apportionment gives every ES >= 1 row when rows >= k; honour the balance's dropped ESs */
    int given = 0;
    for (int e = 0; e < k; e++) {
        if (!(dp->n[e] > 0)) h[e] = 0;
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

void halo_dpfp_free(struct dpfp *dp)
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
double halo_dpfp_estimate(struct dpfp *dp, int *cuts, int *n_cuts)
{
    halo_dpfp_fill_costs(dp);
    double t = halo_dp_blocks(dp->S, halo_dpfp_cost_of, dp, cuts, n_cuts);
    const struct halo_planner_ctx *ctx = dp->ctx;
    const struct halo_graph *g = ctx->g;
    const struct halo_cluster *c = ctx->c;
    int k = dp->k, last = dp->S - 1;
    int *h = halo_malloc((size_t)k, sizeof *h);
    HALO_ASSERT(h);
    halo_dpfp_heights(dp, cuts[*n_cuts - 2], cuts[*n_cuts - 1], h);
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
enum halo_status halo_dpfp_init(struct dpfp *dp, const struct halo_planner_ctx *ctx, const int *es, int n)
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
        halo_dpfp_free(dp);
        return HALO_ERR_NOMEM;
    }
    for (int s = 0; s < S; s++) {
        const struct halo_stage *st = &g->stages[s];
        halo_graph_range_field(g, st->first, st->last, &dp->J[s], &dp->R[s]);
        struct halo_shape o = g->nodes[st->last - 1].out_shape;
        dp->H[s] = o.h;
        dp->row_bytes[s] = 4 * (int64_t)o.c * o.w;
    }
    dp->in_row_bytes = halo_wire_bytes(HALO_INPUT, g->input.c, g->input.w);
    for (int e = 0; e < n; e++) fit_device(dp, es[e]);
    return HALO_OK;
}

enum halo_status halo_dpfp_block_costs(const struct halo_planner_ctx *ctx, const int *es, int k, double **C, int *S)
{
    struct dpfp dp;
    HALO_TRY(halo_dpfp_init(&dp, ctx, es, k));
    dp.k = k;
    dp.E = es;
    halo_dpfp_fill_costs(&dp);
    *C = dp.C;
    *S = dp.S;
    dp.C = NULL;
    halo_dpfp_free(&dp);
    return HALO_OK;
}
