/* rt_report: what rank 0 learns of a stream (one inference is a stream of one frame). Every rank
 * records its totals (compute, waiting, codec, overhead), each of its steps' interval and scaled
 * duration and each message it received (its interval on the link and its size), and sends them
 * to the source at the end, packed (the source knows from the schedule which records each rank
 * holds). The source builds the measured timeline — wall: the stamped intervals; virtual: the cost
 * model (partition/timeline.h) replayed with the measured durations and sizes — the prediction
 * beside it (the same model with the plan's compute_ms and sizes, the same arrivals and bound on
 * frames in flight), the stream's figures, and the comparison with single-device inference
 * (--verify), computed after the stream, off its clock. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"
#include "exec/executor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Relative tolerance of --verify on backends that reorder float sums (ref must be exact). */
#define VERIFY_FLOAT_TOL 1e-4

double *rt_rec_step(struct halo_rt *rt, int64_t g) { return rt->rep.step_rec + 3 * g; }
double *rt_rec_msg(struct halo_rt *rt, int64_t g) { return rt->rep.msg_rec + 3 * g; }
double *rt_rec_poll(struct halo_rt *rt, int64_t g) { return rt->rep.msg_poll + g; }

enum halo_status rt_report_alloc(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    r->warm_wall_ms = 0;
    r->dev = halo_calloc((size_t)rt->size, sizeof *r->dev);
    r->steps = halo_calloc((size_t)rt->job.max_step, sizeof *r->steps);
    return r->dev && r->steps ? HALO_OK : HALO_ERR_NOMEM;
}

/* The stream's records and rank 0's per-stream arrays. */
static void free_stream(struct rt_report *r, int size)
{
    free(r->step_rec);
    free(r->msg_rec);
    free(r->msg_poll);
    free(r->pack);
    free(r->tot_all);
    for (int k = 0; r->pack_all && k < size; k++) free(r->pack_all[k]);
    free(r->pack_all);
    free(r->n_pack_all);
    free(r->stats_req);
    free(r->stats_got);
    free(r->s_admit);
    free(r->s_done);
    free(r->p_admit);
    free(r->p_done);
    free(r->err);
    free(r->sdev);
    free(r->ssteps);
    r->ssteps = NULL;
    r->step_rec = r->msg_rec = r->msg_poll = r->pack = r->tot_all = NULL;
    r->pack_all = NULL;
    r->n_pack_all = NULL;
    r->stats_req = NULL;
    r->stats_got = NULL;
    r->s_admit = r->s_done = r->p_admit = r->p_done = r->err = NULL;
    r->sdev = NULL;
}

void rt_report_free_plan(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    free_stream(r, rt->size);
    free(r->dev);
    free(r->steps);
    r->dev = NULL;
    r->steps = NULL;
}

void rt_report_free(struct halo_rt *rt)
{
    rt_report_free_plan(rt);
    free(rt->rep.models);
    rt->rep.models = NULL;
    halo_tensor_free(&rt->rep.reference);
}

/* Single-device inference of `image` (normalised) into `out`. */
static enum halo_status reference_of(struct halo_rt *rt, const struct halo_image_rgb8 *rgb, struct halo_tensor *out)
{
    struct halo_tensor x = {0};
    HALO_TRY(halo_image_frame_tensor(rgb, &x));
    enum halo_status st = halo_exec_graph(rt->job.be, rt->job.g, &x, out, NULL);
    halo_tensor_free(&x);
    return st;
}

enum halo_status rt_report_reference(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    struct halo_image_rgb8 own = {0};
    const struct halo_image_rgb8 *rgb;
    int image;
    HALO_TRY(rt_frame_pixels(rt, 0, &own, &rgb, &image));
    halo_tensor_free(&r->reference);
    enum halo_status st = reference_of(rt, rgb, &r->reference);
    halo_image_rgb8_free(&own);
    HALO_TRY(st);
    r->ref_max = 0;
    for (size_t i = 0; i < halo_tensor_numel(&r->reference); i++) r->ref_max = fmax(r->ref_max, fabs(r->reference.data[i]));
    return HALO_OK;
}

