#include "partition/adapt.h"
#include "core/alloc.h"
#include "partition/stream_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An estimate: its value, when it was last reported, and the report being averaged (see ewma). */
struct est {
    double v, t;      /* t: -INFINITY before the first report */
    double base, sum; /* the value before this report; the sum of its observations */
    int n;
    bool base_ok;     /* base was fresh */
};

struct halo_adapt {
    const struct halo_graph *g;
    const struct halo_cluster *c;
    int n;                      /* cluster devices */
    int *es, n_es;              /* the run's ESs (cluster indices): plan device k is es[k - 1] */
    bool *in_run;               /* per cluster device: the source or one of es[] */
    struct halo_objective obj;
    const struct halo_link_model *link;
    struct halo_adapt_opts o;
    struct halo_pricer **pricer; /* per cluster device, at its profile (speed applied apart) */
    /* the estimates: per pair of devices, per device; when each was last observed */
    struct est *rate;           /* n x n Mbps */
    struct est *speed;          /* n */
    bool *dead;
    bool dead_new;              /* a device died since the last plan */
    int dead_dev;
    /* the estimates when the last plan was adopted (or the cluster's), to name what changed */
    double *snap_link, *snap_speed; /* per device: downlink and uplink factors; speed */
    /* the policy */
    int streak, checks, checks_since;
    double last_adopt_ms;
    double adopted_ms;          /* the figure the plan in use was predicted at when it was adopted */
    struct halo_adapt_record *log;
    int n_log;
    size_t log_cap;
    /* the cluster as estimated (shallow: names and profiles are the cluster's) and its planner */
    struct halo_cluster ec;
    struct halo_device *edev;
    double *ebw;
    struct halo_pricer **epricer; /* the run's live devices' pricers; NULL for the others */
    struct halo_planner_ctx ctx;
};

struct halo_adapt_opts halo_adapt_opts_default(void)
{
    return (struct halo_adapt_opts){.alpha = 0.3, .gain = 0.10, .hold = 3, .min_interval_ms = 2000, .stale_ms = 5000,
                                    .search = 2, .method = "dpfp"};
}

const char *halo_adapt_trigger_name(enum halo_adapt_trigger t)
{
    switch (t) {
    case HALO_ADAPT_TRIGGER_LINK: return "link";
    case HALO_ADAPT_TRIGGER_STRAGGLER: return "straggler";
    case HALO_ADAPT_TRIGGER_DEAD: return "dead";
    case HALO_ADAPT_TRIGGER_SEARCH: return "search";
    case HALO_ADAPT_TRIGGER_FASTER: return "faster";
    }
    return "?";
}

void halo_adapt_free(struct halo_adapt *a)
{
    if (!a) return;
    for (int d = 0; a->pricer && d < a->n; d++) halo_pricer_free(a->pricer[d]);
    void *arrays[] = {a->es, a->in_run, a->pricer, a->rate, a->speed, a->dead,
                      a->snap_link, a->snap_speed, a->log, a->edev, a->ebw, a->epricer};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
    free(a);
}

