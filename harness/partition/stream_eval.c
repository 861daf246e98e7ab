#include "partition/stream_eval.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "partition/timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int halo_stream_default_inflight(const struct halo_plan *p)
{
    int busy = 0;
    for (int k = 0; k < p->n_dev; k++) {
        bool computes = false;
        for (int v = 0; v < halo_plan_n_variants(p) && !computes; v++) {
            const struct halo_plan *q = halo_plan_variant(p, v);
            computes = q->tail.device == k && q->tail.first < q->tail.last;
            for (int b = 0; b < q->n_blocks && !computes; b++)
                for (int i = 0; i < q->block[b].n_parts && !computes; i++) computes = q->block[b].part[i].device == k;
        }
        busy += computes;
    }
    return busy < 1 ? 2 : 2 * busy;
}

void halo_stream_result_free(struct halo_stream_result *r)
{
    if (!r) return;
    void *a[] = {r->arrival_ms, r->admit_ms, r->done_ms, r->util, r->up_bytes_s, r->down_bytes_s, r->up_busy, r->down_busy};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) free(a[i]);
    memset(r, 0, sizeof *r);
}

double halo_plan_period_bound(const struct halo_plan *p)
{
    int n = p->n_dev, nv = halo_plan_n_variants(p);
    const struct halo_link_model *link = halo_plan_link_model(p);
    double *busy = calloc((size_t)5 * n, sizeof *busy); /* compute, up, down; the capacities */
    if (!busy) return INFINITY;
    double *up = busy + 3 * n, *down = busy + 4 * n;
    for (int v = 0; v < nv; v++) {
        const struct halo_plan *q = halo_plan_variant(p, v);
        const struct halo_sched *s = &q->sched;
        halo_link_caps(q, NULL, NULL, up, down);
        for (int i = 0; i < s->n_step; i++) {
            const struct halo_sched_step *st = &s->step[i];
            busy[st->device] += st->block < q->n_blocks ? q->block[st->block].part[st->part].compute_ms : q->tail.compute_ms;
        }
        for (int m = 0; m < s->n_msg; m++) {
            const struct halo_sched_msg *mm = &s->msg[m];
            if (mm->from == mm->to) continue;
            int ab = mm->from * n + mm->to;
            struct halo_link_xfer x = {.from = mm->from, .to = mm->to, .bytes = mm->bytes, .lat_ms = q->lat_ms[ab],
                                       .bw_mbps = q->bw_mbps[ab], .up_mbps = up[mm->from], .down_mbps = down[mm->to]};
            double tu, td;
            link->hold(&x, &tu, &td);
            busy[n + mm->from] += tu;
            busy[2 * n + mm->to] += td;
        }
    }
    double worst = 0;
    for (int i = 0; i < 3 * n; i++)
        if (busy[i] > worst) worst = busy[i];
    free(busy);
    return worst / nv;
}

/* Frames for a stream of p: the request, or the default, rounded up so that the steady-state
 * window (after the warm-up's last result) spans whole rotations of the variants. */
static int frames_for(const struct halo_plan *p, const struct halo_stream_opts *o, int *warmup)
{
    int n = o->n_frames > 0 ? o->n_frames : HALO_STREAM_DEFAULT_FRAMES, nv = halo_plan_n_variants(p);
    for (;;) {
        int w = o->warmup > 0 ? o->warmup : o->warmup < 0 ? 0 : halo_stream_default_warmup(n);
        if (w > n - 1) w = n - 1;
        *warmup = w;
        if (o->n_frames > 0 || nv == 1 || (n - 1 - w) % nv == 0) return n;
        n++;
    }
}

struct interval {
    double a, b;
};

static int cmp_interval(const void *x, const void *y)
{
    const struct interval *p = x, *q = y;
    return p->a < q->a ? -1 : p->a > q->a;
}

