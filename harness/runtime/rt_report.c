/* rt_report: what rank 0 learns per inference. Every rank keeps stats of its inference — totals
 * (compute, waiting, codec, overhead), each of its steps' interval and each received message's
 * interval on the link — and sends them to the source at the end; the source builds the measured
 * timeline (wall: the stamped intervals; virtual: vclock's replay of the measured durations),
 * per-device times beside the plan's, the runtime's overhead, and the comparison with
 * single-device inference (--verify). */
#include "runtime/rt_internal.h"
#include "core/alloc.h"
#include "exec/executor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Relative tolerance of --verify on backends that reorder float sums (ref must be exact). */
#define VERIFY_FLOAT_TOL 1e-4

/* The stats (doubles): totals, then 3 per step, then 4 per message. */
enum { ST_OVERHEAD, ST_ACTIVE, ST_COMPUTE, ST_WAIT, ST_CODEC, ST_HEAD = 8 };

double *rt_stats_step(struct halo_rt *rt, int s) { return rt->rep.stats + ST_HEAD + 3 * s; }
double *rt_stats_msg(struct halo_rt *rt, int m) { return rt->rep.stats + ST_HEAD + 3 * rt->job.s.n_step + 4 * m; }

enum halo_status rt_report_alloc(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    int nm = rt->job.s.n_msg, ns = rt->job.s.n_step;
    r->warm_wall_ms = 0;
    r->n_stats = ST_HEAD + 3 * ns + 4 * nm;
    r->stats = halo_calloc((size_t)r->n_stats, sizeof *r->stats);
    r->dev = halo_calloc((size_t)rt->size, sizeof *r->dev);
    r->steps = halo_calloc((size_t)ns, sizeof *r->steps);
    if (!r->stats || !r->dev || !r->steps) return HALO_ERR_NOMEM;
    if (rt->rank == 0) {
        r->stats_all = halo_calloc((size_t)rt->size * r->n_stats, sizeof *r->stats_all);
        r->stats_req = halo_malloc((size_t)rt->size, sizeof *r->stats_req);
        r->stats_got = halo_calloc((size_t)rt->size, sizeof *r->stats_got);
        if (!r->stats_all || !r->stats_req || !r->stats_got) return HALO_ERR_NOMEM;
        for (int k = 0; k < rt->size; k++) r->stats_req[k] = MPI_REQUEST_NULL;
    }
    return HALO_OK;
}

void rt_report_free_plan(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    free(r->stats);
    free(r->stats_all);
    free(r->stats_req);
    free(r->stats_got);
    free(r->dev);
    free(r->steps);
    r->stats = r->stats_all = NULL;
    r->stats_req = NULL;
    r->stats_got = NULL;
    r->dev = NULL;
    r->steps = NULL;
}

void rt_report_free(struct halo_rt *rt)
{
    rt_report_free_plan(rt);
    halo_tensor_free(&rt->rep.reference);
}

enum halo_status rt_report_reference(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    HALO_TRY(halo_exec_graph(rt->job.be, rt->job.g, &rt->job.image, &r->reference, NULL));
    r->ref_max = 0;
    for (size_t i = 0; i < halo_tensor_numel(&r->reference); i++) r->ref_max = fmax(r->ref_max, fabs(r->reference.data[i]));
    return HALO_OK;
}

enum halo_status rt_report_begin(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    memset(r->stats, 0, (size_t)r->n_stats * sizeof *r->stats);
    for (int k = 0; rt->rank == 0 && k < rt->size; k++) {
        r->stats_got[k] = k == 0;
        if (k > 0)
            MPI_TRY(MPI_Irecv(r->stats_all + (size_t)k * r->n_stats, r->n_stats, MPI_DOUBLE, k, TAG_STATS, rt->comm,
                              &r->stats_req[k]));
    }
    return HALO_OK;
}

enum halo_status rt_report_poll(struct halo_rt *rt, int *idx)
{
    struct rt_report *r = &rt->rep;
    int out = 0;
    if (!r->stats_req) return HALO_OK;
    MPI_TRY(MPI_Testsome(rt->size, r->stats_req, &out, idx, MPI_STATUSES_IGNORE));
    for (int i = 0; out != MPI_UNDEFINED && i < out; i++) r->stats_got[idx[i]] = true;
    return HALO_OK;
}

