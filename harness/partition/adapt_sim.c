#include "partition/adapt_sim.h"
#include "core/alloc.h"
#include "partition/timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double halo_straggler_factor(const struct halo_straggler *s, int n, int d, double t_ms)
{
    double f = 1;
    for (int i = 0; i < n; i++)
        if (s[i].device == d && t_ms >= s[i].t0_ms && t_ms < s[i].t1_ms) f *= s[i].factor;
    return f;
}

void halo_adapt_sim_out_free(struct halo_adapt_sim_out *o)
{
    if (!o) return;
    free(o->arrival_ms);
    free(o->admit_ms);
    free(o->done_ms);
    free(o->plan_of);
    for (int i = 0; i < o->n_plans; i++) halo_plan_free(o->plans[i]);
    free(o->plans);
    free(o->log);
    memset(o, 0, sizeof *o);
}

/* The state of one run: the world (per frame: links at its arrival), the plans so far, the
 * stream's arrays sized for the current assignment of plans to frames. */
struct asim {
    const struct halo_adapt_sim_in *in;
    struct halo_adapt_sim_out *out;
    struct halo_adapt *a;
    int nf, nd;
    int *map;                   /* plan device -> cluster device (every plan has the run's devices) */
    double *bw, *cap;           /* per frame: nd x nd Mbps, 2 * nd Mbps */
    const double **bw_frame, **cap_frame;
    const struct halo_sched **scheds;
    size_t plans_cap;
    double *step_ms, *step_start, *step_end, *msg_start, *msg_end;
    int64_t *step0, *msg0;      /* per frame (n + 1) */
};

static void asim_free(struct asim *s)
{
    halo_adapt_free(s->a);
    void *arrays[] = {s->map, s->bw, s->cap, s->bw_frame, s->cap_frame, s->scheds, s->step_ms, s->step_start,
                      s->step_end, s->msg_start, s->msg_end, s->step0, s->msg0};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
}

/* The links every frame sees: the trace at its arrival (or the cluster's), per plan device. */
static enum halo_status world_links(struct asim *s)
{
    const struct halo_cluster *c = s->in->c;
    int nd = s->nd, nf = s->nf;
    double *up = halo_malloc((size_t)c->n * 2, sizeof *up);
    if (!up) return HALO_ERR_NOMEM;
    double *down = up + c->n;
    for (int f = 0; f < nf; f++) {
        if (s->in->trace) {
            halo_channel_rates_at(s->in->trace, c, s->out->arrival_ms[f] / 1000, up, down);
        } else {
            for (int d = 0; d < c->n; d++) {
                up[d] = c->dev[d].up_mbps;
                down[d] = c->dev[d].down_mbps;
            }
        }
        double *bw = s->bw + (size_t)f * nd * nd, *cap = s->cap + (size_t)f * 2 * nd;
        for (int a = 0; a < nd; a++)
            for (int b = 0; b < nd; b++) {
                int ca = s->map[a], cb = s->map[b];
                /* the cluster's own pair rate unless the trace moved an end of it */
                double r = c->bw_mbps[ca * c->n + cb];
                if (s->in->trace) r = fmin(up[ca], down[cb]);
                bw[a * nd + b] = r;
            }
        for (int k = 0; k < nd; k++) {
            cap[k] = up[s->map[k]];
            cap[nd + k] = down[s->map[k]];
        }
        s->bw_frame[f] = bw;
        s->cap_frame[f] = cap;
    }
    free(up);
    return HALO_OK;
}

/* Sizes the per-step and per-message arrays for the current assignment and fills the steps' true
 * durations: the plan's prediction at its device's speed, rescaled to the device's real speed
 * (the cluster's, slowed by a straggler window at the frame's arrival). */
static enum halo_status layout(struct asim *s)
{
    struct halo_adapt_sim_out *o = s->out;
    const struct halo_cluster *c = s->in->c;
    for (int f = 0; f < s->nf; f++) {
        const struct halo_sched *sc = s->scheds[o->plan_of[f]];
        s->step0[f + 1] = s->step0[f] + sc->n_step;
        s->msg0[f + 1] = s->msg0[f] + sc->n_msg;
    }
    size_t ns = (size_t)s->step0[s->nf] + 1, nm = (size_t)s->msg0[s->nf] + 1;
    free(s->step_ms);
    free(s->step_start);
    free(s->step_end);
    free(s->msg_start);
    free(s->msg_end);
    s->step_ms = halo_malloc(ns, sizeof *s->step_ms);
    s->step_start = halo_malloc(ns, sizeof *s->step_start);
    s->step_end = halo_malloc(ns, sizeof *s->step_end);
    s->msg_start = halo_malloc(nm, sizeof *s->msg_start);
    s->msg_end = halo_malloc(nm, sizeof *s->msg_end);
    if (!s->step_ms || !s->step_start || !s->step_end || !s->msg_start || !s->msg_end) return HALO_ERR_NOMEM;
    for (int f = 0; f < s->nf; f++) {
        const struct halo_plan *p = o->plans[o->plan_of[f]];
        const struct halo_sched *sc = s->scheds[o->plan_of[f]];
        for (int k = 0; k < sc->n_step; k++) {
            const struct halo_sched_step *sp = &sc->step[k];
            double ms = sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
            int d = s->map[sp->device];
            double real = c->dev[d].speed / halo_straggler_factor(s->in->strag, s->in->n_strag, d, o->arrival_ms[f]);
            s->step_ms[s->step0[f] + k] = ms * p->dev[sp->device].speed / real;
        }
    }
    return HALO_OK;
}

