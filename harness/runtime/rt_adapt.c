/* rt_adapt: a stream that re-plans while it runs (halo run --adapt on), and emulated links whose
 * rates follow a trace (--link-trace).
 *
 * Epochs. The plan a stream begins with is epoch 0; each re-plan the source adopts is the next
 * epoch, over the same devices (rank k stays plan device k, whether it gets work or not). The
 * source sends the new plan to every rank as a control message (its JSON) and admits every later
 * frame on it; an admission names the frame's epoch, and a rank takes it only once it holds that
 * epoch's plan. Frames in flight finish on theirs; every epoch stays until the stream's end (their
 * schedules are small). Messages of a frame travel with its slot's tags and carry the frame in
 * their header, as without epochs. Slots, tags and buffers are sized once for bounds that every
 * plan over these devices fits (caps below); a re-plan that would not fit is not adopted.
 *
 * What the source learns. Each rank, when a frame leaves its slot, sends the source that frame's
 * timings on the control path: its steps' compute times (measured, scaled by the device's speed)
 * and, on the wall clock, the link intervals of the messages it received (emulated links: the
 * paced interval; real links: the sender's post and the receiver's receipt, on the ranks' common
 * timeline, and the receiver's last poll before it). On the virtual clock a
 * message's time on its emulated link is latency + bytes / rate at the frame's arrival, which the
 * source computes itself. The estimator (partition/adapt.h) takes them at the frame's arrival time
 * on the stream's clock; when a frame's result is in, and at least --adapt-check-ms after the last
 * check, the policy checks.
 *
 * Real links against the model. A message's post-to-receipt time on a real link includes its
 * sharing of the sender's uplink, the receiver's downlink and its pair with the frame's other
 * messages, and the time the receiver computed before it looked: taken as the link's rate, a link
 * at its nominal rate reads as a fraction of it, and the controller re-plans for nothing. So once
 * every record of a frame is in, the source replays the frame's messages through the epoch's link
 * model at their measured post times (partition/link_obs.h) and observes, per message, the rate
 * the prediction used times predicted over measured time: a link that runs as the plan says reads
 * as its planned rate whatever the sharing. (Frames that overlap on a link are replayed apart: the
 * other frame's messages show as a slower link.) A message the receiver saw long after its last
 * poll that did not see it (more than 10 % of the measured interval) is skipped: its arrival lies
 * anywhere in that gap, most often because the receiver was computing (--threads 1).
 *
 * Links over time. With --link-trace, frame f's emulated links run at the trace's rates at its
 * arrival time (each pair: the slower of the sender's uplink and the receiver's downlink), on the
 * wall clock (pacing) and on the virtual clock (the replay) alike — the cost model's own rule
 * (partition/adapt_sim.h). Without a trace the links are epoch 0's: a new epoch's matrix is the
 * estimate it was planned on, not the truth.
 *
 * The recovery of a dead rank is in rt_adapt_recover.c; struct rt_adapt in rt_adapt.h. */
#include "runtime/rt_internal.h"
#include "runtime/rt_adapt.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/json.h"
#include "partition/channel.h"
#include "partition/link_obs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Epochs a stream may adopt; a further re-plan is not adopted (and said so). */
#define RT_ADAPT_EPOCHS 64

static struct rt_adapt *ad_of(struct halo_rt *rt)
{
    if (!rt->job.ad) rt->job.ad = halo_calloc(1, sizeof *rt->job.ad);
    return rt->job.ad;
}

/* ---- epochs ------------------------------------------------------------------------------------ */

