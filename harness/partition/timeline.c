#include "partition/timeline.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t halo_stream_step0(const struct halo_sched *const *scheds, int n_var, int f)
{
    int64_t cycle = 0, r = 0;
    for (int v = 0; v < n_var; v++) cycle += scheds[v]->n_step;
    r = (int64_t)(f / n_var) * cycle;
    for (int v = 0; v < f % n_var; v++) r += scheds[v]->n_step;
    return r;
}

int64_t halo_stream_msg0(const struct halo_sched *const *scheds, int n_var, int f)
{
    int64_t cycle = 0, r = 0;
    for (int v = 0; v < n_var; v++) cycle += scheds[v]->n_msg;
    r = (int64_t)(f / n_var) * cycle;
    for (int v = 0; v < f % n_var; v++) r += scheds[v]->n_msg;
    return r;
}

int64_t halo_stream_step0_of(const struct halo_sched *const *scheds, const int *variant, int f)
{
    int64_t r = 0;
    for (int i = 0; i < f; i++) r += scheds[variant[i]]->n_step;
    return r;
}

int64_t halo_stream_msg0_of(const struct halo_sched *const *scheds, const int *variant, int f)
{
    int64_t r = 0;
    for (int i = 0; i < f; i++) r += scheds[variant[i]]->n_msg;
    return r;
}

/* ---- the simulation ----------------------------------------------------------------------- */

/* A device: the step it computes (or -1) and a heap of its ready steps by global step index,
 * which orders them by frame, then by schedule order. */
struct device {
    int64_t running;
    double end;
    int64_t *heap;
    int n;
};

struct sim {
    const struct halo_stream_in *in;
    struct halo_stream_out *out;
    const struct halo_link_model *link;
    void *link_state;
    double *caps;              /* access link capacities, 2 * n_dev per frame (or per variant when
                                  the frames keep their plans' links) */
    bool caps_per_frame;
    int n_dev, nf;
    int64_t *step0, *msg0;     /* per frame (n_frames + 1) */
    int *frame_of_step;        /* per global step */
    int *step_wait;            /* per global step: input pieces not yet arrived */
    unsigned char *step_flags; /* per global step: STEP_READY (inputs arrived), STEP_TURN (its device's
                                  previous step of the frame has started) */
    int *gather_wait;          /* per frame and block (frame f's at f * max_blocks) */
    int *last_wait;            /* per frame: last-block steps the result still waits for */
    int max_blocks;
    double *ready;             /* per global message: when it became ready (-1: not yet) */
    struct halo_link_xfer *x;  /* per global message on a link */
    struct device *dev;
    int *run, n_run;           /* the devices computing now */
    int *dirty, n_dirty;       /* the devices that may start a step now */
    unsigned char *is_dirty;
    int64_t *pending;          /* messages ready now, not yet submitted */
    int64_t *batch;            /* the ones being submitted */
    int n_pending;
    int next_admit, admitted_open, done;
    double now;
    enum halo_status st;
};

static inline int var_of(const struct sim *r, int f)
{
    return r->in->variant ? r->in->variant[f] : r->in->n_var == 1 ? 0 : f % r->in->n_var;
}

static inline const struct halo_sched *sched_of(const struct sim *r, int f) { return r->in->scheds[var_of(r, f)]; }

static inline const struct halo_plan *plan_of(const struct sim *r, int f) { return r->in->plans[var_of(r, f)]; }

static void add_event(struct sim *r, struct halo_plan_event e)
{
    struct halo_stream_out *o = r->out;
    if (r->st != HALO_OK) return;
    if (halo_grow((void **)&o->events, &o->events_cap, (size_t)o->n_events + 1, sizeof e)) {
        r->st = HALO_ERR_NOMEM;
        return;
    }
    o->events[o->n_events++] = e;
}

static void make_ready(struct sim *r, int f, const int *list, int n)
{
    for (int i = 0; i < n; i++) {
        int64_t g = r->msg0[f] + list[i];
        r->ready[g] = r->now;
        r->pending[r->n_pending++] = g;
    }
}