static enum halo_status simulate(struct asim *s)
{
    struct halo_adapt_sim_out *o = s->out;
    HALO_TRY(layout(s));
    struct halo_stream_in si = {.plans = (const struct halo_plan *const *)o->plans,
                                .scheds = s->scheds,
                                .n_var = o->n_plans,
                                .variant = o->plan_of,
                                .n_frames = s->nf,
                                .arrival_ms = o->arrival_ms,
                                .inflight = s->in->stream.inflight > 0 ? s->in->stream.inflight
                                                                      : halo_stream_default_inflight(o->plans[0]),
                                .bw_frame = s->bw_frame,
                                .cap_frame = s->cap_frame,
                                .step_ms = s->step_ms,
                                .link = s->in->stream.link};
    struct halo_stream_out so = {.admit_ms = o->admit_ms,
                                 .done_ms = o->done_ms,
                                 .step_start = s->step_start,
                                 .step_end = s->step_end,
                                 .msg_start = s->msg_start,
                                 .msg_end = s->msg_end};
    return halo_stream_run(&si, &so);
}

/* What the source learns when frame f's result is in: its steps' and messages' times. */
static void observe(struct asim *s, int f)
{
    struct halo_adapt_sim_out *o = s->out;
    const struct halo_plan *p = o->plans[o->plan_of[f]];
    const struct halo_sched *sc = s->scheds[o->plan_of[f]];
    double now = o->done_ms[f];
    for (int k = 0; k < sc->n_step; k++) {
        const struct halo_sched_step *sp = &sc->step[k];
        double pred = sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
        int64_t gi = s->step0[f] + k;
        halo_adapt_observe_compute(s->a, now, s->map[sp->device], pred, p->dev[sp->device].speed,
                                   s->step_end[gi] - s->step_start[gi]);
    }
    for (int m = 0; m < sc->n_msg; m++) {
        const struct halo_sched_msg *mm = &sc->msg[m];
        if (mm->from == mm->to) continue;
        int64_t gi = s->msg0[f] + m;
        halo_adapt_observe_transfer(s->a, now, s->map[mm->from], s->map[mm->to], mm->bytes,
                                    s->msg_end[gi] - s->msg_start[gi]);
    }
}

struct done_at {
    double t;
    int f;
};

static int cmp_done(const void *x, const void *y)
{
    const struct done_at *a = x, *b = y;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    return a->f - b->f;
}

static enum halo_status add_plan(struct asim *s, struct halo_plan *p)
{
    struct halo_adapt_sim_out *o = s->out;
    size_t cap = s->plans_cap;
    if (halo_grow((void **)&o->plans, &s->plans_cap, (size_t)o->n_plans + 1, sizeof *o->plans)) {
        halo_plan_free(p);
        return HALO_ERR_NOMEM;
    }
    if (s->plans_cap != cap) {
        const struct halo_sched **sc = realloc(s->scheds, s->plans_cap * sizeof *sc);
        if (!sc) {
            halo_plan_free(p);
            return HALO_ERR_NOMEM;
        }
        s->scheds = sc;
    }
    o->plans[o->n_plans] = p;
    s->scheds[o->n_plans] = &p->sched;
    o->n_plans++;
    return HALO_OK;
}