enum halo_status rt_adapt_caps(struct halo_rt *rt)
{
    struct rt_job *j = &rt->job;
    j->adapt = j->opts.adapt && j->opts.n_frames > 0;
    if (!j->adapt) return HALO_OK;
    if (j->n_var != 1)
        return halo_error(HALO_ERR_INVALID, "%s: --adapt on re-plans one plan; this one rotates %d variants",
                          j->plan_path, j->n_var);
    /* every plan over these devices: a block per spatial stage at most, a part per device, a piece
     * from every device per part, a gather per part, the image's pieces, the tail's, the result */
    int nd = j->plan->n_dev, S = j->g->n_spatial;
    int msg_cap = S * (nd * nd + nd) + 2 * nd + 2, step_cap = S * nd + 1;
    if (j->max_msg < msg_cap) j->max_msg = msg_cap;
    if (j->max_step < step_cap) j->max_step = step_cap;
    if (j->max_blocks < S) j->max_blocks = S;
    long tags = (long)TAG_BASE + (long)RT_TAG_GENERATIONS * j->n_slots * j->max_msg;
    if (tags > rt->tag_ub)
        return halo_error(HALO_ERR_INVALID, "%s: --adapt on needs tags up to %ld (%d generations x %d slots x %d "
                                            "messages), this MPI allows %ld: lower --inflight",
                          j->plan_path, tags, RT_TAG_GENERATIONS, j->n_slots, j->max_msg, rt->tag_ub);
    j->var_cap = RT_ADAPT_EPOCHS;
    const struct halo_plan **var = realloc(j->var, (size_t)j->var_cap * sizeof *var);
    if (!var) return HALO_ERR_NOMEM;
    j->var = var;
    struct halo_sched *sv = realloc(j->sv, (size_t)j->var_cap * sizeof *sv);
    if (!sv) return HALO_ERR_NOMEM;
    j->sv = sv;
    const struct halo_sched **svp = realloc(j->svp, (size_t)j->var_cap * sizeof *svp);
    if (!svp) return HALO_ERR_NOMEM;
    j->svp = svp;
    memset(j->sv + j->n_var, 0, (size_t)(j->var_cap - j->n_var) * sizeof *sv);
    for (int v = 0; v < j->n_var; v++) j->svp[v] = &j->sv[v];
    struct rt_adapt *ad = ad_of(rt);
    if (!ad || !(ad->dead = halo_calloc((size_t)rt->size, sizeof *ad->dead))) return HALO_ERR_NOMEM;
    return HALO_OK;
}

bool rt_dead(const struct halo_rt *rt, int r)
{
    const struct rt_adapt *ad = rt->job.ad;
    return rt->job.adapt && ad && ad->dead && r >= 0 && r < rt->size && ad->dead[r];
}

/* Appends plan p (validated, over the job's devices; the caller's until this succeeds, then
 * owned here) as the next epoch. */
enum halo_status rt_adapt_add_epoch(struct halo_rt *rt, struct halo_plan *p)
{
    struct rt_job *j = &rt->job;
    struct rt_adapt *ad = j->ad;
    if (j->n_var >= j->var_cap) return halo_error(HALO_ERR_INVALID, "adapt: more than %d epochs", j->var_cap);
    if (p->n_dev != j->plan->n_dev) return halo_error(HALO_ERR_INVALID, "adapt: a new plan of %d devices, not %d", p->n_dev, j->plan->n_dev);
    int v = j->n_var;
    struct halo_sched s = {0};
    HALO_TRY(halo_sched_build(p, j->g, &s));
    if (s.n_msg > j->max_msg || s.n_step > j->max_step || s.n_blocks > j->max_blocks) {
        halo_sched_free(&s);
        return halo_error(HALO_ERR_INVALID, "adapt: a new plan of %d messages, %d steps, %d blocks exceeds the bounds %d, "
                                            "%d, %d", s.n_msg, s.n_step, s.n_blocks, j->max_msg, j->max_step,
                          j->max_blocks);
    }
    struct halo_plan **own = realloc(ad->own, (size_t)(ad->n_own + 1) * sizeof *own);
    if (!own) {
        halo_sched_free(&s);
        return HALO_ERR_NOMEM;
    }
    ad->own = own;
    j->sv[v] = s;
    j->svp[v] = &j->sv[v];
    j->var[v] = p;
    enum halo_status st = rt_wire_add_var(rt, v);
    if (st != HALO_OK) { /* not taken: the caller still owns p */
        halo_sched_free(&j->sv[v]);
        memset(&j->sv[v], 0, sizeof j->sv[v]);
        return st;
    }
    j->n_var = v + 1;
    ad->own[ad->n_own++] = p;
    p->link = j->plan->link; /* every epoch predicts with the stream's link model */
    return rt_adapt_queue_warm(rt, v);
}