/* How many doubles rank k sends: its totals, 3 per own step, 3 per message it receives. */
static int64_t pack_size(const struct halo_rt *rt, int k)
{
    int64_t n = RT_TOT_N;
    for (int f = 0; f < rt->rep.n_frames; f++) {
        const struct halo_sched *s = rt_sched_of(rt, f);
        for (int i = 0; i < s->n_step; i++) n += 3 * (s->step[i].device == k);
        for (int m = 0; m < s->n_msg; m++) n += 3 * (s->msg[m].to == k && s->msg[m].from != k);
    }
    return n;
}

/* Packs (to = true) or unpacks rank k's records. */
static void pack(struct halo_rt *rt, int k, double *buf, bool to)
{
    struct rt_report *r = &rt->rep;
    double *tot = rt->rank == 0 ? r->tot_all + (size_t)k * RT_TOT_N : r->tot;
    int64_t at = 0;
    for (int i = 0; i < RT_TOT_N; i++, at++) {
        if (to) buf[at] = r->tot[i];
        else tot[i] = buf[at];
    }
    for (int f = 0; f < r->n_frames; f++) {
        const struct halo_sched *s = rt_sched_of(rt, f);
        int64_t s0 = rt_step0(rt, f), m0 = rt_msg0(rt, f);
        for (int i = 0; i < s->n_step; i++) {
            if (s->step[i].device != k) continue;
            double *x = rt_rec_step(rt, s0 + i);
            if (to) memcpy(buf + at, x, 3 * sizeof *x);
            else memcpy(x, buf + at, 3 * sizeof *x);
            at += 3;
        }
        for (int m = 0; m < s->n_msg; m++) {
            if (s->msg[m].to != k || s->msg[m].from == k) continue;
            double *x = rt_rec_msg(rt, m0 + m);
            if (to) memcpy(buf + at, x, 3 * sizeof *x);
            else memcpy(x, buf + at, 3 * sizeof *x);
            at += 3;
        }
    }
}

enum halo_status rt_report_begin(struct halo_rt *rt, int n_frames)
{
    struct rt_report *r = &rt->rep;
    free_stream(r, rt->size);
    r->n_frames = n_frames;
    /* --adapt on: frames' epochs come with their admissions; room for the largest (rt_adapt_end
     * sets the real totals) */
    r->n_steps = rt->job.adapt ? (int64_t)n_frames * rt->job.max_step : rt_step0(rt, n_frames);
    r->n_msgs = rt->job.adapt ? (int64_t)n_frames * rt->job.max_msg : rt_msg0(rt, n_frames);
    memset(r->tot, 0, sizeof r->tot);
    r->step_rec = halo_calloc((size_t)r->n_steps * 3 + 1, sizeof *r->step_rec);
    r->msg_rec = halo_calloc((size_t)r->n_msgs * 3 + 1, sizeof *r->msg_rec);
    r->msg_poll = halo_calloc((size_t)r->n_msgs + 1, sizeof *r->msg_poll);
    if (!r->step_rec || !r->msg_rec || !r->msg_poll) return HALO_ERR_NOMEM;
    if (rt->rank != 0) return HALO_OK;
    r->tot_all = halo_calloc((size_t)rt->size * RT_TOT_N, sizeof *r->tot_all);
    r->pack_all = halo_calloc((size_t)rt->size, sizeof *r->pack_all);
    r->n_pack_all = halo_calloc((size_t)rt->size, sizeof *r->n_pack_all);
    r->stats_req = halo_malloc((size_t)rt->size, sizeof *r->stats_req);
    r->stats_got = halo_calloc((size_t)rt->size, sizeof *r->stats_got);
    if (!r->tot_all || !r->pack_all || !r->n_pack_all || !r->stats_req || !r->stats_got) return HALO_ERR_NOMEM;
    for (int k = 0; k < rt->size; k++) r->stats_req[k] = MPI_REQUEST_NULL;
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
        if (!rt->rep.stats_got[k] && !rt_dead(rt, k)) {
            rt_wait_missing(rt, k, -1);
            return false;
        }
    return true;
}

