#include "runtime/vclock.h"
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

void halo_vclock_free(struct halo_vclock *v)
{
    if (!v) return;
    free(v->step_start);
    free(v->step_end);
    free(v->msg_start);
    free(v->msg_end);
    free(v->events);
    memset(v, 0, sizeof *v);
}

struct replay {
    const struct halo_plan *p;
    const struct halo_sched *s;
    const int64_t *bytes;
    struct halo_vclock *v;
    double *up, *down, *comp; /* when each device's uplink, downlink and compute are next free */
    size_t cap;
};

static enum halo_status add_event(struct replay *r, struct halo_plan_event e)
{
    struct halo_vclock *v = r->v;
    if (halo_grow((void **)&v->events, &r->cap, (size_t)v->n_events + 1, sizeof e)) return HALO_ERR_NOMEM;
    v->events[v->n_events++] = e;
    return HALO_OK;
}

/* Message i, its data ready at `ready`: reserves the links, returns its arrival. */
static double send(struct replay *r, int i, double ready, enum halo_status *st)
{
    const struct halo_sched_msg *m = &r->s->msg[i];
    const struct halo_plan *p = r->p;
    int a = m->from, b = m->to, n = p->n_dev;
    if (a == b) {
        r->v->msg_start[i] = r->v->msg_end[i] = ready;
        return ready;
    }
    int64_t bytes = r->bytes ? r->bytes[i] : m->bytes;
    double start = ready;
    if (r->up[a] > start) start = r->up[a];
    if (r->down[b] > start) start = r->down[b];
    double end = start + p->lat_ms[a * n + b] + (double)bytes * 8e-3 / p->bw_mbps[a * n + b];
    r->up[a] = r->down[b] = end;
    r->v->msg_start[i] = start;
    r->v->msg_end[i] = end;
    r->v->bytes_moved += bytes;
    int block = m->kind == HALO_SCHED_RESULT ? -1 : m->block;
    if (*st == HALO_OK) *st = add_event(r, (struct halo_plan_event){a, b, block, m->part, HALO_EVENT_SEND, start, end, bytes});
    if (*st == HALO_OK) *st = add_event(r, (struct halo_plan_event){b, a, block, m->part, HALO_EVENT_RECV, start, end, bytes});
    return end;
}

struct order {
    int msg;
    double ready;
};

static int cmp_order(const void *x, const void *y, const struct halo_sched *s)
{
    const struct order *a = x, *b = y;
    if (a->ready != b->ready) return a->ready < b->ready ? -1 : 1;
    const struct halo_sched_msg *ma = &s->msg[a->msg], *mb = &s->msg[b->msg];
    if (ma->part != mb->part) return ma->part - mb->part;
    return ma->piece - mb->piece;
}

/* Insertion sort: few messages per block, and qsort has no context argument in C11. */
static void sort_orders(struct order *o, int n, const struct halo_sched *s)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cmp_order(&o[j], &o[j - 1], s) < 0; j--) {
            struct order t = o[j];
            o[j] = o[j - 1];
            o[j - 1] = t;
        }
}

enum halo_status halo_vclock_replay(const struct halo_plan *p, const struct halo_sched *s, const double *step_ms,
                                    const int64_t *msg_bytes, struct halo_vclock *v)
{
    memset(v, 0, sizeof *v);
    int nd = p->n_dev, nb = s->n_blocks;
    struct replay r = {p, s, msg_bytes, v, halo_calloc((size_t)nd, sizeof(double)), halo_calloc((size_t)nd, sizeof(double)),
                       halo_calloc((size_t)nd, sizeof(double)), 0};
    v->step_start = halo_calloc((size_t)s->n_step, sizeof(double));
    v->step_end = halo_calloc((size_t)s->n_step, sizeof(double));
    v->msg_start = halo_calloc((size_t)s->n_msg, sizeof(double));
    v->msg_end = halo_calloc((size_t)s->n_msg, sizeof(double));
    double *gathered = halo_calloc((size_t)nb + 1, sizeof *gathered);
    double *arrive = halo_calloc((size_t)s->n_step, sizeof *arrive);
    struct order *ord = halo_malloc((size_t)s->n_msg + 1, sizeof *ord);
    enum halo_status st = r.up && r.down && r.comp && v->step_start && v->step_end && v->msg_start && v->msg_end &&
                                  gathered && arrive && ord
                              ? HALO_OK
                              : HALO_ERR_NOMEM;
    int m = 0; /* messages are grouped by block in the schedule: inputs of b, then gathers of b */
    for (int b = 0; b <= nb && st == HALO_OK; b++) {
        int n = 0;
        for (; m < s->n_msg && s->msg[m].kind == HALO_SCHED_INPUT && s->msg[m].block == b; m++) {
            const struct halo_sched_msg *mm = &s->msg[m];
            double ready = mm->ready_step >= 0 ? v->step_end[mm->ready_step]
                           : mm->ready_gather >= 0 ? gathered[mm->ready_gather]
                                                    : 0;
            ord[n++] = (struct order){m, ready};
        }
        sort_orders(ord, n, s);
        for (int i = 0; i < n; i++) {
            double t = send(&r, ord[i].msg, ord[i].ready, &st);
            int k = s->msg[ord[i].msg].step;
            if (t > arrive[k]) arrive[k] = t;
        }
        for (int k = s->block_step0[b]; k < s->block_step0[b + 1] && st == HALO_OK; k++) {
            int d = s->step[k].device;
            double start = arrive[k] > r.comp[d] ? arrive[k] : r.comp[d];
            v->step_start[k] = start;
            v->step_end[k] = start + step_ms[k];
            r.comp[d] = v->step_end[k];
            int64_t work = 0;
            if (b < nb) work = p->block[b].part[s->step[k].part].macs;
            st = add_event(&r, (struct halo_plan_event){d, d, b, s->step[k].part, HALO_EVENT_COMPUTE, start,
                                                        v->step_end[k], work});
        }
        double done = 0;
        for (; m < s->n_msg && s->msg[m].kind == HALO_SCHED_GATHER && s->msg[m].block == b && st == HALO_OK; m++) {
            double t = send(&r, m, v->step_end[s->msg[m].ready_step], &st);
            if (t > done) done = t;
        }
        if (b < nb) gathered[b] = done;
    }
    if (st == HALO_OK) {
        HALO_ASSERT(m == s->n_msg - 1 && s->msg[m].kind == HALO_SCHED_RESULT);
        v->total_ms = send(&r, m, v->step_end[s->msg[m].ready_step], &st);
    }
    free(r.up);
    free(r.down);
    free(r.comp);
    free(gathered);
    free(arrive);
    free(ord);
    if (st != HALO_OK) halo_vclock_free(v);
    return st;
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