static enum halo_status run(struct asim *s)
{
    const struct halo_adapt_sim_in *in = s->in;
    struct halo_adapt_sim_out *o = s->out;
    int nf = s->nf;
    struct done_at *order = halo_malloc((size_t)nf, sizeof *order);
    if (!order) return HALO_ERR_NOMEM;
    enum halo_status st = HALO_OK;
    double seen = -INFINITY, next_check = in->check_ms;
    int cur = 0;
    for (;;) {
        st = simulate(s);
        if (st != HALO_OK || !in->adaptive) break;
        for (int f = 0; f < nf; f++) order[f] = (struct done_at){o->done_ms[f], f};
        qsort(order, (size_t)nf, sizeof *order, cmp_done);
        bool changed = false;
        for (int i = 0; i < nf && st == HALO_OK && !changed; i++) {
            int f = order[i].f;
            double t = order[i].t;
            if (t <= seen) continue;
            observe(s, f);
            seen = t;
            if (t < next_check) continue;
            next_check = t + in->check_ms;
            struct halo_plan *q = NULL;
            double t0 = in->clock_ms ? in->clock_ms() : 0;
            st = halo_adapt_check(s->a, t, o->plans[cur], &q);
            double ms = in->clock_ms ? in->clock_ms() - t0 : -1;
            o->n_checks++;
            if (ms >= 0) {
                o->check_ms_sum += ms;
                o->check_ms_max = fmax(o->check_ms_max, ms);
            }
            if (st != HALO_OK || !q) continue;
            halo_adapt_last(s->a)->plan_ms = ms;
            st = add_plan(s, q);
            if (st != HALO_OK) break;
            cur = o->n_plans - 1;
            /* from the next frame admitted on: frames in flight finish on their plan */
            for (int g = 0; g < nf; g++)
                if (o->admit_ms[g] > t) o->plan_of[g] = cur;
            changed = true;
        }
        if (st != HALO_OK || !changed) break;
    }
    free(order);
    return st;
}

enum halo_status halo_adapt_sim_run(const struct halo_adapt_sim_in *in, struct halo_adapt_sim_out *out)
{
    memset(out, 0, sizeof *out);
    if (in->plan->n_rot) return halo_error(HALO_ERR_INVALID, "adapt sim: plans that rotate variants are not supported");
    if (!(in->stream.fps > 0) || in->stream.n_frames < 2 || !(in->check_ms > 0))
        return halo_error(HALO_ERR_INVALID, "adapt sim: needs a frame rate, 2 frames or more, a check interval > 0");
    struct asim s = {.in = in, .out = out, .nf = in->stream.n_frames, .nd = in->n_es + 1};
    int nf = s.nf, nd = s.nd;
    out->n_frames = nf;
    out->arrival_ms = halo_malloc((size_t)nf, sizeof *out->arrival_ms);
    out->admit_ms = halo_malloc((size_t)nf, sizeof *out->admit_ms);
    out->done_ms = halo_malloc((size_t)nf, sizeof *out->done_ms);
    out->plan_of = halo_calloc((size_t)nf, sizeof *out->plan_of);
    s.map = halo_malloc((size_t)nd, sizeof *s.map);
    s.bw = halo_malloc((size_t)nf * nd * nd, sizeof *s.bw);
    s.cap = halo_malloc((size_t)nf * 2 * nd, sizeof *s.cap);
    s.bw_frame = halo_malloc((size_t)nf, sizeof *s.bw_frame);
    s.cap_frame = halo_malloc((size_t)nf, sizeof *s.cap_frame);
    s.step0 = halo_calloc((size_t)nf + 1, sizeof *s.step0);
    s.msg0 = halo_calloc((size_t)nf + 1, sizeof *s.msg0);
    enum halo_status st = out->arrival_ms && out->admit_ms && out->done_ms && out->plan_of && s.map && s.bw && s.cap &&
                                  s.bw_frame && s.cap_frame && s.step0 && s.msg0
                              ? HALO_OK
                              : HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        s.map[0] = in->c->source;
        for (int k = 1; k < nd; k++) s.map[k] = in->es[k - 1];
    }
    if (st == HALO_OK) st = halo_adapt_new(in->g, in->c, in->es, in->n_es, &in->objective, in->stream.link, &in->adapt, &s.a);
    struct halo_plan *p0 = NULL;
    if (st == HALO_OK) st = halo_adapt_rebuild(s.a, 0, in->plan, &p0);
    if (st == HALO_OK) st = add_plan(&s, p0);
    if (st == HALO_OK) {
        halo_stream_arrivals(in->stream.arrivals, in->stream.fps, in->stream.seed, nf, out->arrival_ms);
        st = world_links(&s);
    }
    if (st == HALO_OK) st = run(&s);
    if (st == HALO_OK) {
        int n;
        const struct halo_adapt_record *r = halo_adapt_log(s.a, &n);
        if (n && !(out->log = halo_malloc((size_t)n, sizeof *out->log))) st = HALO_ERR_NOMEM;
        else if (n) memcpy(out->log, r, (size_t)n * sizeof *r);
        out->n_log = n;
    }
    if (st == HALO_OK)
        st = halo_stream_stats(out->arrival_ms, out->admit_ms, out->done_ms, nf, in->stream.warmup > 0 ? in->stream.warmup : -1,
                               in->stream.deadline_ms, &out->stats);
    asim_free(&s);
    if (st != HALO_OK) halo_adapt_sim_out_free(out);
    return st;
}
