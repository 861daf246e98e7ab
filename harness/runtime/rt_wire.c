/* rt_wire: the wire protocol of the schedule's messages. Each message travels as one buffer: a
 * header (who, which inference, the payload's size and checksum, the sender's times) and the
 * payload — the rect's floats, or ADCNN's codec output for compressed blocks. The receiver checks
 * the header and the checksum (a message corrupted in transit is an error, never a result).
 *
 * Emulated links on the wall clock: the sender reserves its uplink for latency + bytes/bandwidth
 * from max(now, uplink free) and stamps the interval in the header; the receiver delays delivery
 * to the end of that interval, re-reserving its downlink from max(sender's start, downlink free),
 * in the order it sees messages (each batch sorted by the sender's start). */
#define _GNU_SOURCE /* qsort_r */
#include "runtime/rt_internal.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "exec/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_MAGIC 0x68616c6fu

struct wire_hdr {
    uint32_t magic;
    int32_t inference, msg, from;
    int64_t payload_bytes;
    double start_ms, end_ms; /* wall, emulated: the interval the sender reserved on its uplink */
    double vsend_ms;         /* virtual clock: when the sender had the data */
    double post_ms;          /* when the sender posted it */
    uint64_t checksum;       /* halo_hash_bytes of the payload: a message corrupted in transit is caught */
};
_Static_assert(sizeof(struct wire_hdr) % 16 == 0, "payload alignment");

enum halo_status rt_wire_alloc(struct halo_rt *rt)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_sched *s = &rt->job.s;
    int nm = s->n_msg;
    w->buf = halo_calloc((size_t)nm, sizeof *w->buf);
    w->buf_bytes = halo_calloc((size_t)nm, sizeof *w->buf_bytes);
    w->req = halo_malloc((size_t)nm, sizeof *w->req);
    w->got = halo_calloc((size_t)nm, sizeof *w->got);
    w->deliver = halo_calloc((size_t)nm, sizeof *w->deliver);
    w->dec = halo_calloc((size_t)nm, sizeof *w->dec);
    if (!w->buf || !w->buf_bytes || !w->req || !w->got || !w->deliver || !w->dec) return HALO_ERR_NOMEM;
    for (int m = 0; m < nm; m++) w->req[m] = MPI_REQUEST_NULL;
    for (int m = 0; m < nm; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->from == mm->to || (mm->from != rt->rank && mm->to != rt->rank)) continue;
        size_t n = (size_t)mm->c * (size_t)halo_rect_area(mm->rect), raw = 4 * n;
        /* the codec's worst case: every element a level or a one-zero run (two codes) */
        size_t coded = HALO_CODEC_HEADER_BYTES + (n * 2 * (size_t)rt->job.plan->codec.bits + 7) / 8;
        w->buf_bytes[m] = sizeof(struct wire_hdr) + (mm->compressed && coded > raw ? coded : raw);
        if (!(w->buf[m] = halo_aligned_alloc(w->buf_bytes[m]))) return HALO_ERR_NOMEM;
    }
    return HALO_OK;
}

void rt_wire_free_data(struct halo_rt *rt)
{
    for (int m = 0; rt->wire.dec && m < rt->job.s.n_msg; m++) halo_tensor_free(&rt->wire.dec[m]);
}

void rt_wire_free(struct halo_rt *rt)
{
    struct rt_wire *w = &rt->wire;
    rt_wire_free_data(rt);
    for (int m = 0; w->buf && m < rt->job.s.n_msg; m++) halo_aligned_free(w->buf[m]);
    free(w->buf);
    free(w->buf_bytes);
    free(w->req);
    free(w->got);
    free(w->deliver);
    free(w->dec);
    w->buf = NULL;
    w->buf_bytes = NULL;
    w->req = NULL;
    w->got = NULL;
    w->deliver = NULL;
    w->dec = NULL;
}

enum halo_status rt_wire_begin(struct halo_rt *rt)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_sched *s = &rt->job.s;
    w->up_free = w->down_free = 0;
    w->codec_ms = 0;
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        w->got[m] = false;
        w->deliver[m] = 0;
        if (mm->to == rt->rank && mm->from != rt->rank)
            MPI_TRY(MPI_Irecv(w->buf[m], (int)w->buf_bytes[m], MPI_BYTE, mm->from, TAG_BASE + m, rt->comm, &w->req[m]));
    }
    return HALO_OK;
}

/* ---- receiving --------------------------------------------------------------------------------- */

static int cmp_batch_start(const void *a, const void *b, void *ctx)
{
    const struct rt_wire *w = ctx;
    const struct wire_hdr *x = (const void *)w->buf[*(const int *)a], *y = (const void *)w->buf[*(const int *)b];
    return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
}

