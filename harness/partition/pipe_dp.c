#include "partition/pipe_dp.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void halo_pipe_free(struct halo_pipe *p)
{
    if (!p) return;
    free(p->stage0);
    free(p->es0);
    free(p->es1);
    free(p->cut);
    memset(p, 0, sizeof *p);
}

/* A group's period and latency: input, blocks (and the tail when last), output. */
static void group_cost(const struct halo_pipe_costs *c, int a, int m, int i, int j, double blocks, double *P,
                       double *L)
{
    double in = c->input(c->arg, a, m, i), B = blocks;
    if (j == c->S) B += c->tail(c->arg, a, m);
    double out = j < c->S ? c->output(c->arg, a, m, j) : 0;
    *P = fmax(fmax(in, B), out);
    *L = in + B;
}

void halo_pipe_eval(const struct halo_pipe_costs *c, struct halo_pipe *p)
{
    double P = 0, L = 0;
    int b = 0;
    for (int g = 0; g < p->n_groups; g++) {
        int a = p->es0[g], m = p->es1[g], i = p->stage0[g], j = p->stage0[g + 1];
        double B = 0, Pg, Lg;
        while (b < p->n_blocks && p->cut[b] < i) b++;
        for (; b < p->n_blocks && p->cut[b + 1] <= j; b++) B += c->block(c->arg, a, m, p->cut[b], p->cut[b + 1], p->cut[b] == i);
        group_cost(c, a, m, i, j, B, &Pg, &Lg);
        P = fmax(P, Pg);
        L += Lg;
    }
    p->period_ms = P;
    p->latency_ms = L;
}

/* -1, 0, 1 with a relative tolerance: sums taken in another order still tie */
static int cmp(double x, double y)
{
    if (isinf(x) || isinf(y)) return x == y ? 0 : x < y ? -1 : 1;
    if (x == y || fabs(x - y) <= 1e-12 * fmax(fabs(x), fabs(y))) return 0;
    return x < y ? -1 : 1;
}

/* Is (P, L) better than (P2, L2) under goal and bound? */
static bool better(enum halo_pipe_goal goal, double bound, double P, double L, double P2, double L2)
{
    double x = goal == HALO_PIPE_PERIOD ? P : L, y = goal == HALO_PIPE_PERIOD ? L : P;
    double x2 = goal == HALO_PIPE_PERIOD ? P2 : L2, y2 = goal == HALO_PIPE_PERIOD ? L2 : P2;
    bool ok = !(cmp(y, bound) > 0), ok2 = !(cmp(y2, bound) > 0);
    if (ok != ok2) return ok;
    if (!ok) { /* neither within the bound: the nearer */
        int c = cmp(y, y2);
        return c ? c < 0 : cmp(x, x2) < 0;
    }
    int c = cmp(x, x2);
    return c ? c < 0 : cmp(y, y2) < 0;
}

bool halo_pipe_better(enum halo_pipe_goal goal, double bound, const struct halo_pipe *a, const struct halo_pipe *b)
{
    if (!a->n_groups || !b->n_groups) return a->n_groups && !b->n_groups;
    return better(goal, bound, a->period_ms, a->latency_ms, b->period_ms, b->latency_ms);
}

/* ---- a group's blocks: the cheapest cover of a stage range ------------------------------------ */

struct group_tab {
    double *W;   /* [(S+1)^2] at i * (S+1) + j: blocks covering [i, j), the first priced as first */
    int *w_end;  /* the first block's end */
    double *D;   /* the same without a first block */
    int *d_end;  /* the next block's end */
};

static void group_tab_free(struct group_tab *t)
{
    free(t->W);
    free(t->w_end);
    free(t->D);
    free(t->d_end);
}