static bool stats_ready(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    for (int k = 0; k < rt->size; k++)
        if (!rt->rep.stats_got[k]) {
            rt_wait_missing(rt, k, -1);
            return false;
        }
    return true;
}

enum halo_status rt_report_gather(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    double end = rt_rel(rt), compute = rt->eng.compute_ms, wait = rt->wait.waited_ms, codec = rt->wire.codec_ms;
    r->stats[ST_ACTIVE] = end;
    r->stats[ST_COMPUTE] = compute;
    r->stats[ST_WAIT] = wait;
    r->stats[ST_CODEC] = codec;
    r->stats[ST_OVERHEAD] = fmax(0, end - compute - wait - codec);
    if (rt->rank != 0) {
        MPI_TRY(MPI_Isend(r->stats, r->n_stats, MPI_DOUBLE, 0, TAG_STATS, rt->comm, &r->stats_sreq));
        return rt_wait_req(rt, &r->stats_sreq, 0, WAIT_STATS);
    }
    memcpy(r->stats_all, r->stats, (size_t)r->n_stats * sizeof *r->stats);
    return rt_wait_until(rt, stats_ready, NULL, -1, WAIT_STATS, -1);
}

/* ---- rank 0's report ----------------------------------------------------------------------- */

/* Wall clock: the timeline from the intervals the ranks stamped (compute, and each message's
 * send and receive at its receiver's times). */
static int wall_events(const struct halo_rt *rt, const int64_t *bytes, struct halo_plan_event *ev)
{
    const struct halo_sched *s = &rt->job.s;
    const double *all = rt->rep.stats_all;
    size_t stride = (size_t)rt->rep.n_stats;
    int ns = s->n_step, n_ev = 0;
    for (int k = 0; k < ns; k++) {
        const double *x = all + stride * s->step[k].device + ST_HEAD + 3 * k;
        int b = s->step[k].block;
        ev[n_ev++] = (struct halo_plan_event){s->step[k].device, s->step[k].device, b, s->step[k].part,
                                              HALO_EVENT_COMPUTE, x[0], x[1], 0, 0};
    }
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->from == mm->to) continue;
        const double *x = all + stride * mm->to + ST_HEAD + 3 * ns + 4 * m;
        int b = mm->kind == HALO_SCHED_RESULT ? -1 : mm->block;
        ev[n_ev++] = (struct halo_plan_event){mm->from, mm->to, b, mm->part, HALO_EVENT_SEND, x[0], x[1], bytes[m], 0};
        ev[n_ev++] = (struct halo_plan_event){mm->to, mm->from, b, mm->part, HALO_EVENT_RECV, x[0], x[1], bytes[m], 0};
    }
    return n_ev;
}

/* --verify: the logits against single-device inference. */
static enum halo_status verify(struct halo_rt *rt, struct halo_run_report *rep)
{
    const struct rt_report *r = &rt->rep;
    const float *logits = rt->eng.logits;
    int n_logits = rt->eng.n_logits;
    rep->verified = rt->job.opts.verify;
    rep->tolerance = strcmp(halo_backend_name(rt->job.be), "ref") ? VERIFY_FLOAT_TOL : 0;
    if (!rt->job.opts.verify) return HALO_OK;
    size_t n = halo_tensor_numel(&r->reference);
    if (n != (size_t)n_logits)
        return halo_error(HALO_ERR_INTERNAL, "logits: %d values, the reference has %zu", n_logits, n);
    halo_compare(logits, r->reference.data, n, &rep->max_abs_err, &rep->max_rel_err);
    rep->max_rel_err = r->ref_max > 0 ? rep->max_abs_err / r->ref_max : rep->max_abs_err;
    rep->pass = rt->job.plan->lossless &&
                (rep->tolerance == 0 ? rep->max_abs_err == 0 : rep->max_rel_err <= rep->tolerance);
    return HALO_OK;
}