/* A received message: check its header, then decide when its data counts as arrived. */
static enum halo_status on_arrival(struct halo_rt *rt, int m)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_plan *p = rt->job.plan;
    const struct wire_hdr *h = (const void *)w->buf[m];
    const struct halo_sched_msg *mm = &rt->job.s.msg[m];
    if (h->magic != WIRE_MAGIC || h->msg != m || h->from != mm->from || h->inference != rt->eng.seq)
        return halo_error(HALO_ERR_INTERNAL, "rank %d: message %d from rank %d has a bad header (inference %d, msg %d)",
                          rt->rank, m, mm->from, h->inference, h->msg);
    if (h->payload_bytes < 0 || (size_t)h->payload_bytes > w->buf_bytes[m] - sizeof *h ||
        halo_hash_bytes(w->buf[m] + sizeof *h, (size_t)h->payload_bytes) != h->checksum) {
        char what[160];
        rt_describe_wait(rt, WAIT_MSG, m, what, sizeof what);
        return halo_error(HALO_ERR_MISMATCH, "%s: inference %d: rank %d (%s) received %s from rank %d (%s) with a wrong "
                                             "checksum: corrupted in transit, the run is not valid",
                          rt->job.plan_path, rt->eng.index, rt->rank, rt_dev_name(rt, rt->rank), what, mm->from,
                          rt_dev_name(rt, mm->from));
    }
    double now = rt_rel(rt);
    int n = p->n_dev;
    double *st = rt_stats_msg(rt, m);
    if (rt_wall_emulated(rt)) {
        double start = h->start_ms > w->down_free ? h->start_ms : w->down_free;
        double end = start + p->lat_ms[mm->from * n + mm->to] +
                     (double)h->payload_bytes * 8e-3 / p->bw_mbps[mm->from * n + mm->to];
        w->down_free = end;
        w->deliver[m] = end;
        st[0] = start;
        st[1] = end;
    } else {
        w->deliver[m] = now;
        st[0] = h->post_ms;
        st[1] = now;
    }
    st[2] = (double)h->payload_bytes;
    w->got[m] = true;
    return HALO_OK;
}

enum halo_status rt_wire_poll(struct halo_rt *rt, int *idx, bool *progressed)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_sched *s = &rt->job.s;
    int out = 0;
    MPI_TRY(MPI_Testsome(s->n_msg, w->req, &out, idx, MPI_STATUSES_IGNORE));
    if (out == MPI_UNDEFINED || out <= 0) return HALO_OK;
    *progressed = true;
    int nr = 0;
    for (int i = 0; i < out; i++) {
        int m = idx[i];
        if (s->msg[m].to == rt->rank) idx[nr++] = m;
        else w->got[m] = true;
    }
    qsort_r(idx, (size_t)nr, sizeof *idx, cmp_batch_start, w);
    for (int i = 0; i < nr; i++) HALO_TRY(on_arrival(rt, idx[i]));
    return HALO_OK;
}

bool rt_wire_delivered(struct halo_rt *rt, int m)
{
    if (!rt->wire.got[m]) return false;
    if (!rt_wall_emulated(rt)) return true;
    double at = rt->eng.t0 + rt->wire.deliver[m];
    if (halo_now_ms() >= at) return true;
    rt_wait_wake_at(rt, at);
    return false;
}

enum halo_status rt_wire_payload(struct halo_rt *rt, int m, struct halo_tensor *t)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_sched_msg *mm = &rt->job.s.msg[m];
    const unsigned char *data = w->buf[m] + sizeof(struct wire_hdr);
    *t = (struct halo_tensor){mm->c, mm->rect, (float *)data, false};
    if (!mm->compressed) return HALO_OK;
    if (!w->dec[m].data) {
        const struct wire_hdr *h = (const void *)w->buf[m];
        HALO_TRY(halo_tensor_alloc(&w->dec[m], mm->c, mm->rect));
        double t0 = halo_now_ms();
        enum halo_status st = halo_codec_decode(data, (size_t)h->payload_bytes, &rt->job.plan->codec, w->dec[m].data,
                                                halo_tensor_numel(&w->dec[m]));
        w->codec_ms += halo_now_ms() - t0;
        if (st != HALO_OK) {
            halo_tensor_free(&w->dec[m]);
            halo_error_prefix("rank %d: message %d from rank %d", rt->rank, m, mm->from);
            return st;
        }
    }
    *t = w->dec[m];
    t->owned = false;
    return HALO_OK;
}

/* ---- sending ----------------------------------------------------------------------------------- */

/* --inject corrupt / drop on the sender: the first message this rank sends for a block >= the
 * fault's block has one payload byte flipped after its checksum was taken (the header if it has no
 * payload), or is not sent at all (returns true: the sender believes it sent it). */