static enum halo_status group_tab_fill(const struct halo_pipe_costs *c, int a, int m, struct group_tab *t)
{
    int S = c->S, S1 = S + 1;
    t->W = halo_malloc((size_t)S1 * S1, sizeof *t->W);
    t->D = halo_malloc((size_t)S1 * S1, sizeof *t->D);
    t->w_end = halo_malloc((size_t)S1 * S1, sizeof *t->w_end);
    t->d_end = halo_malloc((size_t)S1 * S1, sizeof *t->d_end);
    if (!t->W || !t->D || !t->w_end || !t->d_end) return HALO_ERR_NOMEM;
    for (int j = 0; j <= S; j++) {
        t->D[j * S1 + j] = 0;
        for (int x = j - 1; x >= 0; x--) { /* D(x, j) = min over y of block(x, y) + D(y, j); ties: fewer blocks */
            double best = INFINITY;
            int arg = -1;
            for (int y = j; y > x; y--) {
                double v = c->block(c->arg, a, m, x, y, false) + t->D[y * S1 + j];
                if (cmp(v, best) < 0) {
                    best = v;
                    arg = y;
                }
            }
            t->D[x * S1 + j] = best;
            t->d_end[x * S1 + j] = arg;
        }
        for (int i = j - 1; i >= 0; i--) {
            double best = INFINITY;
            int arg = -1;
            for (int y = j; y > i; y--) {
                double v = c->block(c->arg, a, m, i, y, true) + t->D[y * S1 + j];
                if (cmp(v, best) < 0) {
                    best = v;
                    arg = y;
                }
            }
            t->W[i * S1 + j] = best;
            t->w_end[i * S1 + j] = arg;
        }
    }
    return HALO_OK;
}

/* ---- the pipeline: Pareto fronts over (stages done, ESs used) --------------------------------- */

struct label {
    double P, L;
    int i, a, prev, idx; /* the last group: stages from i, ESs from a; the label it extends: at
                            (i, prev), index idx */
};

struct front {
    struct label *v;
    int n;
    size_t cap;
};

static enum halo_status front_add(struct front *f, struct label l)
{
    for (int q = 0; q < f->n; q++)
        if (f->v[q].P <= l.P && f->v[q].L <= l.L) return HALO_OK; /* dominated (or equal) */
    int w = 0;
    for (int q = 0; q < f->n; q++)
        if (!(l.P <= f->v[q].P && l.L <= f->v[q].L)) f->v[w++] = f->v[q];
    f->n = w;
    if (halo_grow((void **)&f->v, &f->cap, (size_t)f->n + 1, sizeof *f->v)) return HALO_ERR_NOMEM;
    f->v[f->n++] = l;
    return HALO_OK;
}

static enum halo_status pipe_alloc(struct halo_pipe *p, int n_groups, int n_blocks)
{
    p->n_groups = n_groups;
    p->n_blocks = n_blocks;
    p->stage0 = halo_malloc((size_t)n_groups + 1, sizeof *p->stage0);
    p->es0 = halo_malloc((size_t)n_groups + 1, sizeof *p->es0);
    p->es1 = halo_malloc((size_t)n_groups + 1, sizeof *p->es1);
    p->cut = halo_malloc((size_t)n_blocks + 1, sizeof *p->cut);
    return p->stage0 && p->es0 && p->es1 && p->cut ? HALO_OK : HALO_ERR_NOMEM;
}

/* The pipeline a final label stands for. */
static enum halo_status rebuild(const struct halo_pipe_costs *c, struct front *fr, const struct group_tab *tab,
                                int k, int idx, struct halo_pipe *out)
{
    int S = c->S, S1 = S + 1, N1 = c->N + 1;
    int n_groups = 0, n_blocks = 0;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0 counts, pass 1 fills, both walking back from the end */
        int g = n_groups, b = n_blocks;
        for (int j = S, m = k, q = idx; j > 0;) {
            const struct label *l = &fr[j * N1 + m].v[q];
            const struct group_tab *t = &tab[l->a * N1 + m];
            int nb = 0;
            for (int x = l->i, y = t->w_end[l->i * S1 + j]; x < j; x = y, y = x < j ? t->d_end[x * S1 + j] : j) nb++;
            if (pass == 0) {
                n_groups++;
                n_blocks += nb;
            } else {
                g--;
                b -= nb;
                out->stage0[g] = l->i;
                out->es0[g] = l->a;
                out->es1[g] = m;
                int w = b;
                for (int x = l->i, y = t->w_end[l->i * S1 + j]; x < j; x = y, y = x < j ? t->d_end[x * S1 + j] : j)
                    out->cut[w++] = x;
            }
            j = l->i;
            m = l->prev;
            q = l->idx;
        }
        if (pass == 0) {
            HALO_TRY(pipe_alloc(out, n_groups, n_blocks));
            out->k = k;
            out->stage0[n_groups] = S;
            out->cut[n_blocks] = S;
        }
    }
    halo_pipe_eval(c, out);
    return HALO_OK;
}