enum halo_status rt_report_gather(struct halo_rt *rt)
{
    struct rt_report *r = &rt->rep;
    double end = rt_rel(rt), compute = rt->eng.compute_ms, wait = rt->wait.waited_ms, codec = rt->wire.codec_ms;
    r->tot[RT_TOT_ACTIVE] = end;
    r->tot[RT_TOT_COMPUTE] = compute;
    r->tot[RT_TOT_WAIT] = wait;
    r->tot[RT_TOT_CODEC] = codec;
    r->tot[RT_TOT_OVERHEAD] = fmax(0, end - compute - wait - codec);
    if (rt->rank != 0) {
        r->n_pack = pack_size(rt, rt->rank);
        if (!(r->pack = halo_malloc((size_t)r->n_pack, sizeof *r->pack))) return HALO_ERR_NOMEM;
        pack(rt, rt->rank, r->pack, true);
        MPI_TRY(MPI_Isend(r->pack, (int)r->n_pack, MPI_DOUBLE, 0, TAG_STATS, rt->comm, &r->stats_sreq));
        return rt_wait_req(rt, &r->stats_sreq, 0, WAIT_STATS);
    }
    memcpy(r->tot_all, r->tot, sizeof r->tot);
    r->stats_got[0] = true;
    for (int k = 1; k < rt->size; k++) {
        if (rt_dead(rt, k)) continue; /* its records are lost with it (rt_adapt.c keeps what it reported) */
        r->n_pack_all[k] = pack_size(rt, k);
        if (!(r->pack_all[k] = halo_malloc((size_t)r->n_pack_all[k], sizeof **r->pack_all))) return HALO_ERR_NOMEM;
        MPI_TRY(MPI_Irecv(r->pack_all[k], (int)r->n_pack_all[k], MPI_DOUBLE, k, TAG_STATS, rt->comm, &r->stats_req[k]));
    }
    HALO_TRY(rt_wait_until(rt, stats_ready, NULL, -1, WAIT_STATS, -1));
    for (int k = 1; k < rt->size; k++)
        if (!rt_dead(rt, k)) pack(rt, k, r->pack_all[k], false);
    return HALO_OK;
}

/* ---- rank 0's report of one inference ------------------------------------------------------- */

/* Wall clock: the timeline from the intervals the ranks stamped (compute, and each message's
 * send and receive at its receiver's times). */
static int wall_events(struct halo_rt *rt, const int64_t *bytes, struct halo_plan_event *ev)
{
    const struct halo_sched *s = &rt->job.sv[0];
    int ns = s->n_step, n_ev = 0;
    for (int k = 0; k < ns; k++) {
        const double *x = rt_rec_step(rt, k);
        int b = s->step[k].block;
        ev[n_ev++] = (struct halo_plan_event){s->step[k].device, s->step[k].device, b, s->step[k].part,
                                              HALO_EVENT_COMPUTE, x[0], x[1], 0, 0};
    }
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->from == mm->to) continue;
        const double *x = rt_rec_msg(rt, m);
        int b = mm->kind == HALO_SCHED_RESULT ? -1 : mm->block;
        ev[n_ev++] = (struct halo_plan_event){mm->from, mm->to, b, mm->part, HALO_EVENT_SEND, x[0], x[1], bytes[m], 0};
        ev[n_ev++] = (struct halo_plan_event){mm->to, mm->from, b, mm->part, HALO_EVENT_RECV, x[0], x[1], bytes[m], 0};
    }
    return n_ev;
}