enum halo_status halo_adapt_new(const struct halo_graph *g, const struct halo_cluster *c, const int *es, int n_es,
                                const struct halo_objective *o, const struct halo_link_model *link,
                                const struct halo_adapt_opts *opts, struct halo_adapt **out)
{
    *out = NULL;
    struct halo_adapt_opts op = opts ? *opts : halo_adapt_opts_default();
    if (!(op.alpha > 0 && op.alpha <= 1) || !(op.gain >= 0) || op.hold < 1 || !(op.min_interval_ms >= 0) || op.search < 0)
        return halo_error(HALO_ERR_INVALID, "adapt: alpha must be in (0, 1], gain >= 0, hold >= 1, interval >= 0, search >= 0");
    if (!op.method) op.method = "dpfp";
    const struct halo_planner_info *info = halo_planner_find(op.method);
    if (!info) return halo_error(HALO_ERR_INVALID, "adapt: unknown method '%s'", op.method);
    if (n_es < 1) return halo_error(HALO_ERR_INVALID, "adapt: no ES");
    struct halo_adapt *a = halo_calloc(1, sizeof *a);
    if (!a) return HALO_ERR_NOMEM;
    int n = a->n = c->n;
    a->g = g;
    a->c = c;
    a->obj = *o;
    a->link = link;
    a->o = op;
    a->n_es = n_es;
    a->es = halo_malloc((size_t)n_es, sizeof *a->es);
    a->in_run = halo_calloc((size_t)n, sizeof *a->in_run);
    a->pricer = halo_calloc((size_t)n, sizeof *a->pricer);
    a->rate = halo_malloc((size_t)n * n, sizeof *a->rate);
    a->snap_link = halo_malloc((size_t)n * 2, sizeof *a->snap_link);
    a->ebw = halo_malloc((size_t)n * n, sizeof *a->ebw);
    a->speed = halo_malloc((size_t)n, sizeof *a->speed);
    a->snap_speed = halo_malloc((size_t)n, sizeof *a->snap_speed);
    a->dead = halo_calloc((size_t)n, sizeof *a->dead);
    a->edev = halo_malloc((size_t)n, sizeof *a->edev);
    a->epricer = halo_calloc((size_t)n, sizeof *a->epricer);
    if (!a->es || !a->in_run || !a->pricer || !a->rate || !a->snap_link || !a->ebw || !a->speed ||
        !a->snap_speed || !a->dead || !a->edev || !a->epricer) {
        halo_adapt_free(a);
        return HALO_ERR_NOMEM;
    }
    a->in_run[c->source] = true;
    for (int k = 0; k < n_es; k++) {
        if (es[k] < 0 || es[k] >= n || es[k] == c->source || a->in_run[es[k]]) {
            halo_adapt_free(a);
            return halo_error(HALO_ERR_INVALID, "adapt: ES %d: not a distinct ES of the cluster", k);
        }
        a->es[k] = es[k];
        a->in_run[es[k]] = true;
    }
    for (int d = 0; d < n; d++) {
        if (!a->in_run[d] || !c->dev[d].profile) continue;
        enum halo_status st = halo_pricer_new(c->dev[d].profile, g, &a->pricer[d]);
        if (st != HALO_OK) {
            halo_error_prefix("%s: devices[%d] (%s)", c->path, d, c->dev[d].name);
            halo_adapt_free(a);
            return st;
        }
    }
    for (int i = 0; i < n * n; i++) a->rate[i] = (struct est){.v = c->bw_mbps[i], .t = -INFINITY};
    for (int i = 0; i < 2 * n; i++) a->snap_link[i] = 1;
    for (int d = 0; d < n; d++) {
        a->speed[d] = (struct est){.v = c->dev[d].speed, .t = -INFINITY};
        a->snap_speed[d] = c->dev[d].speed;
    }
    a->last_adopt_ms = -INFINITY;
    a->adopted_ms = INFINITY;
    a->dead_dev = -1;
    *out = a;
    return HALO_OK;
}

/* ---- the estimator --------------------------------------------------------------------------- */

static bool fresh(const struct halo_adapt *a, double t, double now)
{
    return t > -INFINITY && (a->o.stale_ms < 0 || now - t <= a->o.stale_ms);
}

/* One EWMA step per report: observations with the same time (one frame's, reported at once) are
 * averaged and count as one, so that a pair that carries many messages a frame does not move
 * faster than one that carries one. A stale estimate says nothing about now: the first fresh
 * report replaces it. */
static void ewma(const struct halo_adapt *a, struct est *e, double now, double x)
{
    if (e->t != now) {
        e->base_ok = fresh(a, e->t, now);
        e->base = e->v;
        e->sum = 0;
        e->n = 0;
        e->t = now;
    }
    e->sum += x;
    e->n++;
    double mean = e->sum / e->n;
    e->v = e->base_ok ? (1 - a->o.alpha) * e->base + a->o.alpha * mean : mean;
}