enum halo_status halo_pipe_dp(const struct halo_pipe_costs *c, enum halo_pipe_goal goal, double bound, bool every,
                              struct halo_pipe *best)
{
    int S = c->S, N = c->N, S1 = S + 1, N1 = N + 1;
    for (int k = 0; k < N; k++) memset(&best[k], 0, sizeof best[k]);
    struct group_tab *tab = halo_calloc((size_t)N1 * N1, sizeof *tab);
    struct front *fr = halo_calloc((size_t)S1 * N1, sizeof *fr); /* (stages done, ESs [0, m) passed) */
    enum halo_status st = tab && fr ? HALO_OK : HALO_ERR_NOMEM;
    for (int a = 0; a < N && st == HALO_OK; a++)
        for (int m = a + 1; m <= N && st == HALO_OK; m++) st = group_tab_fill(c, a, m, &tab[a * N1 + m]);
    if (st == HALO_OK) st = front_add(&fr[0], (struct label){0, 0, -1, -1, -1, -1});
    /* a group of stages [i, j) on ESs [a, m) extends every label of (i, prev), prev <= a (the ESs
     * [prev, a) sit out; none with `every`) */
    for (int j = 1; j <= S && st == HALO_OK; j++)
        for (int m = 1; m <= N && st == HALO_OK; m++)
            for (int i = 0; i < j && st == HALO_OK; i++)
                for (int a = 0; a < m && st == HALO_OK; a++) {
                    double Pg, Lg;
                    group_cost(c, a, m, i, j, tab[a * N1 + m].W[i * S1 + j], &Pg, &Lg);
                    if (!isfinite(Pg) || !isfinite(Lg)) continue; /* a group the costs rule out */
                    for (int prev = every ? a : 0; prev <= a && st == HALO_OK; prev++) {
                        const struct front *from = &fr[i * N1 + prev];
                        for (int q = 0; q < from->n && st == HALO_OK; q++)
                            st = front_add(&fr[j * N1 + m],
                                           (struct label){fmax(from->v[q].P, Pg), from->v[q].L + Lg, i, a, prev, q});
                    }
                }
    for (int k = 1; k <= N && st == HALO_OK; k++) {
        const struct front *f = &fr[S * N1 + k];
        int arg = -1;
        for (int q = 0; q < f->n; q++)
            if (arg < 0 || better(goal, bound, f->v[q].P, f->v[q].L, f->v[arg].P, f->v[arg].L)) arg = q;
        if (arg < 0) continue;
        st = rebuild(c, fr, tab, k, arg, &best[k - 1]);
        if (st == HALO_OK) {
            double y = goal == HALO_PIPE_PERIOD ? best[k - 1].latency_ms : best[k - 1].period_ms;
            best[k - 1].feasible = !(cmp(y, bound) > 0);
        }
    }
    for (int q = 0; tab && q < N1 * N1; q++) group_tab_free(&tab[q]);
    for (int q = 0; fr && q < S1 * N1; q++) free(fr[q].v);
    free(tab);
    free(fr);
    if (st != HALO_OK)
        for (int k = 0; k < N; k++) halo_pipe_free(&best[k]);
    return st;
}

/* ---- brute force ----------------------------------------------------------------------------- */