/* Compares logits with a reference: max |error|, and whether it passes on this backend. */
static bool compare(const struct halo_rt *rt, const float *logits, const struct halo_tensor *ref, double ref_max,
                    double *abs_err, double *rel_err)
{
    size_t n = halo_tensor_numel(ref);
    halo_compare(logits, ref->data, n, abs_err, rel_err);
    *rel_err = ref_max > 0 ? *abs_err / ref_max : *abs_err;
    bool exact = !strcmp(halo_backend_name(rt->job.be), "ref");
    return rt->job.plan->lossless && (exact ? *abs_err == 0 : *rel_err <= VERIFY_FLOAT_TOL);
}

/* --verify: the logits against single-device inference. */
static enum halo_status verify(struct halo_rt *rt, struct halo_run_report *rep)
{
    const struct rt_report *r = &rt->rep;
    rep->verified = rt->job.opts.verify;
    rep->tolerance = strcmp(halo_backend_name(rt->job.be), "ref") ? VERIFY_FLOAT_TOL : 0;
    if (!rt->job.opts.verify) return HALO_OK;
    size_t n = halo_tensor_numel(&r->reference);
    if (n != (size_t)rt->eng.n_logits)
        return halo_error(HALO_ERR_INTERNAL, "logits: %d values, the reference has %zu", rt->eng.n_logits, n);
    rep->pass = compare(rt, rt->eng.logits, &r->reference, r->ref_max, &rep->max_abs_err, &rep->max_rel_err);
    return HALO_OK;
}

/* Per device: measured times beside the plan's, and the ranks' own totals. */
static void device_rows(struct halo_rt *rt, const struct halo_plan_event *ev, int n_ev, double latency,
                        struct halo_run_report *rep)
{
    const struct halo_vclock *pred = &rt->job.pred;
    const double *all = rt->rep.tot_all;
    double worst = -1, wall = 0;
    for (int k = 0; k < rt->job.plan->n_dev; k++) {
        struct halo_run_device *d = &rt->rep.dev[k];
        halo_timeline_device_times(ev, n_ev, latency, k, &d->compute_ms, &d->recv_ms, &d->send_ms, &d->idle_ms);
        halo_timeline_device_times(pred->events, pred->n_events, pred->total_ms, k, &d->pred_compute_ms,
                                   &d->pred_recv_ms, &d->pred_send_ms, &d->pred_idle_ms);
        d->overhead_ms = all[RT_TOT_N * k + RT_TOT_OVERHEAD];
        d->codec_ms = all[RT_TOT_N * k + RT_TOT_CODEC];
        d->active_ms = all[RT_TOT_N * k + RT_TOT_ACTIVE];
        wall = fmax(wall, d->active_ms);
        if (d->overhead_ms > worst) {
            worst = d->overhead_ms;
            rep->overhead_rank = k;
        }
    }
    rep->overhead_frac = latency > 0 ? worst / latency : 0;
    rep->wall_ms = wall;
}

/* The test hook HALO_TEST_VCLOCK_PLAN_MS (any non-empty value but 0): the virtual clock replays the
 * plan's compute_ms instead of the measured durations, so that the runtime's frames, admission,
 * token and replay can be checked against numbers computed by hand. */
bool rt_plan_times(const struct halo_rt *rt)
{
    const char *e = getenv("HALO_TEST_VCLOCK_PLAN_MS");
    return rt->job.opts.clock == HALO_CLOCK_VIRTUAL && e && *e && strcmp(e, "0");
}

/* The measured durations (or the plan's, under the test hook: each step's record holds them,
 * rt_engine.c) and sizes of every step and message of the stream; *moved: bytes over the links. */