enum halo_status rt_adapt_poll_plan(struct halo_rt *rt, bool *got)
{
    *got = false;
    int flag = 0, n = 0;
    MPI_Status status;
    MPI_TRY(MPI_Iprobe(0, TAG_PLAN, rt->comm, &flag, &status));
    if (!flag) return HALO_OK;
    MPI_TRY(MPI_Get_count(&status, MPI_CHAR, &n));
    char *buf = halo_malloc((size_t)n + 1, 1);
    if (!buf) return HALO_ERR_NOMEM;
    int rc = MPI_Recv(buf, n, MPI_CHAR, 0, TAG_PLAN, rt->comm, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
        free(buf);
        return rt_mpi_fail(rc, "MPI_Recv(plan)");
    }
    buf[n] = '\0';
    cJSON *js = cJSON_Parse(buf);
    free(buf);
    if (!js) return halo_error(HALO_ERR_INTERNAL, "rank %d: the source's new plan is not JSON", rt->rank);
    struct halo_plan *p = NULL;
    char name[64];
    snprintf(name, sizeof name, "epoch %d", rt->job.n_var);
    enum halo_status st = halo_plan_from_json(name, js, &p);
    cJSON_Delete(js);
    if (st == HALO_OK) st = halo_plan_validate(p, rt->job.g, name);
    if (st == HALO_OK) st = rt_adapt_add_epoch(rt, p);
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *got = true;
    return HALO_OK;
}

/* ---- per stream -------------------------------------------------------------------------------- */

/* A cluster of the plan's devices (names, access rates) for reading a trace by device name. */
static enum halo_status trace_load(struct halo_rt *rt)
{
    struct rt_adapt *ad = ad_of(rt);
    if (!ad) return HALO_ERR_NOMEM;
    const struct halo_plan *p = rt->job.plans[0];
    int nd = p->n_dev;
    ad->tdev = halo_calloc((size_t)nd, sizeof *ad->tdev);
    double *up = halo_malloc((size_t)nd * 2, sizeof *up);
    if (!ad->tdev || !up) {
        free(up);
        return HALO_ERR_NOMEM;
    }
    halo_link_caps(p, NULL, NULL, up, up + nd);
    for (int k = 0; k < nd; k++)
        ad->tdev[k] = (struct halo_device){.name = p->dev[k].name, .speed = p->dev[k].speed, .up_mbps = up[k],
                                           .down_mbps = up[nd + k]};
    free(up);
    ad->tc = (struct halo_cluster){.path = (char *)rt->job.opts.link_trace, .name = "plan", .n = nd, .dev = ad->tdev,
                                   .source = 0, .rates = HALO_RATES_GOODPUT, .bw_mbps = p->bw_mbps, .lat_ms = p->lat_ms};
    return halo_channel_trace_load(&ad->tc, rt->job.opts.link_trace, &ad->trace);
}

/* Every frame's links (all ranks: the arrivals follow from the options). */
static enum halo_status frame_links(struct halo_rt *rt, int n)
{
    struct rt_adapt *ad = rt->job.ad;
    const struct halo_plan *p = rt->job.plans[0];
    int nd = p->n_dev;
    free(ad->bw);
    free(ad->bw_frame);
    ad->bw = halo_malloc((size_t)n * nd * nd, sizeof *ad->bw);
    ad->bw_frame = halo_malloc((size_t)n, sizeof *ad->bw_frame);
    double *up = halo_malloc((size_t)nd * 2, sizeof *up);
    if (!ad->bw || !ad->bw_frame || !up) {
        free(up);
        return HALO_ERR_NOMEM;
    }
    for (int f = 0; f < n; f++) {
        double *bw = ad->bw + (size_t)f * nd * nd;
        if (ad->trace) halo_channel_rates_at(ad->trace, &ad->tc, rt->eng.arrival_ms[f] / 1000, up, up + nd);
        for (int a = 0; a < nd; a++)
            for (int b = 0; b < nd; b++)
                bw[a * nd + b] = ad->trace && a != b ? fmin(up[a], up[nd + b]) : p->bw_mbps[a * nd + b];
        ad->bw_frame[f] = bw;
    }
    free(up);
    ad->n_frames = n;
    return HALO_OK;
}

