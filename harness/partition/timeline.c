#include "partition/timeline.h"
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

/* A message in a batch: its time (ready, then, once issued, its arrival) and its index. */
struct order {
    double t;
    int msg;
};

struct run {
    const struct halo_timeline_in *in;
    struct halo_timeline_out *out;
    const struct halo_sched *s;
    const struct halo_link_model *link;
    struct halo_link_env env;
    void *state;              /* the link model's */
    double *comp;             /* per device: when its compute is next free */
    double *step_end;         /* per step */
    double *arrive;           /* per step: when its last input arrived */
    double *gathered;         /* per block: when the source holds its whole output (0: not gathered) */
    struct order *ord;        /* the batch being issued */
    struct halo_link_xfer *x; /* its messages on links */
};

static inline int64_t msg_bytes(const struct run *r, int m)
{
    return r->in->msg_bytes ? r->in->msg_bytes[m] : r->s->msg[m].bytes;
}

static inline double step_ms(const struct run *r, int k)
{
    if (r->in->step_ms) return r->in->step_ms[k];
    const struct halo_sched_step *sp = &r->s->step[k];
    const struct halo_plan *p = r->in->plan;
    return sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
}

/* When the sender holds an input piece: after a step, once a block is gathered, or from the start. */
static inline double ready_of(const struct run *r, const struct halo_sched_msg *m)
{
    return m->ready_step >= 0 ? r->step_end[m->ready_step] : m->ready_gather >= 0 ? r->gathered[m->ready_gather] : 0;
}

static inline void add_event(struct halo_timeline_out *o, struct halo_plan_event e)
{
    o->events[o->n_events++] = e; /* room made once, in halo_timeline_run */
}

/* A message of the batch being collected: a local copy arrives when it is ready and never waits
 * for a link, so it is settled here; one for a link goes into the batch. Returns its arrival
 * (the ready time) for a local copy, -1 otherwise. */
static inline double collect(struct run *r, int m, double ready, int *n)
{
    const struct halo_sched_msg *mm = &r->s->msg[m];
    if (mm->from != mm->to) {
        r->ord[(*n)++] = (struct order){ready, m};
        return -1;
    }
    if (mm->step >= 0 && ready > r->arrive[mm->step]) r->arrive[mm->step] = ready;
    if (r->out->msg_start) r->out->msg_start[m] = r->out->msg_end[m] = ready;
    return ready;
}

/* Issues the messages o[0..n) (all for links) in that order through the link model. On return
 * each o[i].t is the message's arrival, and so is its step's input arrival when it is an input. */
static void issue(struct run *r, struct order *o, int n)
{
    if (n == 0) return;
    const struct halo_sched *s = r->s;
    struct halo_timeline_out *out = r->out;
    for (int i = 0; i < n; i++) {
        const struct halo_sched_msg *m = &s->msg[o[i].msg];
        r->x[i] = (struct halo_link_xfer){.from = m->from, .to = m->to, .bytes = msg_bytes(r, o[i].msg), .ready_ms = o[i].t};
    }
    r->link->send(r->state, &r->env, r->x, n);
    for (int i = 0; i < n; i++) {
        const struct halo_sched_msg *m = &s->msg[o[i].msg];
        const struct halo_link_xfer *x = &r->x[i];
        double end = x->end_ms;
        out->bytes_moved += x->bytes;
        if (m->step >= 0 && end > r->arrive[m->step]) r->arrive[m->step] = end;
        if (out->record) {
            int block = m->kind == HALO_SCHED_RESULT ? -1 : m->block;
            add_event(out, (struct halo_plan_event){m->from, m->to, block, m->part, HALO_EVENT_SEND, x->start_ms, end, x->bytes});
            add_event(out, (struct halo_plan_event){m->to, m->from, block, m->part, HALO_EVENT_RECV, x->start_ms, end, x->bytes});
        }
        if (out->msg_start) {
            out->msg_start[o[i].msg] = x->start_ms;
            out->msg_end[o[i].msg] = end;
        }
        o[i].t = end;
    }
}

/* By time, then by message index (within a block's inputs: by part, then by piece). Insertion
 * sort: few messages, nearly in order, and no call per comparison. */
static void sort_batch(struct order *o, int n)
{
    for (int i = 1; i < n; i++) {
        struct order x = o[i];
        int j = i;
        while (j > 0 && (x.t < o[j - 1].t || (x.t == o[j - 1].t && x.msg < o[j - 1].msg))) {
            o[j] = o[j - 1];
            j--;
        }
        o[j] = x;
    }
}