static void measured(struct halo_rt *rt, double *dur, int64_t *bytes, int64_t *moved)
{
    struct rt_report *r = &rt->rep;
    *moved = 0;
    for (int f = 0; f < r->n_frames; f++) {
        const struct halo_sched *s = rt_sched_of(rt, f);
        int64_t s0 = rt_step0(rt, f), m0 = rt_msg0(rt, f);
        for (int k = 0; k < s->n_step; k++) dur[s0 + k] = rt_rec_step(rt, s0 + k)[2];
        for (int m = 0; m < s->n_msg; m++) {
            const struct halo_sched_msg *mm = &s->msg[m];
            bytes[m0 + m] = mm->from == mm->to ? 0 : (int64_t)rt_rec_msg(rt, m0 + m)[2];
            *moved += bytes[m0 + m];
        }
    }
}

/* Wall clock: every link model's latency for this inference, with the plan's compute durations (the
 * model's prediction) and with the measured durations and sizes (what the model makes of the
 * compute that happened: the links' share of the error, free of compute that ran slower or faster
 * than the profile said). */
static enum halo_status model_latencies(struct halo_rt *rt, const double *dur, const int64_t *bytes,
                                        struct halo_run_report *rep)
{
    struct rt_report *r = &rt->rep;
    int n = 0;
    while (halo_link_model_at(n)) n++;
    if (!r->models && !(r->models = halo_calloc((size_t)n, sizeof *r->models))) return HALO_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        const struct halo_link_model *m = halo_link_model_at(i);
        struct halo_timeline_in in = {.plan = rt->job.plan, .sched = &rt->job.sv[0], .link = m};
        struct halo_timeline_out out = {0};
        HALO_TRY(halo_timeline_run(&in, &out));
        r->models[i].name = m->name;
        r->models[i].pred_ms = out.total_ms;
        in.step_ms = dur;
        in.msg_bytes = bytes;
        out = (struct halo_timeline_out){0};
        HALO_TRY(halo_timeline_run(&in, &out));
        r->models[i].replay_ms = out.total_ms;
    }
    rep->n_models = n;
    rep->models = r->models;
    return HALO_OK;
}