/* The source: the controller, once per job. */
static enum halo_status controller_new(struct halo_rt *rt)
{
    struct rt_adapt *ad = rt->job.ad;
    const struct halo_run_opts *o = &rt->job.opts;
    const struct halo_plan *p = rt->job.plans[0];
    if (!o->cluster_path) return halo_error(HALO_ERR_INVALID, "--adapt on needs --cluster (the profiles to re-plan with)");
    HALO_TRY(halo_cluster_load(o->cluster_path, &ad->c));
    ad->n_es = p->n_dev - 1;
    ad->es = halo_malloc((size_t)(ad->n_es ? ad->n_es : 1), sizeof *ad->es);
    ad->map = halo_malloc((size_t)p->n_dev, sizeof *ad->map);
    if (!ad->es || !ad->map) return HALO_ERR_NOMEM;
    for (int k = 0; k < p->n_dev; k++) {
        int d = halo_cluster_find(ad->c, p->dev[k].name);
        if (d < 0 || (k == 0) != (d == ad->c->source))
            return halo_error(HALO_ERR_INVALID, "%s: plan device '%s' is not %s of %s", rt->job.plan_path, p->dev[k].name,
                              k == 0 ? "the source" : "an ES", o->cluster_path);
        ad->map[k] = d;
        if (k) ad->es[k - 1] = d;
    }
    struct halo_objective obj = {.kind = HALO_OBJECTIVE_LATENCY, .fps = o->fps > 0 ? o->fps : 0};
    obj.stream.inflight = rt->job.n_slots;
    return halo_adapt_new(rt->job.g, ad->c, ad->es, ad->n_es, &obj, halo_plan_link_model(p), &o->adapt_opts, &ad->ctl);
}

enum halo_status rt_adapt_begin(struct halo_rt *rt, int n_frames)
{
    struct rt_job *j = &rt->job;
    struct rt_engine *e = &rt->eng;
    if (j->opts.link_trace && (!j->ad || !j->ad->trace)) HALO_TRY(trace_load(rt));
    if (!j->adapt && !j->opts.link_trace) return HALO_OK;
    struct rt_adapt *ad = j->ad;
    HALO_TRY(frame_links(rt, n_frames));
    if (!j->adapt) return HALO_OK;
    free(e->var_of);
    free(e->step0);
    free(e->msg0);
    e->var_of = halo_calloc((size_t)n_frames + 1, sizeof *e->var_of);
    e->step0 = halo_calloc((size_t)n_frames + 1, sizeof *e->step0);
    e->msg0 = halo_calloc((size_t)n_frames + 1, sizeof *e->msg0);
    if (!e->var_of || !e->step0 || !e->msg0) return HALO_ERR_NOMEM;
    rt_adapt_frame(rt, 0, e->var0);
    if (rt->rank != 0 && ad->sbuf_cap < j->n_slots) {
        ad->sbuf = halo_calloc((size_t)j->n_slots, sizeof *ad->sbuf);
        ad->sreq = halo_malloc((size_t)j->n_slots, sizeof *ad->sreq);
        if (!ad->sbuf || !ad->sreq) return HALO_ERR_NOMEM;
        for (int q = 0; q < j->n_slots; q++) {
            ad->sreq[q] = MPI_REQUEST_NULL;
            if (!(ad->sbuf[q] = halo_malloc(4 + 2 * (size_t)j->max_step + 5 * (size_t)j->max_msg, sizeof(double))))
                return HALO_ERR_NOMEM;
        }
        ad->sbuf_cap = j->n_slots;
    }
    if (rt->rank == 0 && !ad->ctl) HALO_TRY(controller_new(rt));
    if (rt->rank == 0 && !ad->psreq) {
        ad->psreq = halo_malloc((size_t)rt->size, sizeof *ad->psreq);
        if (!ad->psreq) return HALO_ERR_NOMEM;
        for (int r = 0; r < rt->size; r++) ad->psreq[r] = MPI_REQUEST_NULL;
    }
    free(ad->got);
    if (!(ad->got = halo_calloc((size_t)n_frames + 1, sizeof *ad->got))) return HALO_ERR_NOMEM;
    free(ad->n_mrec);
    if (!(ad->n_mrec = halo_calloc((size_t)n_frames + 1, sizeof *ad->n_mrec))) return HALO_ERR_NOMEM;
    ad->n_link_obs = ad->n_link_skip = 0;
    ad->n_got = n_frames;
    ad->n_rec = 0;
    ad->last_done_ms = 0;
    ad->last_check = -INFINITY;
    ad->n_log = 0;
    ad->n_checks = 0;
    ad->check_sum = ad->check_max = 0;
    return HALO_OK;
}

void rt_adapt_frame(struct halo_rt *rt, int f, int var)
{
    struct rt_engine *e = &rt->eng;
    if (!rt->job.adapt) return;
    e->var_of[f] = var;
    if (rt->job.ad && rt->job.ad->n_mrec) rt->job.ad->n_mrec[f] = 0; /* a frame run again: its records anew */
    e->step0[f + 1] = e->step0[f] + rt->job.sv[var].n_step;
    e->msg0[f + 1] = e->msg0[f] + rt->job.sv[var].n_msg;
}