static int popcount(unsigned x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

/* Every way to place G groups on ESs [0, k), the last group ending at k: group g on [es0[g],
 * es1[g]), in order, gaps allowed unless `every`. Calls try() for each; stops on an error. */
static enum halo_status place_groups(struct halo_pipe *t, int g, int from, int k, bool every,
                                     enum halo_status (*try)(struct halo_pipe *t, void *arg), void *arg)
{
    int G = t->n_groups;
    if (g == G) return try(t, arg);
    int left = G - g; /* groups still to place, each at least one ES */
    for (int a = from; a <= (every ? from : k - left); a++)
        for (int m = a + 1; m <= k - (left - 1); m++) {
            if (g == G - 1 && m != k) continue;
            t->es0[g] = a;
            t->es1[g] = m;
            HALO_TRY(place_groups(t, g + 1, m, k, every, try, arg));
        }
    return HALO_OK;
}

struct brute {
    const struct halo_pipe_costs *c;
    enum halo_pipe_goal goal;
    double bound;
    struct halo_pipe *best;
    bool have;
};

static enum halo_status brute_try(struct halo_pipe *t, void *arg)
{
    struct brute *bf = arg;
    halo_pipe_eval(bf->c, t);
    if (bf->have && !better(bf->goal, bf->bound, t->period_ms, t->latency_ms, bf->best->period_ms, bf->best->latency_ms))
        return HALO_OK;
    struct halo_pipe *b = bf->best;
    halo_pipe_free(b);
    HALO_TRY(pipe_alloc(b, t->n_groups, t->n_blocks));
    b->k = t->k;
    memcpy(b->stage0, t->stage0, (size_t)(t->n_groups + 1) * sizeof *t->stage0);
    memcpy(b->es0, t->es0, (size_t)t->n_groups * sizeof *t->es0);
    memcpy(b->es1, t->es1, (size_t)t->n_groups * sizeof *t->es1);
    memcpy(b->cut, t->cut, (size_t)(t->n_blocks + 1) * sizeof *t->cut);
    b->period_ms = t->period_ms;
    b->latency_ms = t->latency_ms;
    bf->have = true;
    return HALO_OK;
}

enum halo_status halo_pipe_brute_force(const struct halo_pipe_costs *c, int k, enum halo_pipe_goal goal,
                                       double bound, bool every, struct halo_pipe *best)
{
    int S = c->S;
    memset(best, 0, sizeof *best);
    HALO_ASSERT(S >= 1 && S <= 20 && k >= 1);
    struct halo_pipe t = {0};
    HALO_TRY(pipe_alloc(&t, S, S)); /* room for the most groups and blocks */
    t.k = k;
    struct brute bf = {c, goal, bound, best, false};
    enum halo_status st = HALO_OK;
    for (unsigned cuts = 0; cuts < 1u << (S - 1) && st == HALO_OK; cuts++) {
        /* blocks: a boundary after stage s for every bit s of cuts */
        int nb = 0;
        t.cut[nb++] = 0;
        for (int s = 0; s < S - 1; s++)
            if (cuts >> s & 1u) t.cut[nb++] = s + 1;
        t.cut[nb] = S;
        t.n_blocks = nb;
        /* groups: a group boundary at every bit q of gm among the nb - 1 block boundaries */
        for (unsigned gm = 0; gm < 1u << (nb - 1) && st == HALO_OK; gm++) {
            int G = popcount(gm) + 1;
            if (G > k) continue;
            t.n_groups = G;
            int g = 0;
            t.stage0[g++] = 0;
            for (int q = 0; q < nb - 1; q++)
                if (gm >> q & 1u) t.stage0[g++] = t.cut[q + 1];
            t.stage0[G] = S;
            st = place_groups(&t, 0, 0, k, every, brute_try, &bf);
        }
    }
    halo_pipe_free(&t);
    if (st == HALO_OK && bf.have) {
        double y = goal == HALO_PIPE_PERIOD ? best->latency_ms : best->period_ms;
        best->feasible = !(cmp(y, bound) > 0);
    }
    if (st != HALO_OK) halo_pipe_free(best);
    return st;
}