void halo_adapt_observe_transfer(struct halo_adapt *a, double now_ms, int from, int to, int64_t bytes, double link_ms)
{
    if (from == to || from < 0 || to < 0 || from >= a->n || to >= a->n || bytes <= 0) return;
    int ab = from * a->n + to;
    double t = link_ms - a->c->lat_ms[ab];
    if (!(t > 1e-6)) return;
    double r = (double)bytes * 8e-3 / t;
    ewma(a, &a->rate[ab], now_ms, r);
}

void halo_adapt_observe_compute(struct halo_adapt *a, double now_ms, int dev, double pred_ms, double pred_speed,
                                double obs_ms)
{
    if (dev < 0 || dev >= a->n || !(pred_ms > 0) || !(obs_ms > 0) || !(pred_speed > 0)) return;
    double s = pred_speed * pred_ms / obs_ms;
    ewma(a, &a->speed[dev], now_ms, s);
}

void halo_adapt_mark_dead(struct halo_adapt *a, int dev)
{
    if (dev < 0 || dev >= a->n || a->dead[dev]) return;
    a->dead[dev] = true;
    a->dead_new = true;
    a->dead_dev = dev;
}

bool halo_adapt_is_dead(const struct halo_adapt *a, int dev) { return dev >= 0 && dev < a->n && a->dead[dev]; }

/* The best fresh ratio (rate over the cluster's) of the pairs through device d's uplink (up) or
 * downlink; -1 when none is fresh. A pair's rate is the slower of the sender's uplink and the
 * receiver's downlink, so this bounds the link from below. */
static double link_lower(const struct halo_adapt *a, double now, int d, bool up)
{
    double f = -1;
    for (int x = 0; x < a->n; x++) {
        if (x == d) continue;
        int i = up ? d * a->n + x : x * a->n + d;
        if (fresh(a, a->rate[i].t, now)) f = fmax(f, a->rate[i].v / a->c->bw_mbps[i]);
    }
    return f;
}

/* How much faster the other end of a slow pair must be shown to be before the pair is blamed on
 * this link: estimates of one link from different pairs differ by the EWMA's lag while they move
 * (a 1 % difference blamed an ES for its peers' halved links). */
#define BLAME_MARGIN 0.10

/* What the fresh observations say of device d's access link, as a factor on the cluster's rates.
 * A slow pair is the link's fault when the other end is known to be faster (a pair through it
 * shows more, by BLAME_MARGIN): then the link is as slow as its best pair says. When no pair can be blamed on it,
 * nothing shows that it is slow (a peer's slow link explains every slow pair): the cluster's rate,
 * or more when a pair showed more. Nothing fresh: the cluster's. */
static double link_factor(const struct halo_adapt *a, double now, int d, bool up)
{
    double lb = link_lower(a, now, d, up);
    if (lb < 0) return 1;
    for (int x = 0; x < a->n; x++) {
        if (x == d) continue;
        int i = up ? d * a->n + x : x * a->n + d;
        if (!fresh(a, a->rate[i].t, now)) continue;
        double q = a->rate[i].v / a->c->bw_mbps[i];
        if (link_lower(a, now, x, !up) > q * (1 + BLAME_MARGIN)) return lb; /* this link is the bottleneck */
    }
    return fmax(lb, 1);
}

double halo_adapt_rate(const struct halo_adapt *a, double now_ms, int from, int to)
{
    int ab = from * a->n + to;
    if (from == to) return a->c->bw_mbps[ab];
    if (fresh(a, a->rate[ab].t, now_ms)) return a->rate[ab].v;
    double f = fmin(link_factor(a, now_ms, from, true), link_factor(a, now_ms, to, false));
    return a->c->bw_mbps[ab] * f;
}