int rt_adapt_next_var(const struct halo_rt *rt)
{
    return rt->job.adapt && rt->job.ad ? rt->job.ad->next_var : 0;
}

double rt_link_mbps(const struct halo_rt *rt, const struct halo_plan *p, int f, int a, int b)
{
    const struct rt_adapt *ad = rt->job.ad;
    int nd = p->n_dev;
    if (ad && ad->bw_frame && f >= 0 && f < ad->n_frames) return ad->bw_frame[f][a * nd + b];
    return p->bw_mbps[a * nd + b];
}

const double *const *rt_adapt_bw_frames(const struct halo_rt *rt)
{
    const struct rt_adapt *ad = rt->job.ad;
    return ad && ad->bw_frame && ad->n_frames == rt->eng.n_frames ? ad->bw_frame : NULL;
}

/* ---- timings to the source ---------------------------------------------------------------------- */

enum halo_status rt_adapt_frame_stats(struct halo_rt *rt, int q)
{
    struct rt_adapt *ad = rt->job.ad;
    if (!rt->job.adapt || rt->rank == 0 || rt->eng.warmup) return HALO_OK;
    const struct rt_slot *sl = &rt->eng.slot[q];
    const struct halo_sched *s = sl->s;
    int f = sl->frame;
    if (ad->sreq[q] != MPI_REQUEST_NULL) HALO_TRY(rt_wait_req(rt, &ad->sreq[q], 0, WAIT_SENDS));
    double *b = ad->sbuf[q];
    int64_t s0 = rt_step0(rt, f), m0 = rt_msg0(rt, f);
    int n = 0;
    b[n++] = f;
    b[n++] = sl->var;
    int at = n++;
    b[at] = 0;
    for (int k = 0; k < s->n_step; k++) {
        if (s->step[k].device != rt->rank) continue;
        b[n++] = k;
        b[n++] = rt_rec_step(rt, s0 + k)[2];
        b[at]++;
    }
    at = n++;
    b[at] = 0;
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->to != rt->rank || mm->from == rt->rank) continue;
        const double *x = rt_rec_msg(rt, m0 + m);
        b[n++] = m;
        b[n++] = x[0];
        b[n++] = x[1];
        b[n++] = x[2];
        b[n++] = *rt_rec_poll(rt, m0 + m);
        b[at]++;
    }
    MPI_TRY(MPI_Isend(b, n, MPI_DOUBLE, 0, TAG_FSTATS, rt->comm, &ad->sreq[q]));
    return HALO_OK;
}

/* The source, wall clock, real links: frame f's messages observed against the link model, once the
 * records of all of them are in (each receiver's, the source's own). */
static void observe_links(struct halo_rt *rt, int f)
{
    struct rt_adapt *ad = rt->job.ad;
    const struct halo_sched *s = rt_sched_of(rt, f);
    const struct halo_plan *p = rt->job.var[rt_var_of(rt, f)];
    int nd = p->n_dev, n = 0;
    for (int m = 0; m < s->n_msg; m++) n += s->msg[m].from != s->msg[m].to;
    if (!n || ad->n_mrec[f] != n) return;
    ad->n_mrec[f] = -1; /* observed: never twice */
    int64_t m0 = rt_msg0(rt, f);
    struct halo_link_obs *x = halo_malloc((size_t)n, sizeof *x);
    int *id = halo_malloc((size_t)n, sizeof *id);
    double *cap = halo_malloc((size_t)nd * 2, sizeof *cap);
    if (!x || !id || !cap) goto done; /* an observation lost, nothing worse */
    n = 0;
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->from == mm->to) continue;
        const double *r = rt_rec_msg(rt, m0 + m);
        x[n] = (struct halo_link_obs){.from = mm->from, .to = mm->to, .bytes = (int64_t)r[2], .post_ms = r[0]};
        id[n++] = m;
    }
    halo_link_caps(p, NULL, NULL, cap, cap + nd);
    if (halo_link_predict(halo_plan_link_model(p), nd, p->lat_ms, p->bw_mbps, cap, cap + nd, x, n) != HALO_OK) goto done;
    double now = rt->eng.arrival_ms[f];
    for (int i = 0; i < n; i++) {
        const double *r = rt_rec_msg(rt, m0 + id[i]);
        double recv = r[1], poll = *rt_rec_poll(rt, m0 + id[i]);
        int ab = x[i].from * nd + x[i].to, ca = ad->map[x[i].from], cb = ad->map[x[i].to];
        if (x[i].bytes <= 0) continue;
        /* the arrival lies in (poll, recv]: a gap past a tenth of the interval makes it unknowable */
        if (recv - poll > 0.1 * (recv - x[i].post_ms)) {
            ad->n_link_skip++;
            continue;
        }
        double mbps = halo_link_obs_rate(p->bw_mbps[ab], p->lat_ms[ab], x[i].post_ms, x[i].pred_ms, recv);
        if (!(mbps > 0)) continue;
        /* the estimator takes the time on the link: latency + bytes at that rate */
        double link_ms = ad->c->lat_ms[ca * ad->c->n + cb] + (double)x[i].bytes * 8e-3 / mbps;
        halo_adapt_observe_transfer(ad->ctl, now, ca, cb, x[i].bytes, link_ms);
        ad->n_link_obs++;
    }