/* The time intervals iv[0..n) cover within [t0, t1] (sorts iv). */
static double covered(struct interval *iv, int n, double t0, double t1)
{
    qsort(iv, (size_t)n, sizeof *iv, cmp_interval);
    double total = 0, cs = 0, ce = -INFINITY;
    for (int i = 0; i < n; i++) {
        double a = fmax(iv[i].a, t0), b = fmin(iv[i].b, t1);
        if (b <= a) continue;
        if (a > ce) {
            if (ce > cs) total += ce - cs;
            cs = a;
            ce = b;
        } else if (b > ce) {
            ce = b;
        }
    }
    if (ce > cs) total += ce - cs;
    return total;
}

/* Utilisation and link loads of the simulated stream within [t0, t1], from its steps' and
 * messages' intervals (ns frames simulated). */
static enum halo_status loads(const struct halo_plan *p, const struct halo_sched *const *scheds, int nv, int ns,
                              const double *ss, const double *se, const double *ms, const double *me, double t0,
                              double t1, struct halo_stream_result *r)
{
    int nd = p->n_dev;
    int64_t nstep = halo_stream_step0(scheds, nv, ns), nmsg = halo_stream_msg0(scheds, nv, ns);
    struct interval *iv = halo_malloc((size_t)(nstep > nmsg ? nstep : nmsg) + 1, sizeof *iv);
    if (!iv) return HALO_ERR_NOMEM;
    double span = t1 - t0;
    for (int k = 0; k < nd && span > 0; k++) {
        for (int side = 0; side < 3; side++) { /* compute, uplink, downlink */
            int n = 0;
            double bytes = 0;
            for (int f = 0; f < ns; f++) {
                const struct halo_sched *s = scheds[f % nv];
                if (side == 0) {
                    int64_t g0 = halo_stream_step0(scheds, nv, f);
                    for (int i = 0; i < s->n_step; i++)
                        if (s->step[i].device == k) iv[n++] = (struct interval){ss[g0 + i], se[g0 + i]};
                    continue;
                }
                int64_t m0 = halo_stream_msg0(scheds, nv, f);
                for (int i = 0; i < s->n_msg; i++) {
                    const struct halo_sched_msg *mm = &s->msg[i];
                    if (mm->from == mm->to || (side == 1 ? mm->from : mm->to) != k) continue;
                    iv[n++] = (struct interval){ms[m0 + i], me[m0 + i]};
                    if (me[m0 + i] > t0 && me[m0 + i] <= t1) bytes += (double)mm->bytes;
                }
            }
            double busy = covered(iv, n, t0, t1) / span;
            if (side == 0) r->util[k] = busy;
            else if (side == 1) (r->up_busy[k] = busy, r->up_bytes_s[k] = bytes * 1000.0 / span);
            else (r->down_busy[k] = busy, r->down_bytes_s[k] = bytes * 1000.0 / span);
        }
    }
    free(iv);
    return HALO_OK;
}