/* Devices priced alike: the same profile file, or inline capacities with the same fitted classes. */
static bool same_profile(const struct halo_device *x, const struct halo_device *y)
{
    if (!x->profile || !y->profile || !x->profile_ref || !y->profile_ref || strcmp(x->profile_ref, y->profile_ref))
        return false;
    if (strcmp(x->profile_ref, "inline")) return true;
    for (int k = 0; k < HALO_CLASS_COUNT_; k++)
        if (x->profile->fit[k].present != y->profile->fit[k].present || x->profile->fit[k].gflops != y->profile->fit[k].gflops ||
            x->profile->fit[k].overhead_ms != y->profile->fit[k].overhead_ms)
            return false;
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double halo_adapt_speed(const struct halo_adapt *a, double now_ms, int dev)
{
    if (fresh(a, a->speed[dev].t, now_ms)) return a->speed[dev].v;
    /* Not measured lately: what the devices priced alike ran at, once two or more of them have been
     * measured (the median of their last estimates against their cluster speeds). A platform that
     * runs every device below its profile (a stream at a low frame rate leaves caches cold and
     * cores idle between frames: 0.7-0.8x on the testbed) then does not make an idle device look
     * faster than the one at work, which would move the work on every interval; one device's own
     * slowness (a straggler) is not lent to its peers until a second one has been measured. */
    const struct halo_device *dd = &a->c->dev[dev];
    double r[64];
    int n = 0;
    for (int q = 0; q < a->n && n < 64; q++)
        if (a->speed[q].t > -INFINITY && !a->dead[q] && a->c->dev[q].speed > 0 && same_profile(&a->c->dev[q], dd))
            r[n++] = a->speed[q].v / a->c->dev[q].speed;
    if (n < 2) return dd->speed;
    qsort(r, (size_t)n, sizeof *r, cmp_double);
    return dd->speed * (n % 2 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]));
}

/* ---- the cluster as estimated ---------------------------------------------------------------- */

/* Fills a->ec (and its planner context) with the estimates at now: rates and speeds; devices that
 * are dead or not in the run get no pricer, so that no planner uses them. */
static void estimate_cluster(struct halo_adapt *a, double now)
{
    const struct halo_cluster *c = a->c;
    int n = a->n;
    a->ec = *c;
    a->ec.dev = a->edev;
    a->ec.bw_mbps = a->ebw;
    a->ec.channel = NULL;
    for (int d = 0; d < n; d++) {
        a->edev[d] = c->dev[d];
        a->edev[d].speed = halo_adapt_speed(a, now, d);
        a->epricer[d] = a->in_run[d] && !a->dead[d] ? a->pricer[d] : NULL;
        for (int x = 0; x < n; x++) a->ebw[d * n + x] = halo_adapt_rate(a, now, d, x);
    }
    /* access capacities: the best pair through each link, as halo_link_caps derives them */
    for (int d = 0; d < n; d++) {
        double up = 0, down = 0;
        for (int x = 0; x < n; x++)
            if (x != d) {
                up = fmax(up, a->ebw[d * n + x]);
                down = fmax(down, a->ebw[x * n + d]);
            }
        if (up > 0) a->edev[d].up_mbps = up;
        if (down > 0) a->edev[d].down_mbps = down;
    }
    a->ctx = (struct halo_planner_ctx){.g = a->g, .c = &a->ec, .pricer = a->epricer, .local_ms = INFINITY,
                                       .local_device = -1};
    a->ctx.opts.objective = a->obj;
    a->ctx.opts.link = a->link;
    a->ctx.opts.dpfp_rounds = a->o.search;
    for (int d = 0; d < n; d++) {
        double t = halo_planner_standalone_ms(&a->ctx, d);
        if (t < a->ctx.local_ms) {
            a->ctx.local_ms = t;
            a->ctx.local_device = d;
        }
    }
}