done:
    free(x);
    free(id);
    free(cap);
}

/* The source: rank r's timings of one frame into the estimator. */
static void take_stats(struct halo_rt *rt, int r, const double *b, int n)
{
    struct rt_adapt *ad = rt->job.ad;
    struct rt_engine *e = &rt->eng;
    if (n < 4) return;
    int f = (int)b[0], var = (int)b[1], at = 2;
    if (f < 0 || f >= e->n_frames || var < 0 || var >= rt->job.n_var) return;
    const struct halo_plan *p = rt->job.var[var];
    const struct halo_sched *s = &rt->job.sv[var];
    double now = e->arrival_ms[f];
    /* the frame as it ran last (not an attempt abandoned by a recovery): its records too, so that
     * a rank that dies later leaves its steps in the source's timeline */
    bool current = f < e->taken && rt_var_of(rt, f) == var;
    int64_t s0 = current ? rt_step0(rt, f) : 0, m0 = current ? rt_msg0(rt, f) : 0;
    int ns = (int)b[at++];
    /* the first frame of a re-planned epoch runs tiles of new shapes: its steps pay the backend's
     * first use of them (primitives, JIT), which the warm-up paid for epoch 0 only; taken as speed,
     * an ES just given work reads as a straggler and loses it again */
    bool cold = var > 0 && current && (f == 0 || rt_var_of(rt, f - 1) != var);
    for (int i = 0; i < ns && at + 2 <= n; i++, at += 2) {
        int k = (int)b[at];
        if (k < 0 || k >= s->n_step) continue;
        const struct halo_sched_step *sp = &s->step[k];
        double pred = sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
        if (!cold) halo_adapt_observe_compute(ad->ctl, now, ad->map[r], pred, p->dev[r].speed, b[at + 1]);
        if (current) rt_rec_step(rt, s0 + k)[2] = b[at + 1];
    }
    if (at >= n) return;
    int nm = (int)b[at++];
    /* on the wall clock, emulated links report the interval they were paced to; real ones the
     * post, the receipt and the receiver's last poll before it, observed against the link model
     * once the frame's records are all in */
    bool emulated = rt_wall_emulated(rt), real = rt->job.opts.clock == HALO_CLOCK_WALL && !emulated;
    for (int i = 0; i < nm && at + 5 <= n; i++, at += 5) {
        int m = (int)b[at];
        if (m < 0 || m >= s->n_msg) continue;
        const struct halo_sched_msg *mm = &s->msg[m];
        if (emulated)
            halo_adapt_observe_transfer(ad->ctl, now, ad->map[mm->from], ad->map[mm->to], (int64_t)b[at + 3],
                                        b[at + 2] - b[at + 1]);
        if (!current) continue;
        memcpy(rt_rec_msg(rt, m0 + m), b + at + 1, 3 * sizeof(double));
        *rt_rec_poll(rt, m0 + m) = b[at + 4];
        if (real && mm->from != mm->to) ad->n_mrec[f]++;
    }
    if (current && real) observe_links(rt, f);
}