enum halo_status halo_plan_stream(const struct halo_plan *p, const struct halo_stream_opts *o,
                                  struct halo_stream_result *r)
{
    memset(r, 0, sizeof *r);
    int nv = halo_plan_n_variants(p), nd = p->n_dev, warmup;
    int n = frames_for(p, o, &warmup);
    if ((o->bw_frame || o->cap_frame) && o->n_frames <= 0)
        return halo_error(HALO_ERR_INVALID, "stream: per-frame links need the number of frames");
    r->n_dev = nd;
    r->n_frames = n;
    r->inflight = o->inflight > 0 ? o->inflight : o->inflight < 0 ? 0 : halo_stream_default_inflight(p);
    /* frames as fast as possible drain at the end: the last ones, with nothing behind them, leave
     * faster than the steady state. Frames that keep the pipeline full behind the reported ones
     * are simulated and left out (not with per-frame links, which name every frame). */
    int cool = o->fps > 0 || o->bw_frame || o->cap_frame ? 0 : r->inflight;
    int ns = n + cool;
    const struct halo_plan **plans = halo_malloc((size_t)nv, sizeof *plans);
    const struct halo_sched **scheds = halo_malloc((size_t)nv, sizeof *scheds);
    double *arrival = halo_calloc((size_t)ns, sizeof *arrival), *admit = halo_malloc((size_t)ns, sizeof *admit),
           *done = halo_malloc((size_t)ns, sizeof *done);
    double *ss = NULL, *se = NULL, *ms = NULL, *me = NULL;
    r->arrival_ms = halo_calloc((size_t)n, sizeof *r->arrival_ms);
    r->admit_ms = halo_malloc((size_t)n, sizeof *r->admit_ms);
    r->done_ms = halo_malloc((size_t)n, sizeof *r->done_ms);
    r->util = halo_calloc((size_t)nd, sizeof *r->util);
    r->up_bytes_s = halo_calloc((size_t)nd, sizeof *r->up_bytes_s);
    r->down_bytes_s = halo_calloc((size_t)nd, sizeof *r->down_bytes_s);
    r->up_busy = halo_calloc((size_t)nd, sizeof *r->up_busy);
    r->down_busy = halo_calloc((size_t)nd, sizeof *r->down_busy);
    enum halo_status st = HALO_OK;
    if (!plans || !scheds || !arrival || !admit || !done || !r->arrival_ms || !r->admit_ms || !r->done_ms || !r->util ||
        !r->up_bytes_s || !r->down_bytes_s || !r->up_busy || !r->down_busy)
        st = HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        for (int v = 0; v < nv; v++) {
            plans[v] = halo_plan_variant(p, v);
            scheds[v] = &plans[v]->sched;
            HALO_ASSERT(scheds[v]->n_msg > 0); /* derived */
        }
        int64_t nstep = halo_stream_step0(scheds, nv, ns), nmsg = halo_stream_msg0(scheds, nv, ns);
        ss = halo_malloc((size_t)nstep + 1, sizeof *ss);
        se = halo_malloc((size_t)nstep + 1, sizeof *se);
        ms = halo_malloc((size_t)nmsg + 1, sizeof *ms);
        me = halo_malloc((size_t)nmsg + 1, sizeof *me);
        if (!ss || !se || !ms || !me) st = HALO_ERR_NOMEM;
    }
    if (st == HALO_OK) {
        if (o->fps > 0) halo_stream_arrivals(o->arrivals, o->fps, o->seed, ns, arrival);
        struct halo_stream_in in = {.plans = (const struct halo_plan *const *)plans,
                                    .scheds = (const struct halo_sched *const *)scheds, .n_var = nv, .n_frames = ns,
                                    .arrival_ms = o->fps > 0 ? arrival : NULL, .inflight = r->inflight,
                                    .bw_frame = o->bw_frame, .cap_frame = o->cap_frame, .link = o->link};
        struct halo_stream_out out = {.admit_ms = admit, .done_ms = done, .step_start = ss, .step_end = se,
                                      .msg_start = ms, .msg_end = me};
        st = halo_stream_run(&in, &out);
    }
    if (st == HALO_OK) {
        memcpy(r->arrival_ms, arrival, (size_t)n * sizeof *arrival);
        memcpy(r->admit_ms, admit, (size_t)n * sizeof *admit);
        memcpy(r->done_ms, done, (size_t)n * sizeof *done);
        st = halo_stream_stats(r->arrival_ms, r->admit_ms, r->done_ms, n, warmup, o->deadline_ms, &r->stats);
    }
    if (st == HALO_OK)
        st = loads(p, (const struct halo_sched *const *)scheds, nv, ns, ss, se, ms, me, r->arrival_ms[0],
                   r->arrival_ms[0] + r->stats.span_ms, r);
    if (st == HALO_OK) r->period_bound_ms = halo_plan_period_bound(p);
    void *tmp[] = {plans, scheds, arrival, admit, done, ss, se, ms, me};
    for (size_t i = 0; i < sizeof tmp / sizeof tmp[0]; i++) free(tmp[i]);
    if (st != HALO_OK) halo_stream_result_free(r);
    return st;
}

/* ---- objectives ------------------------------------------------------------------------------ */

const char *halo_objective_name(enum halo_objective_kind k)
{
    return k == HALO_OBJECTIVE_THROUGHPUT ? "throughput" : "latency";
}