enum halo_status rt_report_make(struct halo_rt *rt, struct halo_run_report *rep)
{
    struct rt_report *r = &rt->rep;
    const struct halo_sched *s = &rt->job.sv[0];
    const struct halo_vclock *pred = &rt->job.pred;
    int ns = s->n_step, nm = s->n_msg;
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
    measured(rt, dur, bytes, &moved);
    double latency, span; /* span: the timeline's end (from the start; wall: admission is a hair later) */
    struct halo_vclock v = {0};
    enum halo_status st = HALO_OK;
    if (rt->job.opts.clock == HALO_CLOCK_VIRTUAL) {
        st = halo_vclock_replay(rt->job.plan, s, dur, bytes, &v);
        latency = span = v.total_ms;
        if (st == HALO_OK) {
            free(ev);
            ev = v.events;
            n_ev = v.n_events;
            v.events = NULL;
        }
    } else {
        latency = rt->eng.done_ms[0] - rt->eng.admit_ms[0];
        span = rt->eng.done_ms[0];
        n_ev = wall_events(rt, bytes, ev);
        st = model_latencies(rt, dur, bytes, rep);
    }
    if (st == HALO_OK) {
        device_rows(rt, ev, n_ev, span, rep);
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
            double start = v.step_start ? v.step_start[k] : rt_rec_step(rt, k)[0];
            double end = v.step_end ? v.step_end[k] : rt_rec_step(rt, k)[1];
            r->steps[k] = (struct halo_run_step){0, sp->block, sp->part, sp->device, start, end, dur[k],
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

/* ---- rank 0's report of a stream ------------------------------------------------------------- */

/* The union of the intervals [a[2i], a[2i+1]) (sorted here), ms. */
static int cmp_iv(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double union_ms(double *iv, int n)
{
    qsort(iv, (size_t)n, 2 * sizeof *iv, cmp_iv);
    double total = 0, cs = 0, ce = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (iv[2 * i] > ce) {
            if (ce > cs) total += ce - cs;
            cs = iv[2 * i];
            ce = iv[2 * i + 1];
        } else if (iv[2 * i + 1] > ce) {
            ce = iv[2 * i + 1];
        }
    }
    if (ce > cs) total += ce - cs;
    return total;
}

/* Wall clock: per device its compute time, and each link's bytes and busy time (the union of its
 * messages' intervals as the receiver stamped them). */
static enum halo_status wall_loads(struct halo_rt *rt, const int64_t *bytes, struct halo_stream_device *dv)
{
    struct rt_report *r = &rt->rep;
    int nd = rt->job.plan->n_dev;
    double *iv = halo_malloc((size_t)r->n_msgs + 1, 2 * sizeof(double));
    if (!iv) return HALO_ERR_NOMEM;
    for (int side = 0; side < 2; side++)
        for (int k = 0; k < nd; k++) {
            int n = 0;
            int64_t b = 0;
            for (int f = 0; f < r->n_frames; f++) {
                const struct halo_sched *s = rt_sched_of(rt, f);
                int64_t m0 = rt_msg0(rt, f);
                for (int m = 0; m < s->n_msg; m++) {
                    const struct halo_sched_msg *mm = &s->msg[m];
                    if (mm->from == mm->to || (side ? mm->to : mm->from) != k) continue;
                    const double *x = rt_rec_msg(rt, m0 + m);
                    iv[2 * n] = x[0];
                    iv[2 * n + 1] = x[1];
                    n++;
                    b += bytes[m0 + m];
                }
            }
            double busy = union_ms(iv, n);
            if (side) {
                dv[k].down_busy_ms = busy;
                dv[k].down_bytes = b;
            } else {
                dv[k].up_busy_ms = busy;
                dv[k].up_bytes = b;
            }
        }
    free(iv);
    for (int f = 0; f < r->n_frames; f++) {
        const struct halo_sched *s = rt_sched_of(rt, f);
        int64_t s0 = rt_step0(rt, f);
        for (int k = 0; k < s->n_step; k++) {
            const double *x = rt_rec_step(rt, s0 + k);
            dv[s->step[k].device].busy_ms += x[1] - x[0];
        }
    }
    return HALO_OK;
}

/* --verify on a stream: every frame's logits against single-device inference of its image,
 * computed now, after the stream (a folder's image once, a random frame for each frame). */
static enum halo_status verify_stream(struct halo_rt *rt, struct halo_stream_report *sr)
{
    struct rt_engine *e = &rt->eng;
    struct rt_report *r = &rt->rep;
    sr->verified = true;
    sr->tolerance = strcmp(halo_backend_name(rt->job.be), "ref") ? VERIFY_FLOAT_TOL : 0;
    int ni = rt->job.n_images;
    struct halo_tensor *refs = halo_calloc((size_t)(ni ? ni : 1), sizeof *refs);
    double *ref_max = halo_calloc((size_t)(ni ? ni : 1), sizeof *ref_max);
    struct halo_image_rgb8 own = {0};
    enum halo_status st = refs && ref_max ? HALO_OK : HALO_ERR_NOMEM;
    for (int f = 0; f < e->n_frames && st == HALO_OK; f++) {
        const struct halo_image_rgb8 *rgb;
        int image, slot;
        st = rt_frame_pixels(rt, f, &own, &rgb, &image);
        if (st != HALO_OK) break;
        slot = image >= 0 ? image : 0;
        if (image < 0 || !refs[slot].data) {
            halo_tensor_free(&refs[slot]);
            if ((st = reference_of(rt, rgb, &refs[slot])) != HALO_OK) break;
            ref_max[slot] = 0;
            for (size_t i = 0; i < halo_tensor_numel(&refs[slot]); i++)
                ref_max[slot] = fmax(ref_max[slot], fabs(refs[slot].data[i]));
        }
        if (halo_tensor_numel(&refs[slot]) != (size_t)e->n_logits) {
            st = halo_error(HALO_ERR_INTERNAL, "logits: %d values, the reference has %zu", e->n_logits,
                            halo_tensor_numel(&refs[slot]));
            break;
        }
        double rel;
        bool ok = compare(rt, e->logits + (size_t)f * e->n_logits, &refs[slot], ref_max[slot], &r->err[f], &rel);
        if (rt->job.plan->lossless && !ok) sr->n_failed++;
    }
    for (int i = 0; refs && i < (ni ? ni : 1); i++) halo_tensor_free(&refs[i]);
    free(refs);
    free(ref_max);
    halo_image_rgb8_free(&own);
    sr->max_abs_err = r->err;
    return st;
}

enum halo_status rt_report_stream(struct halo_rt *rt, struct halo_stream_report *sr)
{
    struct rt_report *r = &rt->rep;
    struct rt_engine *e = &rt->eng;
    struct rt_job *j = &rt->job;
    int n = r->n_frames, nd = j->plan->n_dev;
    memset(sr, 0, sizeof *sr);
    r->s_admit = halo_malloc((size_t)n, sizeof *r->s_admit);
    r->s_done = halo_malloc((size_t)n, sizeof *r->s_done);
    r->p_admit = halo_malloc((size_t)n, sizeof *r->p_admit);
    r->p_done = halo_malloc((size_t)n, sizeof *r->p_done);
    r->err = halo_calloc((size_t)n, sizeof *r->err);
    r->sdev = halo_calloc((size_t)nd, sizeof *r->sdev);
    r->ssteps = halo_calloc((size_t)r->n_steps + 1, sizeof *r->ssteps);
    double *dur = halo_malloc((size_t)r->n_steps + 1, sizeof *dur);
    double *vs = halo_malloc((size_t)r->n_steps + 1, sizeof *vs), *ve = halo_malloc((size_t)r->n_steps + 1, sizeof *ve);
    double *ps = halo_malloc((size_t)r->n_steps + 1, sizeof *ps), *pe = halo_malloc((size_t)r->n_steps + 1, sizeof *pe);
    int64_t *bytes = halo_malloc((size_t)r->n_msgs + 1, sizeof *bytes);
    double *busy = halo_calloc((size_t)nd * 6, sizeof *busy);
    int64_t *lb = halo_calloc((size_t)nd * 4, sizeof *lb);
    enum halo_status st = HALO_OK;
    if (!r->s_admit || !r->s_done || !r->p_admit || !r->p_done || !r->err || !r->sdev || !r->ssteps || !dur || !vs ||
        !ve || !ps || !pe || !bytes || !busy || !lb)
        st = HALO_ERR_NOMEM;
    int64_t moved = 0;
    if (st == HALO_OK) measured(rt, dur, bytes, &moved);
    struct halo_stream_in in = {.plans = j->var, .scheds = j->svp, .n_var = j->n_var, .n_frames = n,
                                .arrival_ms = e->arrival_ms, .inflight = j->n_slots,
                                .variant = j->adapt ? e->var_of : NULL, .bw_frame = rt_adapt_bw_frames(rt)};
    /* predicted: the plan's compute_ms and sizes through the cost model, the same arrivals */
    struct halo_stream_out po = {.admit_ms = r->p_admit, .done_ms = r->p_done, .step_start = ps, .step_end = pe,
                                 .compute_busy_ms = busy, .up_busy_ms = busy + nd, .down_busy_ms = busy + 2 * nd,
                                 .up_bytes = lb, .down_bytes = lb + nd};
    if (st == HALO_OK) st = halo_stream_run(&in, &po);
    for (int k = 0; st == HALO_OK && k < nd; k++) {
        r->sdev[k].pred_busy_ms = busy[k];
        r->sdev[k].pred_up_busy_ms = busy[nd + k];
        r->sdev[k].pred_down_busy_ms = busy[2 * nd + k];
        r->sdev[k].pred_up_bytes = lb[k];
        r->sdev[k].pred_down_bytes = lb[nd + k];
    }
    if (st == HALO_OK && j->opts.clock == HALO_CLOCK_VIRTUAL) {
        /* measured: the very same simulation with the measured durations and sizes */
        struct halo_stream_in mi = in;
        mi.step_ms = dur;
        mi.msg_bytes = bytes;
        struct halo_stream_out mo = {.admit_ms = r->s_admit, .done_ms = r->s_done, .step_start = vs, .step_end = ve,
                                     .compute_busy_ms = busy + 3 * nd, .up_busy_ms = busy + 4 * nd,
                                     .down_busy_ms = busy + 5 * nd, .up_bytes = lb + 2 * nd, .down_bytes = lb + 3 * nd};
        st = halo_stream_run(&mi, &mo);
        for (int k = 0; st == HALO_OK && k < nd; k++) {
            r->sdev[k].busy_ms = busy[3 * nd + k];
            r->sdev[k].up_busy_ms = busy[4 * nd + k];
            r->sdev[k].down_busy_ms = busy[5 * nd + k];
            r->sdev[k].up_bytes = lb[2 * nd + k];
            r->sdev[k].down_bytes = lb[3 * nd + k];
        }
    } else if (st == HALO_OK) {
        memcpy(r->s_admit, e->admit_ms, (size_t)n * sizeof *r->s_admit);
        memcpy(r->s_done, e->done_ms, (size_t)n * sizeof *r->s_done);
        for (int64_t g = 0; g < r->n_steps; g++) {
            vs[g] = rt_rec_step(rt, g)[0];
            ve[g] = rt_rec_step(rt, g)[1];
        }
        st = wall_loads(rt, bytes, r->sdev);
    }
    int warm = halo_stream_default_warmup(n);
    if (st == HALO_OK)
        st = halo_stream_stats(e->arrival_ms, r->s_admit, r->s_done, n, warm, j->opts.deadline_ms, &sr->meas);
    if (st == HALO_OK)
        st = halo_stream_stats(e->arrival_ms, r->p_admit, r->p_done, n, warm, j->opts.deadline_ms, &sr->pred);
    for (int f = 0; st == HALO_OK && f < n; f++) {
        const struct halo_sched *s = rt_sched_of(rt, f);
        int64_t s0 = rt_step0(rt, f);
        for (int k = 0; k < s->n_step; k++) {
            const struct halo_sched_step *sp = &s->step[k];
            const struct halo_plan *p = j->var[rt_var_of(rt, f)];
            double pms = sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
            r->ssteps[s0 + k] = (struct halo_run_step){f, sp->block, sp->part, sp->device, vs[s0 + k], ve[s0 + k],
                                                      dur[s0 + k], pms};
        }
    }
    if (st == HALO_OK) {
        sr->n_frames = n;
        sr->n_var = j->n_var;
        sr->inflight = j->n_slots;
        sr->arrival_ms = e->arrival_ms;
        sr->admit_ms = r->s_admit;
        sr->done_ms = r->s_done;
        sr->pred_admit_ms = r->p_admit;
        sr->pred_done_ms = r->p_done;
        sr->image = e->image_of;
        sr->n_dev = nd;
        sr->dev = r->sdev;
        sr->bytes_moved = moved;
        for (int k = 0; k < nd; k++) sr->pred_bytes_moved += r->sdev[k].pred_up_bytes;
        for (int k = 0; k < rt->size; k++) sr->wall_ms = fmax(sr->wall_ms, r->tot_all[RT_TOT_N * k + RT_TOT_ACTIVE]);
        sr->plan_times = rt_plan_times(rt);
        sr->n_steps = (int)r->n_steps;
        sr->steps = r->ssteps;
        sr->max_abs_err = r->err;
        if (j->opts.verify) st = verify_stream(rt, sr);
    }
    free(dur);
    free(vs);
    free(ve);
    free(ps);
    free(pe);
    free(bytes);
    free(busy);
    free(lb);
    return st;
}