/* The source: plan p (adopted) to every rank. */
enum halo_status rt_adapt_broadcast_plan(struct halo_rt *rt, const struct halo_plan *p)
{
    struct rt_adapt *ad = rt->job.ad;
    for (int r = 1; r < rt->size; r++)
        if (ad->psreq[r] != MPI_REQUEST_NULL && !ad->dead[r]) HALO_TRY(rt_wait_req(rt, &ad->psreq[r], r, WAIT_SENDS));
    free(ad->json);
    cJSON *j = halo_plan_to_json(p);
    ad->json = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!ad->json) return HALO_ERR_NOMEM;
    int n = (int)strlen(ad->json);
    for (int r = 1; r < rt->size; r++)
        if (!ad->dead[r]) MPI_TRY(MPI_Isend(ad->json, n, MPI_CHAR, r, TAG_PLAN, rt->comm, &ad->psreq[r]));
    return HALO_OK;
}

enum halo_status rt_adapt_poll(struct halo_rt *rt)
{
    struct rt_adapt *ad = rt->job.ad;
    if (!rt->job.adapt || !ad || !rt->wire.slot) return HALO_OK;
    if (rt->rank != 0) return HALO_OK;
    for (;;) {
        int flag = 0, n = 0;
        MPI_Status status;
        MPI_TRY(MPI_Iprobe(MPI_ANY_SOURCE, TAG_FSTATS, rt->comm, &flag, &status));
        if (!flag) return HALO_OK;
        MPI_TRY(MPI_Get_count(&status, MPI_DOUBLE, &n));
        if (halo_grow((void **)&ad->rbuf, &ad->rbuf_cap, (size_t)n + 1, sizeof *ad->rbuf)) return HALO_ERR_NOMEM;
        MPI_TRY(MPI_Recv(ad->rbuf, n, MPI_DOUBLE, status.MPI_SOURCE, TAG_FSTATS, rt->comm, MPI_STATUS_IGNORE));
        if (!rt->eng.warmup && ad->ctl) take_stats(rt, status.MPI_SOURCE, ad->rbuf, n);
    }
}

enum halo_status rt_adapt_frame_done(struct halo_rt *rt, int q)
{
    struct rt_adapt *ad = rt->job.ad;
    struct rt_engine *e = &rt->eng;
    if (!rt->job.adapt || rt->rank != 0 || e->warmup || !ad->ctl) return HALO_OK;
    const struct rt_slot *sl = &e->slot[q];
    int f = sl->frame;
    if (f < ad->n_got) ad->got[f] = true;
    ad->last_done_ms = rt_rel(rt);
    if (ad->n_rec && ad->rec[ad->n_rec - 1].restart == f && ad->rec[ad->n_rec - 1].recovered_ms < 0)
        ad->rec[ad->n_rec - 1].recovered_ms = rt_rel(rt);
    double now = e->arrival_ms[f];
    /* the emulated links on the virtual clock: latency + bytes / the frame's rate, as the replay
     * will have them */
    if (rt->job.opts.clock == HALO_CLOCK_VIRTUAL && rt->job.opts.link == HALO_LINK_EMULATED) {
        const struct halo_plan *p = sl->p;
        for (int m = 0; m < sl->s->n_msg; m++) {
            const struct halo_sched_msg *mm = &sl->s->msg[m];
            if (mm->from == mm->to) continue;
            double ms = p->lat_ms[mm->from * p->n_dev + mm->to] + (double)mm->bytes * 8e-3 / rt_link_mbps(rt, p, f, mm->from, mm->to);
            halo_adapt_observe_transfer(ad->ctl, now, ad->map[mm->from], ad->map[mm->to], mm->bytes, ms);
        }
    } else if (rt->job.opts.clock == HALO_CLOCK_WALL) {
        /* on the wall clock, the messages the source received (the ESs' uplinks into it) as the
         * other ranks report theirs */
        int64_t m0 = rt_msg0(rt, f);
        bool emulated = rt_wall_emulated(rt);
        for (int m = 0; m < sl->s->n_msg; m++) {
            const struct halo_sched_msg *mm = &sl->s->msg[m];
            if (mm->to != 0 || mm->from == 0) continue;
            const double *x = rt_rec_msg(rt, m0 + m);
            if (emulated)
                halo_adapt_observe_transfer(ad->ctl, now, ad->map[mm->from], ad->map[0], (int64_t)x[2], x[1] - x[0]);
            else ad->n_mrec[f]++;
        }
        if (!emulated && f < e->taken && rt_var_of(rt, f) == sl->var) observe_links(rt, f);
    }
    HALO_TRY(rt_adapt_poll(rt));
    if (now - ad->last_check < rt->job.opts.adapt_check_ms) return HALO_OK;
    ad->last_check = now;
    struct halo_plan *np = NULL;
    double t0 = halo_now_ms();
    enum halo_status st = halo_adapt_check(ad->ctl, now, rt->job.var[ad->next_var], &np);
    double ms = halo_now_ms() - t0;
    ad->n_checks++;
    ad->check_sum += ms;
    ad->check_max = fmax(ad->check_max, ms);
    if (st != HALO_OK || !np) return st;
    struct halo_adapt_record *rec = halo_adapt_last(ad->ctl);
    rec->plan_ms = ms;
    st = halo_plan_validate(np, rt->job.g, "re-plan");
    if (st == HALO_OK) st = rt_adapt_add_epoch(rt, np);
    if (st != HALO_OK) {
        /* a plan that does not fit the bounds is not adopted: the stream goes on as it is */
        fprintf(stderr, "halo run: adapt: t %.0f ms: re-plan not adopted: %s\n", now, halo_error_msg());
        halo_plan_free(np);
        return HALO_OK;
    }
    if (halo_grow((void **)&ad->log, &ad->log_cap, (size_t)ad->n_log + 1, sizeof *ad->log)) return HALO_ERR_NOMEM;
    ad->log[ad->n_log++] = (struct halo_run_replan){*rec, rt->job.n_var - 1, e->taken,
                                                    rec->device >= 0 ? ad->c->dev[rec->device].name : NULL};
    ad->next_var = rt->job.n_var - 1;
    return rt_adapt_broadcast_plan(rt, np);
}