/* The steps of block b, in order, each once its inputs have arrived and its device is free. */
static void compute_block(struct run *r, int b)
{
    const struct halo_sched *s = r->s;
    const struct halo_plan *p = r->in->plan;
    struct halo_timeline_out *out = r->out;
    for (int k = s->block_step0[b]; k < s->block_step0[b + 1]; k++) {
        const struct halo_sched_step *sp = &s->step[k];
        int d = sp->device;
        double start = r->arrive[k] > r->comp[d] ? r->arrive[k] : r->comp[d];
        double end = start + step_ms(r, k);
        r->step_end[k] = r->comp[d] = end;
        if (out->step_start) out->step_start[k] = start;
        if (out->record) {
            int64_t work = b < s->n_blocks ? p->block[b].part[sp->part].macs : 0;
            add_event(out, (struct halo_plan_event){d, d, b, sp->part, HALO_EVENT_COMPUTE, start, end, work});
        }
    }
}

/* The frame's messages come grouped in the schedule: inputs of block b, then its gathers, for
 * b = 0 .. n_blocks (the tail), then the result. */
static void simulate(struct run *r)
{
    const struct halo_sched *s = r->s;
    int m = 0, nb = s->n_blocks;
    for (int b = 0; b <= nb; b++) {
        int n = 0;
        for (; m < s->n_msg && s->msg[m].kind == HALO_SCHED_INPUT && s->msg[m].block == b; m++)
            collect(r, m, ready_of(r, &s->msg[m]), &n);
        sort_batch(r->ord, n);
        issue(r, r->ord, n);
        compute_block(r, b);
        double done = 0;
        n = 0;
        for (; m < s->n_msg && s->msg[m].kind == HALO_SCHED_GATHER && s->msg[m].block == b; m++) {
            double t = collect(r, m, r->step_end[s->msg[m].ready_step], &n);
            if (t > done) done = t;
        }
        issue(r, r->ord, n);
        for (int i = 0; i < n; i++)
            if (r->ord[i].t > done) done = r->ord[i].t;
        r->gathered[b] = done;
    }
    HALO_ASSERT(m == s->n_msg - 1 && s->msg[m].kind == HALO_SCHED_RESULT);
    double ready = 0;
    if (s->msg[m].ready_step >= 0) {
        ready = r->step_end[s->msg[m].ready_step];
    } else if (nb > 0) { /* no tail: the last block's output is the result */
        for (int k = s->block_step0[nb - 1]; k < s->block_step0[nb]; k++)
            if (r->step_end[k] > ready) ready = r->step_end[k];
    }
    int n = 0;
    double local = collect(r, m, ready, &n);
    issue(r, r->ord, n);
    r->out->total_ms = n ? r->ord[0].t : local;
}

enum halo_status halo_timeline_run(const struct halo_timeline_in *in, struct halo_timeline_out *out)
{
    const struct halo_plan *p = in->plan;
    const struct halo_sched *s = in->sched;
    HALO_ASSERT(s->n_msg > 0 && s->n_blocks == p->n_blocks);
    struct run r = {.in = in, .out = out, .s = s, .link = in->link ? in->link : halo_link_model_default()};
    r.env = (struct halo_link_env){p->n_dev, p->lat_ms, in->bw_mbps ? in->bw_mbps : p->bw_mbps};
    out->total_ms = 0;
    out->bytes_moved = 0;
    out->n_events = 0;
    if (out->record &&
        halo_grow((void **)&out->events, &out->events_cap, (size_t)s->n_step + 2 * (size_t)s->n_wire, sizeof *out->events))
        return HALO_ERR_NOMEM;
    /* one allocation: the link state, then doubles, then the batch */
    size_t nd = (size_t)p->n_dev, ns = (size_t)s->n_step, nm = (size_t)s->n_msg, nb = (size_t)s->n_blocks;
    size_t state = (r.link->state_size(p->n_dev) + sizeof(double) - 1) / sizeof(double);
    size_t zeroed = nd + ns + nb + 1, doubles = state + zeroed + (out->step_end ? 0 : ns);
    char *mem = halo_malloc(doubles * sizeof(double) + nm * (sizeof *r.ord + sizeof *r.x), 1);
    if (!mem) return HALO_ERR_NOMEM;
    double *d = (double *)mem;
    r.state = d;
    r.comp = d + state;
    r.arrive = r.comp + nd;
    r.gathered = r.arrive + ns;
    memset(r.comp, 0, zeroed * sizeof(double));
    r.step_end = out->step_end ? out->step_end : d + state + zeroed;
    r.ord = (struct order *)(d + doubles);
    r.x = (struct halo_link_xfer *)(r.ord + nm);
    r.link->reset(r.state, p->n_dev);
    simulate(&r);
    free(mem);
    return HALO_OK;
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