/* Per device: measured times beside the plan's, and the ranks' own totals. */
static void device_rows(struct halo_rt *rt, const struct halo_plan_event *ev, int n_ev, double latency,
                        struct halo_run_report *rep)
{
    const struct halo_vclock *pred = &rt->job.pred;
    const double *all = rt->rep.stats_all;
    size_t stride = (size_t)rt->rep.n_stats;
    double worst = -1, wall = 0;
    for (int k = 0; k < rt->job.plan->n_dev; k++) {
        struct halo_run_device *d = &rt->rep.dev[k];
        halo_timeline_device_times(ev, n_ev, latency, k, &d->compute_ms, &d->recv_ms, &d->send_ms, &d->idle_ms);
        halo_timeline_device_times(pred->events, pred->n_events, pred->total_ms, k, &d->pred_compute_ms,
                                   &d->pred_recv_ms, &d->pred_send_ms, &d->pred_idle_ms);
        d->overhead_ms = all[stride * k + ST_OVERHEAD];
        d->codec_ms = all[stride * k + ST_CODEC];
        d->active_ms = all[stride * k + ST_ACTIVE];
        wall = fmax(wall, d->active_ms);
        if (d->overhead_ms > worst) {
            worst = d->overhead_ms;
            rep->overhead_rank = k;
        }
    }
    rep->overhead_frac = latency > 0 ? worst / latency : 0;
    rep->wall_ms = wall;
}

enum halo_status rt_report_make(struct halo_rt *rt, struct halo_run_report *rep)
{
    struct rt_report *r = &rt->rep;
    const struct halo_sched *s = &rt->job.s;
    const struct halo_vclock *pred = &rt->job.pred;
    int ns = s->n_step, nm = s->n_msg;
    const double *all = r->stats_all;
    size_t stride = (size_t)r->n_stats;
    struct halo_plan_event *ev = halo_malloc((size_t)ns + 2 * (size_t)nm + 1, sizeof *ev);
    double *dur = halo_malloc((size_t)ns, sizeof *dur);
    int64_t *bytes = halo_malloc((size_t)nm, sizeof *bytes);
    if (!ev || !dur || !bytes) {
        free(ev);
        free(dur);
        free(bytes);
        return HALO_ERR_NOMEM;
    }
    int n_ev = 0;
    int64_t moved = 0;
    for (int k = 0; k < ns; k++) dur[k] = all[stride * s->step[k].device + ST_HEAD + 3 * k + 2];
    for (int m = 0; m < nm; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        bytes[m] = mm->from == mm->to ? 0 : (int64_t)all[stride * mm->to + ST_HEAD + 3 * ns + 4 * m + 2];
        moved += bytes[m];
    }
    double latency;
    struct halo_vclock v = {0};
    enum halo_status st = HALO_OK;
    if (rt->job.opts.clock == HALO_CLOCK_VIRTUAL) {
        st = halo_vclock_replay(rt->job.plan, s, dur, bytes, &v);
        latency = v.total_ms;
        if (st == HALO_OK) {
            free(ev);
            ev = v.events;
            n_ev = v.n_events;
            v.events = NULL;
        }
    } else {
        latency = rt->eng.result_rel;
        n_ev = wall_events(rt, bytes, ev);
    }
    if (st == HALO_OK) {
        device_rows(rt, ev, n_ev, latency, rep);
        rep->index = rt->eng.index;
        rep->latency_ms = latency;
        rep->pred_latency_ms = pred->total_ms;
        rep->bytes_moved = moved;
        rep->pred_bytes_moved = pred->bytes_moved;
        rep->n_dev = rt->job.plan->n_dev;
        rep->dev = r->dev;
        rep->logits = rt->eng.logits;
        rep->n_logits = rt->eng.n_logits;
        for (int k = 0; k < ns; k++) {
            const struct halo_sched_step *sp = &s->step[k];
            double start = v.step_start ? v.step_start[k] : all[stride * sp->device + ST_HEAD + 3 * k];
            double end = v.step_end ? v.step_end[k] : all[stride * sp->device + ST_HEAD + 3 * k + 1];
            r->steps[k] = (struct halo_run_step){sp->block, sp->part, sp->device, start, end, dur[k],
                                                 pred->step_end[k] - pred->step_start[k]};
        }
        rep->n_steps = ns;
        rep->steps = r->steps;
        st = verify(rt, rep);
        if (rt->eng.index == 0) r->warm_wall_ms = rep->wall_ms;
    }
    halo_vclock_free(&v);
    free(ev);
    free(dur);
    free(bytes);
    return st;
}