enum { STEP_READY = 1, STEP_TURN = 2 };

/* Step g may run once its inputs have arrived and it is its device's turn within its frame. */
static void step_flag(struct sim *r, int64_t g, unsigned char flag)
{
    r->step_flags[g] |= flag;
    if (r->step_flags[g] != (STEP_READY | STEP_TURN)) return;
    int f = r->frame_of_step[g], k = sched_of(r, f)->step[g - r->step0[f]].device;
    struct device *d = &r->dev[k];
    if (!r->is_dirty[k]) {
        HALO_ASSERT(r->n_dirty < r->n_dev); /* each device listed once */
        r->is_dirty[k] = 1;
        r->dirty[r->n_dirty++] = k;
    }
    int i = d->n++;
    d->heap[i] = g;
    while (i > 0 && d->heap[(i - 1) / 2] > d->heap[i]) {
        int64_t t = d->heap[i];
        d->heap[i] = d->heap[(i - 1) / 2];
        d->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static int64_t heap_pop(struct device *d)
{
    int64_t top = d->heap[0];
    d->heap[0] = d->heap[--d->n];
    for (int i = 0;;) {
        int l = 2 * i + 1, rr = l + 1, m = i;
        if (l < d->n && d->heap[l] < d->heap[m]) m = l;
        if (rr < d->n && d->heap[rr] < d->heap[m]) m = rr;
        if (m == i) break;
        int64_t t = d->heap[i];
        d->heap[i] = d->heap[m];
        d->heap[m] = t;
        i = m;
    }
    return top;
}

/* Message g (frame f, index m) has arrived at r->now. */
static void arrive(struct sim *r, int f, int m)
{
    const struct halo_sched *s = sched_of(r, f);
    const struct halo_sched_msg *mm = &s->msg[m];
    if (mm->kind == HALO_SCHED_INPUT) {
        int64_t g = r->step0[f] + mm->step;
        if (--r->step_wait[g] == 0) step_flag(r, g, STEP_READY);
    } else if (mm->kind == HALO_SCHED_GATHER) {
        if (--r->gather_wait[f * r->max_blocks + mm->block] == 0) {
            int i = s->n_step + mm->block;
            make_ready(r, f, s->wake + s->wake0[i], s->wake0[i + 1] - s->wake0[i]);
        }
    } else {
        if (r->out->done_ms) r->out->done_ms[f] = r->now;
        r->out->end_ms = r->now;
        r->admitted_open--;
        r->done++;
    }
}

/* The frame's first messages (the image's pieces) are ready once it is admitted. */
static void admit(struct sim *r)
{
    const struct halo_stream_in *in = r->in;
    while (r->next_admit < r->nf && (in->inflight <= 0 || r->admitted_open < in->inflight)) {
        int f = r->next_admit;
        double a = in->arrival_ms ? in->arrival_ms[f] : 0;
        if (a > r->now) break;
        if (r->out->admit_ms) r->out->admit_ms[f] = r->now;
        const struct halo_sched *s = sched_of(r, f);
        int i = s->n_step + s->n_blocks;
        make_ready(r, f, s->wake + s->wake0[i], s->wake0[i + 1] - s->wake0[i]);
        for (int64_t g = r->step0[f]; g < r->step0[f + 1]; g++)
            if (r->step_wait[g] == 0) step_flag(r, g, STEP_READY); /* a step with no input piece */
        r->next_admit++;
        r->admitted_open++;
    }
}

static void sort_ids(int64_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int64_t x = a[i];
        int j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

static int frame_of_msg(const struct sim *r, int64_t g)
{
    if (r->nf == 1) return 0;
    int lo = 0, hi = r->nf - 1; /* the last frame whose first message is <= g */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (r->msg0[mid] <= g) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* Submits the messages ready now, oldest frame first and in schedule order; local copies arrive
 * at once, which may make more messages ready now. */
static void settle(struct sim *r)
{
    const struct halo_stream_in *in = r->in;
    while (r->n_pending > 0) {
        int n = r->n_pending;
        sort_ids(r->pending, n);
        /* take the batch out: arrivals below may add to pending */
        int64_t *batch = r->batch;
        memcpy(batch, r->pending, (size_t)n * sizeof *batch);
        r->n_pending = 0;
        for (int i = 0; i < n; i++) {
            int64_t g = batch[i];
            int f = frame_of_msg(r, g), m = (int)(g - r->msg0[f]);
            const struct halo_sched_msg *mm = &sched_of(r, f)->msg[m];
            if (mm->from == mm->to) {
                if (r->out->msg_start) r->out->msg_start[g] = r->out->msg_end[g] = r->now;
                arrive(r, f, m);
                continue;
            }
            const struct halo_plan *p = plan_of(r, f);
            int ab = mm->from * p->n_dev + mm->to;
            const double *bw = in->bw_frame ? in->bw_frame[f] : p->bw_mbps;
            const double *cap = r->caps + (size_t)2 * r->n_dev * (r->caps_per_frame ? f : var_of(r, f));
            r->x[g] = (struct halo_link_xfer){.from = mm->from, .to = mm->to,
                                              .bytes = in->msg_bytes ? in->msg_bytes[g] : mm->bytes,
                                              .lat_ms = p->lat_ms[ab], .bw_mbps = bw[ab],
                                              .up_mbps = cap[mm->from], .down_mbps = cap[r->n_dev + mm->to],
                                              .ready_ms = r->now, .id = 0};
            r->link->submit(r->link_state, &r->x[g]);
        }
    }
}

static double step_duration(const struct sim *r, int f, int k)
{
    if (r->in->step_ms) return r->in->step_ms[r->step0[f] + k];
    const struct halo_sched_step *sp = &sched_of(r, f)->step[k];
    const struct halo_plan *p = plan_of(r, f);
    return sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
}

/* Every free device starts its oldest ready step. */
static void dispatch(struct sim *r)
{
    struct halo_stream_out *o = r->out;
    for (int i = 0; i < r->n_dirty; i++) {
        int k = r->dirty[i];
        struct device *d = &r->dev[k];
        /* k stays marked until it is handled: starting a step may make k's next step ready, which
         * must not list k a second time (it is busy now; its step's end lists it again) */
        if (d->running >= 0 || d->n == 0) {
            r->is_dirty[k] = 0;
            continue;
        }
        int64_t g = heap_pop(d);
        r->run[r->n_run++] = k;
        int f = r->frame_of_step[g], s = (int)(g - r->step0[f]);
        double dur = step_duration(r, f, s);
        int next = sched_of(r, f)->next_on_dev[s];
        if (next >= 0) step_flag(r, r->step0[f] + next, STEP_TURN);
        d->running = g;
        d->end = r->now + dur;
        if (o->step_start) o->step_start[g] = r->now;
        if (o->step_end) o->step_end[g] = d->end;
        if (o->compute_busy_ms) o->compute_busy_ms[k] += dur;
        if (o->record) {
            const struct halo_sched_step *sp = &sched_of(r, f)->step[s];
            const struct halo_plan *p = plan_of(r, f);
            int64_t work = sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].macs : 0;
            add_event(r, (struct halo_plan_event){k, k, sp->block, sp->part, HALO_EVENT_COMPUTE, r->now, d->end, work, f});
        }
        r->is_dirty[k] = 0;
    }
    r->n_dirty = 0;
}

/* Steps that end now: their outputs are ready. */
static void finish_steps(struct sim *r)
{
    for (int i = 0; i < r->n_run; i++) {
        int k = r->run[i];
        struct device *d = &r->dev[k];
        if (d->end != r->now) continue;
        r->run[i--] = r->run[--r->n_run];
        if (!r->is_dirty[k]) {
            r->is_dirty[k] = 1;
            r->dirty[r->n_dirty++] = k;
        }
        int64_t g = d->running;
        d->running = -1;
        int f = r->frame_of_step[g], s = (int)(g - r->step0[f]);
        const struct halo_sched *sc = sched_of(r, f);
        make_ready(r, f, sc->wake + sc->wake0[s], sc->wake0[s + 1] - sc->wake0[s]);
        if (sc->last_steps && sc->step[s].block == sc->n_blocks - 1 && --r->last_wait[f] == 0) {
            int result = sc->n_msg - 1;
            make_ready(r, f, &result, 1);
        }
    }
}

/* Messages that arrive now. */
static void finish_messages(struct sim *r)
{
    struct halo_stream_out *o = r->out;
    while (r->link->next_end(r->link_state) == r->now) {
        struct halo_link_xfer *x = r->link->pop(r->link_state);
        if (!x) continue; /* the model's own event */
        int64_t g = x - r->x;
        int f = frame_of_msg(r, g), m = (int)(g - r->msg0[f]);
        o->bytes_moved += x->bytes;
        if (o->msg_start) {
            o->msg_start[g] = x->start_ms;
            o->msg_end[g] = x->end_ms;
        }
        if (o->up_bytes) o->up_bytes[x->from] += x->bytes;
        if (o->down_bytes) o->down_bytes[x->to] += x->bytes;
        if (o->record) {
            const struct halo_sched_msg *mm = &sched_of(r, f)->msg[m];
            int block = mm->kind == HALO_SCHED_RESULT ? -1 : mm->block;
            add_event(r, (struct halo_plan_event){x->from, x->to, block, mm->part, HALO_EVENT_SEND, x->start_ms,
                                                  x->end_ms, x->bytes, f});
            add_event(r, (struct halo_plan_event){x->to, x->from, block, mm->part, HALO_EVENT_RECV, x->start_ms,
                                                  x->end_ms, x->bytes, f});
        }
        arrive(r, f, m);
    }
}

static double next_time(const struct sim *r)
{
    double t = r->link->next_end(r->link_state);
    for (int i = 0; i < r->n_run; i++)
        if (r->dev[r->run[i]].end < t) t = r->dev[r->run[i]].end;
    const struct halo_stream_in *in = r->in;
    if (r->next_admit < r->nf && (in->inflight <= 0 || r->admitted_open < in->inflight)) {
        double a = in->arrival_ms ? in->arrival_ms[r->next_admit] : 0;
        if (a < t) t = a > r->now ? a : r->now;
    }
    return t;
}

/* Busy time of each link: the union of its messages' intervals (a model may overlap them). */
static enum halo_status link_busy(struct sim *r)
{
    struct halo_stream_out *o = r->out;
    if (!o->up_busy_ms && !o->down_busy_ms) return HALO_OK;
    int64_t nm = r->msg0[r->nf];
    double *iv = halo_malloc((size_t)nm + 1, 2 * sizeof(double));
    if (!iv) return HALO_ERR_NOMEM;
    for (int side = 0; side < 2; side++) {
        double *busy = side ? o->down_busy_ms : o->up_busy_ms;
        if (!busy) continue;
        for (int k = 0; k < r->n_dev; k++) {
            int n = 0;
            for (int f = 0; f < r->nf; f++) {
                const struct halo_sched *s = sched_of(r, f);
                for (int m = 0; m < s->n_msg; m++) {
                    const struct halo_sched_msg *mm = &s->msg[m];
                    if (mm->from == mm->to || (side ? mm->to : mm->from) != k) continue;
                    const struct halo_link_xfer *x = &r->x[r->msg0[f] + m];
                    iv[2 * n] = x->start_ms;
                    iv[2 * n + 1] = x->end_ms;
                    n++;
                }
            }
            /* insertion sort by start: a link's messages are nearly in order already */
            for (int i = 1; i < n; i++) {
                double a = iv[2 * i], b = iv[2 * i + 1];
                int j = i;
                while (j > 0 && iv[2 * (j - 1)] > a) {
                    iv[2 * j] = iv[2 * (j - 1)];
                    iv[2 * j + 1] = iv[2 * (j - 1) + 1];
                    j--;
                }
                iv[2 * j] = a;
                iv[2 * j + 1] = b;
            }
            double total = 0, cs = 0, ce = -1;
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
            busy[k] = total;
        }
    }
    free(iv);
    return HALO_OK;
}

static enum halo_status check_in(const struct halo_stream_in *in)
{
    if (in->n_var < 1 || in->n_frames < 1) return halo_error(HALO_ERR_INVALID, "stream: no frames or no plan");
    for (int f = 0; in->variant && f < in->n_frames; f++)
        if (in->variant[f] < 0 || in->variant[f] >= in->n_var)
            return halo_error(HALO_ERR_INVALID, "stream: frame %d runs variant %d of %d", f, in->variant[f], in->n_var);
    for (int v = 0; v < in->n_var; v++)
        if (in->plans[v]->n_dev != in->plans[0]->n_dev || in->scheds[v]->n_blocks != in->plans[v]->n_blocks)
            return halo_error(HALO_ERR_INVALID, "stream: plan variant %d does not match the others", v);
    for (int f = 0; in->arrival_ms && f < in->n_frames; f++)
        if (!isfinite(in->arrival_ms[f]) || in->arrival_ms[f] < 0 || (f && in->arrival_ms[f] < in->arrival_ms[f - 1]))
            return halo_error(HALO_ERR_INVALID, "stream: frame %d arrives at %g ms, before frame %d or below 0", f,
                              in->arrival_ms[f], f - 1);
    return HALO_OK;
}

static void sim_free(struct sim *r)
{
    for (int k = 0; r->dev && k < r->n_dev; k++) free(r->dev[k].heap);
    free(r->dev);
    void *arrays[] = {r->run, r->dirty, r->is_dirty, r->link_state, r->step0, r->msg0, r->frame_of_step, r->step_wait, r->step_flags, r->gather_wait,
                      r->last_wait, r->ready, r->x, r->pending, r->batch, r->caps};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
}

static enum halo_status sim_init(struct sim *r)
{
    const struct halo_stream_in *in = r->in;
    int nf = r->nf = in->n_frames, nv = in->n_var;
    r->n_dev = in->plans[0]->n_dev;
    r->step0 = halo_malloc((size_t)nf + 1, sizeof *r->step0);
    r->msg0 = halo_malloc((size_t)nf + 1, sizeof *r->msg0);
    r->dev = halo_calloc((size_t)r->n_dev, sizeof *r->dev);
    r->run = halo_malloc((size_t)r->n_dev, sizeof *r->run);
    r->dirty = halo_malloc((size_t)r->n_dev, sizeof *r->dirty);
    r->is_dirty = halo_calloc((size_t)r->n_dev, 1);
    if (!r->step0 || !r->msg0 || !r->dev || !r->run || !r->dirty || !r->is_dirty) return HALO_ERR_NOMEM;
    for (int v = 0; v < nv; v++)
        if (in->scheds[v]->n_blocks > r->max_blocks) r->max_blocks = in->scheds[v]->n_blocks;
    if (r->max_blocks == 0) r->max_blocks = 1;
    r->step0[0] = r->msg0[0] = 0;
    for (int f = 0; f < nf; f++) {
        r->step0[f + 1] = r->step0[f] + sched_of(r, f)->n_step;
        r->msg0[f + 1] = r->msg0[f] + sched_of(r, f)->n_msg;
    }
    int64_t ns = r->step0[nf], nm = r->msg0[nf];
    r->frame_of_step = halo_malloc((size_t)ns + 1, sizeof *r->frame_of_step);
    r->step_wait = halo_malloc((size_t)ns + 1, sizeof *r->step_wait);
    r->step_flags = halo_calloc((size_t)ns + 1, 1);
    r->gather_wait = halo_malloc((size_t)nf * r->max_blocks, sizeof *r->gather_wait);
    r->last_wait = halo_malloc((size_t)nf, sizeof *r->last_wait);
    r->ready = halo_malloc((size_t)nm + 1, sizeof *r->ready);
    r->x = halo_malloc((size_t)nm + 1, sizeof *r->x);
    r->pending = halo_malloc((size_t)nm + 1, sizeof *r->pending);
    r->batch = halo_malloc((size_t)nm + 1, sizeof *r->batch);
    /* access link capacities: per frame when frames have their own links, else per variant */
    int nd = r->n_dev, ncap = (r->caps_per_frame = in->bw_frame || in->cap_frame) ? nf : nv;
    r->caps = halo_malloc((size_t)ncap * 2 * nd, sizeof *r->caps);
    if (!r->caps) return HALO_ERR_NOMEM;
    for (int i = 0; i < ncap; i++) {
        double *c = r->caps + (size_t)i * 2 * nd;
        const struct halo_plan *p = r->caps_per_frame ? plan_of(r, i) : in->plans[i];
        halo_link_caps(p, in->bw_frame ? in->bw_frame[i] : NULL, in->cap_frame ? in->cap_frame[i] : NULL,
                       c, c + nd);
    }
    size_t ls = r->link->state_size(r->n_dev, (int)nm + 1);
    r->link_state = halo_malloc(ls, 1);
    if (!r->frame_of_step || !r->step_wait || !r->step_flags || !r->gather_wait || !r->last_wait || !r->ready || !r->x || !r->pending ||
        !r->batch || !r->link_state)
        return HALO_ERR_NOMEM;
    r->link->reset(r->link_state, r->n_dev, (int)nm + 1);
    /* per device: room for every step it ever has ready */
    int64_t *per_dev = halo_calloc((size_t)r->n_dev, sizeof *per_dev);
    if (!per_dev) return HALO_ERR_NOMEM;
    for (int f = 0; f < nf; f++) {
        const struct halo_sched *s = sched_of(r, f);
        for (int k = 0; k < s->n_step; k++) {
            int64_t g = r->step0[f] + k;
            r->frame_of_step[g] = f;
            r->step_wait[g] = s->step[k].n_msg;
            r->step_flags[g] = s->first_on_dev[k] ? STEP_TURN : 0;
            per_dev[s->step[k].device]++;
        }
        for (int b = 0; b < r->max_blocks; b++) r->gather_wait[f * r->max_blocks + b] = b < s->n_blocks ? s->n_gathers[b] : 0;
        r->last_wait[f] = s->last_steps;
    }
    for (int k = 0; k < r->n_dev; k++) {
        r->dev[k].running = -1;
        if (per_dev[k] && !(r->dev[k].heap = halo_malloc((size_t)per_dev[k], sizeof *r->dev[k].heap))) {
            free(per_dev);
            return HALO_ERR_NOMEM;
        }
    }
    free(per_dev);
    for (int64_t g = 0; g < nm; g++) r->ready[g] = -1;
    return HALO_OK;
}

enum halo_status halo_stream_run(const struct halo_stream_in *in, struct halo_stream_out *out)
{
    HALO_TRY(check_in(in));
    struct sim r = {.in = in, .out = out, .link = in->link ? in->link : halo_plan_link_model(in->plans[0])};
    out->end_ms = 0;
    out->bytes_moved = 0;
    out->n_events = 0;
    int nd = in->plans[0]->n_dev;
    double *zero_d[] = {out->compute_busy_ms, out->up_busy_ms, out->down_busy_ms};
    for (size_t i = 0; i < 3; i++)
        if (zero_d[i]) memset(zero_d[i], 0, (size_t)nd * sizeof(double));
    if (out->up_bytes) memset(out->up_bytes, 0, (size_t)nd * sizeof(int64_t));
    if (out->down_bytes) memset(out->down_bytes, 0, (size_t)nd * sizeof(int64_t));
    enum halo_status st = sim_init(&r);
    if (st != HALO_OK) {
        sim_free(&r);
        return st;
    }
    r.now = 0;
    admit(&r);
    while (r.st == HALO_OK) {
        settle(&r);
        dispatch(&r);
        if (r.done == r.nf) break;
        double t = next_time(&r);
        if (!isfinite(t)) {
            st = halo_error(HALO_ERR_INVALID, "stream: frame %d can never finish (a step waits for a message that is "
                                              "never sent)", r.done);
            break;
        }
        r.now = t;
        finish_steps(&r);
        finish_messages(&r);
        admit(&r);
    }
    if (st == HALO_OK) st = r.st;
    if (st == HALO_OK) st = link_busy(&r);
    sim_free(&r);
    return st;
}

enum halo_status halo_timeline_run(const struct halo_timeline_in *in, struct halo_timeline_out *out)
{
    const struct halo_plan *plans[1] = {in->plan};
    const struct halo_sched *scheds[1] = {in->sched};
    const double *bw[1] = {in->bw_mbps}, *cap[1] = {in->cap_mbps};
    struct halo_stream_in si = {.plans = plans, .scheds = scheds, .n_var = 1, .n_frames = 1,
                                .bw_frame = in->bw_mbps ? bw : NULL, .cap_frame = in->cap_mbps ? cap : NULL,
                                .step_ms = in->step_ms,
                                .msg_bytes = in->msg_bytes, .link = in->link};
    struct halo_stream_out so = {.step_start = out->step_start, .step_end = out->step_end,
                                 .msg_start = out->msg_start, .msg_end = out->msg_end, .record = out->record,
                                 .events = out->events, .events_cap = out->events_cap};
    enum halo_status st = halo_stream_run(&si, &so);
    out->events = so.events;
    out->events_cap = so.events_cap;
    out->n_events = so.n_events;
    out->total_ms = so.end_ms;
    out->bytes_moved = so.bytes_moved;
    return st;
}

void halo_link_caps(const struct halo_plan *p, const double *bw, const double *cap, double *up, double *down)
{
    int n = p->n_dev;
    bool own = !bw || bw == p->bw_mbps;
    if (!bw) bw = p->bw_mbps;
    for (int k = 0; k < n; k++) {
        up[k] = cap ? cap[k] : own ? p->dev[k].up_mbps : 0;
        down[k] = cap ? cap[n + k] : own ? p->dev[k].down_mbps : 0;
    }
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            if (a == b) continue;
            double v = bw[a * n + b];
            if (v > up[a]) up[a] = v;
            if (v > down[b]) down[b] = v;
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

void halo_timeline_device_times(const struct halo_plan_event *ev, int n_events, double total_ms, int k,
                                double *compute_ms, double *recv_ms, double *send_ms, double *idle_ms)
{
    double c = 0, r = 0, s = 0;
    int n = 0;
    for (int i = 0; i < n_events; i++) {
        if (ev[i].device != k) continue;
        double d = ev[i].end_ms - ev[i].start_ms;
        if (ev[i].kind == HALO_EVENT_COMPUTE) c += d;
        else if (ev[i].kind == HALO_EVENT_RECV) r += d;
        else s += d;
        n++;
    }
    *compute_ms = c;
    *recv_ms = r;
    *send_ms = s;
    /* busy: the union of the device's intervals (sorted by start, overlapping ones merged) */
    double busy = 0;
    struct interval *iv = n ? malloc((size_t)n * sizeof *iv) : NULL;
    if (iv) {
        int m = 0;
        for (int i = 0; i < n_events; i++)
            if (ev[i].device == k) iv[m++] = (struct interval){ev[i].start_ms, ev[i].end_ms};
        qsort(iv, (size_t)m, sizeof *iv, cmp_interval);
        double cs = iv[0].a, ce = iv[0].b;
        for (int i = 1; i < m; i++) {
            if (iv[i].a > ce) {
                busy += ce - cs;
                cs = iv[i].a;
                ce = iv[i].b;
            } else if (iv[i].b > ce) {
                ce = iv[i].b;
            }
        }
        busy += ce - cs;
        free(iv);
    }
    *idle_ms = total_ms - busy > 0 ? total_ms - busy : 0;
}