enum halo_status rt_adapt_end(struct halo_rt *rt)
{
    struct rt_adapt *ad = rt->job.ad;
    if (!rt->job.adapt || !ad) return HALO_OK;
    struct rt_report *r = &rt->rep;
    r->n_steps = rt_step0(rt, rt->eng.n_frames);
    r->n_msgs = rt_msg0(rt, rt->eng.n_frames);
    for (int q = 0; rt->rank != 0 && q < ad->sbuf_cap; q++)
        if (ad->sreq[q] != MPI_REQUEST_NULL) HALO_TRY(rt_wait_req(rt, &ad->sreq[q], 0, WAIT_SENDS));
    for (int r2 = 1; rt->rank == 0 && ad->psreq && r2 < rt->size; r2++)
        if (ad->psreq[r2] != MPI_REQUEST_NULL && !ad->dead[r2]) HALO_TRY(rt_wait_req(rt, &ad->psreq[r2], r2, WAIT_SENDS));
    return HALO_OK;
}

void rt_adapt_report(struct halo_rt *rt, struct halo_stream_report *sr)
{
    struct rt_adapt *ad = rt->job.ad;
    if (!rt->job.adapt || !ad) return;
    sr->n_recoveries = ad->n_rec;
    sr->recoveries = ad->rec;
    sr->var_of = rt->eng.var_of;
    sr->n_replans = ad->n_log;
    sr->replans = ad->log;
    sr->n_checks = ad->n_checks;
    sr->check_ms_mean = ad->n_checks ? ad->check_sum / ad->n_checks : 0;
    sr->check_ms_max = ad->check_max;
    sr->n_link_obs = ad->n_link_obs;
    sr->n_link_skip = ad->n_link_skip;
}

void rt_adapt_free(struct halo_rt *rt)
{
    struct rt_adapt *ad = rt->job.ad;
    if (!ad) return;
    for (int i = 0; i < ad->n_own; i++) halo_plan_free(ad->own[i]);
    free(ad->own);
    free(ad->tdev);
    halo_channel_free(ad->trace);
    free(ad->bw);
    free(ad->bw_frame);
    for (int q = 0; q < ad->sbuf_cap; q++) free(ad->sbuf[q]);
    free(ad->sbuf);
    free(ad->sreq);
    halo_adapt_free(ad->ctl);
    halo_cluster_free(ad->c);
    free(ad->es);
    free(ad->map);
    free(ad->rbuf);
    free(ad->json);
    free(ad->psreq);
    free(ad->log);
    free(ad->dead);
    free(ad->got);
    free(ad->n_mrec);
    free(ad->rec);
    free(ad->seen);
    free(ad->warm);
    free(ad);
    rt->job.ad = NULL;
    free(rt->eng.var_of);
    free(rt->eng.step0);
    free(rt->eng.msg0);
    rt->eng.var_of = NULL;
    rt->eng.step0 = rt->eng.msg0 = NULL;
}