/* The latency figures of f at arrival rate r. */
static enum halo_status at_rate(const struct halo_plan *p, struct halo_stream_opts *so, double r,
                                struct halo_stream_figures *f)
{
    struct halo_stream_result res;
    so->fps = isfinite(r) && r > 0 ? r : 0;
    HALO_TRY(halo_plan_stream(p, so, &res));
    f->rate_fps = r;
    f->latency_p50_ms = res.stats.latency_p50_ms;
    f->latency_p99_ms = res.stats.latency_p99_ms;
    f->queue_mean_ms = res.stats.queue_mean_ms;
    f->deadline_misses = res.stats.deadline_misses;
    f->n_frames = res.n_frames;
    halo_stream_result_free(&res);
    return HALO_OK;
}

enum halo_status halo_plan_figures(const struct halo_plan *p, const struct halo_objective *o,
                                   struct halo_stream_figures *f)
{
    memset(f, 0, sizeof *f);
    f->single_ms = p->total_ms;
    struct halo_stream_opts so = o->stream;
    struct halo_stream_result r;
    /* as fast as possible: what the plan can carry */
    so.fps = 0;
    so.deadline_ms = 0;
    HALO_TRY(halo_plan_stream(p, &so, &r));
    f->throughput_fps = r.stats.throughput_fps;
    f->period_ms = r.stats.period_ms;
    f->period_bound_ms = r.period_bound_ms;
    halo_stream_result_free(&r);
    /* at the rate: the objective's (LATENCY), the highest at which the p99 latency stays within the
     * bound (THROUGHPUT with a deadline), else the plan's own throughput */
    bool bounded = o->kind == HALO_OBJECTIVE_THROUGHPUT && o->deadline_ms > 0;
    f->rate_fps = o->kind == HALO_OBJECTIVE_LATENCY && o->fps > 0 ? o->fps : f->throughput_fps;
    so.deadline_ms = o->deadline_ms;
    HALO_TRY(at_rate(p, &so, f->rate_fps, f));
    if (bounded && f->latency_p99_ms > o->deadline_ms && isfinite(f->throughput_fps)) {
        /* latency grows with the rate: bisect between a rate too slow to queue and the capacity */
        struct halo_stream_figures lo = *f;
        double r_lo = f->throughput_fps * 1e-3, r_hi = f->throughput_fps;
        HALO_TRY(at_rate(p, &so, r_lo, &lo));
        if (lo.latency_p99_ms <= o->deadline_ms) {
            for (int it = 0; it < 12; it++) {
                struct halo_stream_figures mid = *f;
                double r = 0.5 * (r_lo + r_hi);
                HALO_TRY(at_rate(p, &so, r, &mid));
                if (mid.latency_p99_ms <= o->deadline_ms) {
                    r_lo = r;
                    lo = mid;
                } else {
                    r_hi = r;
                }
            }
            *f = lo;
        }
    }
    f->sustains = !(o->kind == HALO_OBJECTIVE_LATENCY && o->fps > 0) || f->throughput_fps >= o->fps * (1 - 1e-9);
    f->feasible = o->kind == HALO_OBJECTIVE_LATENCY ? f->sustains
                                                    : !bounded || f->latency_p99_ms <= o->deadline_ms;
    return HALO_OK;
}

/* -1, 0, 1: x below, equal to (within a relative 1e-9), above y */
static int cmp(double x, double y)
{
    if (x == y || fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y))) return 0;
    return x < y ? -1 : 1;
}

int halo_objective_compare(const struct halo_objective *o, const struct halo_stream_figures *a,
                           const struct halo_stream_figures *b)
{
    if (a->feasible != b->feasible) return a->feasible ? 1 : -1;
    int c;
    if (o->kind == HALO_OBJECTIVE_LATENCY) {
        if (!a->feasible && (c = cmp(a->throughput_fps, b->throughput_fps))) return c;
        if (o->fps > 0 && (c = cmp(b->latency_p99_ms, a->latency_p99_ms))) return c;
        if ((c = cmp(b->single_ms, a->single_ms))) return c;
        return cmp(a->throughput_fps, b->throughput_fps);
    }
    if (!a->feasible && (c = cmp(b->latency_p99_ms, a->latency_p99_ms))) return c;
    if ((c = cmp(a->rate_fps, b->rate_fps))) return c;
    if ((c = cmp(b->latency_p99_ms, a->latency_p99_ms))) return c;
    return cmp(b->single_ms, a->single_ms);
}