/* src rebuilt over the run's devices on the estimated cluster (estimate_cluster first). */
static enum halo_status rebuild(struct halo_adapt *a, const struct halo_plan *src, struct halo_plan **out)
{
    const struct halo_graph *g = a->g;
    *out = NULL;
    if (a->ctx.local_device < 0) return halo_error(HALO_ERR_INVALID, "adapt: no live device can compute");
    if (src->h != g->input.h || src->w != g->input.w)
        return halo_error(HALO_ERR_INVALID, "adapt: plan is for %dx%d, not %dx%d", src->h, src->w, g->input.h, g->input.w);
    /* src's device k is run device map[k] */
    int *map = halo_malloc((size_t)src->n_dev, sizeof *map);
    if (!map) return HALO_ERR_NOMEM;
    enum halo_status st = HALO_OK;
    for (int k = 0; k < src->n_dev && st == HALO_OK; k++) {
        int d = halo_cluster_find(a->c, src->dev[k].name);
        map[k] = -1;
        if (d == a->c->source) map[k] = 0;
        for (int e = 0; e < a->n_es; e++)
            if (a->es[e] == d) map[k] = e + 1;
        if (map[k] < 0 || (k == 0) != (map[k] == 0))
            st = halo_error(HALO_ERR_INVALID, "adapt: plan device '%s' is not %s of the run", src->dev[k].name,
                            k == 0 ? "the source" : "an ES");
    }
    struct halo_plan *p = NULL;
    if (st == HALO_OK) st = halo_planner_plan_new(&a->ctx, src->method, a->es, a->n_es, &p);
    if (st == HALO_OK) {
        p->has_codec = src->has_codec;
        p->codec = src->codec;
    }
    for (int b = 0; b < src->n_blocks && st == HALO_OK; b++) {
        const struct halo_plan_block *bl = &src->block[b];
        int *dev = halo_malloc((size_t)bl->n_parts, sizeof *dev);
        struct halo_rect *r = halo_malloc((size_t)bl->n_parts, sizeof *r);
        if (!dev || !r) st = HALO_ERR_NOMEM;
        for (int k = 0; k < bl->n_parts && st == HALO_OK; k++) {
            dev[k] = map[bl->part[k].device];
            r[k] = bl->part[k].out;
            if (dev[k] > 0 && a->dead[a->es[dev[k] - 1]])
                st = halo_error(HALO_ERR_INVALID, "adapt: block %d part %d is on dead device '%s'", b, k,
                                src->dev[bl->part[k].device].name);
        }
        if (st == HALO_OK) st = halo_plan_add_block(p, g, bl->stage0, bl->stage1, bl->mode, bl->gather, bl->n_parts, dev, r);
        if (st == HALO_OK) p->block[b].compress = bl->compress;
        free(dev);
        free(r);
    }
    int tail = st == HALO_OK ? map[src->tail.device] : 0;
    if (st == HALO_OK && tail > 0 && a->dead[a->es[tail - 1]])
        st = halo_error(HALO_ERR_INVALID, "adapt: the tail is on dead device '%s'", src->dev[src->tail.device].name);
    if (st == HALO_OK) st = halo_planner_finish(&a->ctx, p, a->es, tail);
    if (st == HALO_OK && src->notes) {
        free(p->notes);
        p->notes = halo_strdup(src->notes);
        if (!p->notes) st = HALO_ERR_NOMEM;
    }
    free(map);
    for (int v = 0; v < src->n_rot && st == HALO_OK; v++) {
        struct halo_plan *q = NULL;
        st = rebuild(a, src->rot[v], &q);
        if (st == HALO_OK) st = halo_plan_add_variant(p, q);
    }
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_adapt_rebuild(struct halo_adapt *a, double now_ms, const struct halo_plan *src,
                                    struct halo_plan **out)
{
    estimate_cluster(a, now_ms);
    return rebuild(a, src, out);
}

enum halo_status halo_adapt_score(const struct halo_adapt *a, const struct halo_plan *p, double *ms)
{
    const struct halo_objective *o = &a->obj;
    if (o->kind == HALO_OBJECTIVE_LATENCY && !(o->fps > 0)) {
        *ms = p->total_ms;
        return HALO_OK;
    }
    struct halo_stream_opts so = o->stream;
    so.fps = o->kind == HALO_OBJECTIVE_LATENCY ? o->fps : 0;
    so.bw_frame = so.cap_frame = NULL;
    so.link = a->link;
    /* enough frames for a queue to show, few enough to stay within a re-plan's time: a plan whose
     * period is 1 ms over the frames' interval ends the window 40 ms later than it began, which
     * the largest latency shows (a median over a short window missed it) */
    if (so.n_frames <= 0 || so.n_frames > 40) so.n_frames = 40;
    so.deadline_ms = 0;
    struct halo_stream_result r;
    HALO_TRY(halo_plan_stream(p, &so, &r));
    *ms = o->kind == HALO_OBJECTIVE_LATENCY ? r.stats.latency_max_ms : r.stats.period_ms;
    halo_stream_result_free(&r);
    return HALO_OK;
}

/* ---- the policy ------------------------------------------------------------------------------ */

static int n_computing(const struct halo_plan *p) { return p ? halo_plan_n_computing(p) : 0; }

/* What moved most since the last adoption, as a log ratio: a device's speed, or one of its access
 * links as the estimator reads its pairs (link_factor: a slow pair is blamed on the end that is
 * not shown faster). */
static void name_trigger(struct halo_adapt *a, double now, struct halo_adapt_record *r)
{
    double best = -1;
    r->trigger = HALO_ADAPT_TRIGGER_LINK;
    r->device = -1;
    r->change = 1;
    for (int d = 0; d < a->n; d++) {
        if (!a->in_run[d] || a->dead[d]) continue;
        double s = halo_adapt_speed(a, now, d) / a->snap_speed[d], m = fabs(log(s));
        if (a->pricer[d] && m > best) {
            best = m;
            r->trigger = s < 1 ? HALO_ADAPT_TRIGGER_STRAGGLER : HALO_ADAPT_TRIGGER_FASTER;
            r->device = d;
            r->change = s;
        }
        for (int up = 0; up < 2; up++) {
            double q = link_factor(a, now, d, up) / a->snap_link[2 * d + up];
            if (fabs(log(q)) > best) {
                best = fabs(log(q));
                r->trigger = HALO_ADAPT_TRIGGER_LINK;
                r->device = d;
                r->change = q;
            }
        }
    }
    if (best < log(HALO_ADAPT_MOVED)) {
        r->trigger = HALO_ADAPT_TRIGGER_SEARCH;
        r->device = -1;
        r->change = 1;
    }
}

static void snapshot(struct halo_adapt *a, double now)
{
    for (int d = 0; d < a->n; d++) {
        a->snap_speed[d] = halo_adapt_speed(a, now, d);
        a->snap_link[2 * d] = link_factor(a, now, d, false);
        a->snap_link[2 * d + 1] = link_factor(a, now, d, true);
    }
}

/* Plans on the estimated cluster with the re-planning method, rebuilt over the run's devices. */
static enum halo_status plan_with(struct halo_adapt *a, const int *es, int k, struct halo_plan **out)
{
    *out = NULL;
    struct halo_plan *q = NULL;
    enum halo_status st;
    if (es) st = halo_plan_dpfp_on(&a->ctx, es, k, &q);
    else st = halo_planner_find(a->o.method)->plan(&a->ctx, &q);
    if (st == HALO_OK) st = rebuild(a, q, out);
    halo_plan_free(q);
    return st;
}

/* The warm start: DPFP on the live ESs that compute in the plan in use, fastest first. */
static enum halo_status warm_candidate(struct halo_adapt *a, const struct halo_plan *cur, struct halo_plan **out)
{
    *out = NULL;
    int *order = halo_malloc((size_t)a->n, sizeof *order), *set = halo_malloc((size_t)a->n, sizeof *set);
    if (!order || !set) {
        free(order);
        free(set);
        return HALO_ERR_NOMEM;
    }
    int n = halo_planner_es_order(&a->ctx, order), k = 0;
    for (int i = 0; i < n; i++) {
        bool used = false;
        for (int v = 0; v < halo_plan_n_variants(cur) && !used; v++) {
            const struct halo_plan *p = halo_plan_variant(cur, v);
            for (int b = 0; b < p->n_blocks && !used; b++)
                for (int j = 0; j < p->block[b].n_parts && !used; j++)
                    used = halo_cluster_find(a->c, p->dev[p->block[b].part[j].device].name) == order[i];
            used = used || halo_cluster_find(a->c, p->dev[p->tail.device].name) == order[i];
        }
        if (used) set[k++] = order[i];
    }
    enum halo_status st = k ? plan_with(a, set, k, out) : HALO_OK;
    free(order);
    free(set);
    return st;
}

enum halo_status halo_adapt_check(struct halo_adapt *a, double now_ms, const struct halo_plan *cur,
                                  struct halo_plan **adopt)
{
    *adopt = NULL;
    a->checks++;
    a->checks_since++;
    bool forced = a->dead_new;
    estimate_cluster(a, now_ms);
    if (a->ctx.local_device < 0) return halo_error(HALO_ERR_INVALID, "adapt: every ES is dead");
    double old = INFINITY;
    enum halo_status st = HALO_OK;
    if (!forced) { /* the plan in use, on the estimates */
        struct halo_plan *q = NULL;
        st = rebuild(a, cur, &q);
        if (st == HALO_OK) st = halo_adapt_score(a, q, &old);
        halo_plan_free(q);
        if (st != HALO_OK) return st;
        if (!isfinite(a->adopted_ms)) a->adopted_ms = old; /* the first plan's figure */
    }
    /* urgent: the plan in use has got HALO_ADAPT_URGENT times worse than when it was adopted (it no
     * longer sustains the rate, say): waiting out the interval and the hold would let the queue grow */
    bool urgent = !forced && old >= HALO_ADAPT_URGENT * a->adopted_ms;
    if (!forced && !urgent && now_ms - a->last_adopt_ms < a->o.min_interval_ms) {
        a->streak = 0;
        return HALO_OK;
    }
    /* the warm start, then the search; the best of them */
    struct halo_plan *best = NULL, *q = NULL;
    double best_ms = INFINITY, ms;
    if (!forced) st = warm_candidate(a, cur, &best);
    if (st == HALO_OK && best) st = halo_adapt_score(a, best, &best_ms);
    if (st == HALO_OK) st = plan_with(a, NULL, 0, &q);
    if (st == HALO_OK) st = halo_adapt_score(a, q, &ms);
    if (st == HALO_OK && (!best || ms < best_ms)) {
        halo_plan_free(best);
        best = q;
        best_ms = ms;
        q = NULL;
    }
    halo_plan_free(q);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    /* hysteresis: the gain must hold for `hold` checks in a row (a dead device, or an urgent gain,
     * does not wait) */
    bool gain = isfinite(best_ms) && (old - best_ms) >= a->o.gain * old;
    a->streak = gain ? a->streak + 1 : 0;
    if (!forced && !(urgent && gain) && a->streak < a->o.hold) {
        halo_plan_free(best);
        return HALO_OK;
    }
    if (halo_grow((void **)&a->log, &a->log_cap, (size_t)a->n_log + 1, sizeof *a->log)) {
        halo_plan_free(best);
        return HALO_ERR_NOMEM;
    }
    struct halo_adapt_record *r = &a->log[a->n_log++];
    *r = (struct halo_adapt_record){.time_ms = now_ms, .old_ms = old, .new_ms = best_ms, .plan_ms = -1,
                                    .old_es = n_computing(cur), .new_es = n_computing(best),
                                    .checks = a->checks_since, .urgent = urgent && a->streak < a->o.hold};
    if (forced) {
        r->trigger = HALO_ADAPT_TRIGGER_DEAD;
        r->device = a->dead_dev;
        r->change = 0;
    } else {
        name_trigger(a, now_ms, r);
    }
    snapshot(a, now_ms);
    a->streak = 0;
    a->checks_since = 0;
    a->last_adopt_ms = now_ms;
    a->adopted_ms = best_ms;
    a->dead_new = false;
    *adopt = best;
    return HALO_OK;
}

const struct halo_adapt_record *halo_adapt_log(const struct halo_adapt *a, int *n)
{
    *n = a->n_log;
    return a->log;
}

struct halo_adapt_record *halo_adapt_last(struct halo_adapt *a) { return a->n_log ? &a->log[a->n_log - 1] : NULL; }

int halo_adapt_checks(const struct halo_adapt *a) { return a->checks; }