static bool inject_in_transit(struct halo_rt *rt, int m, unsigned char *data, size_t bytes)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_sched_msg *mm = &rt->job.s.msg[m];
    const struct halo_fault *f = halo_faults_find(&rt->job.faults, HALO_FAULT_CORRUPT, rt->rank);
    if (f && !w->corrupt_done && mm->block >= f->block) {
        w->corrupt_done = true;
        if (bytes) data[bytes / 2] ^= 0x10;
        else ((struct wire_hdr *)w->buf[m])->checksum ^= 1;
        fprintf(stderr, "halo run: injected fault: rank %d (%s) corrupts message %d (to rank %d) in transit\n", rt->rank,
                rt_dev_name(rt, rt->rank), m, mm->to);
    }
    f = halo_faults_find(&rt->job.faults, HALO_FAULT_DROP, rt->rank);
    if (f && !w->drop_done && mm->block >= f->block) {
        w->drop_done = true;
        w->req[m] = MPI_REQUEST_NULL;
        fprintf(stderr, "halo run: injected fault: rank %d (%s) drops message %d (to rank %d)\n", rt->rank,
                rt_dev_name(rt, rt->rank), m, mm->to);
        return true;
    }
    return false;
}

/* Encodes message m's rect of `src` into the wire buffer's payload; *bytes: the coded size. */
static enum halo_status encode(struct halo_rt *rt, int m, const struct halo_tensor *src, unsigned char *data,
                               int64_t *bytes)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_sched_msg *mm = &rt->job.s.msg[m];
    struct halo_tensor raw = {0}; /* the rect packed, then encoded */
    HALO_TRY(halo_tensor_alloc(&raw, mm->c, mm->rect));
    halo_tensor_copy_region(&raw, src, mm->rect);
    uint8_t *coded = NULL;
    size_t n_coded = 0;
    double t = halo_now_ms();
    enum halo_status st = halo_codec_encode(raw.data, halo_tensor_numel(&raw), &rt->job.plan->codec, &coded, &n_coded);
    w->codec_ms += halo_now_ms() - t;
    halo_tensor_free(&raw);
    HALO_TRY(st);
    if (sizeof(struct wire_hdr) + n_coded > w->buf_bytes[m]) {
        free(coded);
        return halo_error(HALO_ERR_INTERNAL, "message %d: %zu coded bytes exceed the codec's bound", m, n_coded);
    }
    memcpy(data, coded, n_coded);
    free(coded);
    *bytes = (int64_t)n_coded;
    return HALO_OK;
}

enum halo_status rt_wire_post(struct halo_rt *rt, int m, const struct halo_tensor *src, double vsend_ms,
                              int64_t *bytes)
{
    struct rt_wire *w = &rt->wire;
    const struct halo_sched_msg *mm = &rt->job.s.msg[m];
    struct wire_hdr *h = (struct wire_hdr *)w->buf[m];
    unsigned char *data = w->buf[m] + sizeof *h;
    int64_t n_bytes = 4 * (int64_t)mm->c * halo_rect_area(mm->rect);
    if (mm->compressed) {
        HALO_TRY(encode(rt, m, src, data, &n_bytes));
    } else {
        struct halo_tensor view = {mm->c, mm->rect, (float *)data, false};
        halo_tensor_copy_region(&view, src, mm->rect);
    }
    double now = rt_rel(rt), start = now, end = now;
    if (rt_wall_emulated(rt)) {
        const struct halo_plan *p = rt->job.plan;
        int n = p->n_dev;
        start = now > w->up_free ? now : w->up_free;
        end = start + p->lat_ms[mm->from * n + mm->to] + (double)n_bytes * 8e-3 / p->bw_mbps[mm->from * n + mm->to];
        w->up_free = end;
    }
    *h = (struct wire_hdr){WIRE_MAGIC, rt->eng.seq, m, rt->rank, n_bytes, start, end, vsend_ms, now, 0};
    h->checksum = halo_hash_bytes(data, (size_t)n_bytes);
    *bytes = n_bytes;
    if (inject_in_transit(rt, m, data, (size_t)n_bytes)) return HALO_OK; /* --inject drop: never sent */
    MPI_TRY(MPI_Isend(w->buf[m], (int)(sizeof *h + (size_t)n_bytes), MPI_BYTE, mm->to, TAG_BASE + m, rt->comm,
                      &w->req[m]));
    return HALO_OK;
}

int rt_wire_pending_send(const struct halo_rt *rt)
{
    for (int m = 0; m < rt->job.s.n_msg; m++)
        if (rt->job.s.msg[m].from == rt->rank && rt->wire.req[m] != MPI_REQUEST_NULL) return m;
    return -1;
}
