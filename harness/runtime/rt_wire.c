/* rt_wire: the wire protocol of the schedule's messages. Each message travels as one buffer: a
 * header (who, which stream and frame, the payload's size and checksum, the sender's times) and
 * the payload — the rect's floats; ADCNN's codec output for compressed blocks; or, for a piece of
 * the image, its pixels as the camera has them (uint8 RGB, 3 bytes a pixel, rows one after
 * another), which the receiver normalises to float32 with the transform's own arithmetic
 * (core/image.h: halo_image_normalize), so outputs are those of the float image. The receiver
 * checks the header and the checksum (a message corrupted in transit is an error, never a result).
 *
 * Frames. A frame in flight holds a slot; message m of the frame in slot s travels with tag
 * TAG_BASE + s * max_msg + m, and its header names the frame: a slot is reused only after its
 * previous frame's messages have all arrived, so a tag never matches a message of another frame.
 *
 * Emulated links on the wall clock: the sender reserves its uplink for latency + bytes/bandwidth
 * from max(now, uplink free) and stamps the interval in the header; the receiver delays delivery
 * to the end of that interval, re-reserving its downlink from max(sender's start, downlink free),
 * in the order it sees messages (each batch sorted by the sender's start). Times are on the
 * stream's clock, so links serialise across frames as across messages. */
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
    int32_t seq, frame, msg, from, pad;
    int64_t payload_bytes;
    double start_ms, end_ms; /* wall, emulated: the interval the sender reserved on its uplink */
    double post_ms;          /* when the sender posted it (stream ms) */
    uint64_t checksum;       /* halo_hash_bytes of the payload: a message corrupted in transit is caught */
};
_Static_assert(sizeof(struct wire_hdr) % 16 == 0, "payload alignment");

static inline int tag_of(const struct halo_rt *rt, int s, int m)
{
    int gen = rt->job.gen % RT_TAG_GENERATIONS;
    return TAG_BASE + (gen * rt->job.n_slots + s) * rt->job.max_msg + m;
}

/* The message's payload on the wire when not compressed (the image's pieces as uint8). */
static inline int64_t raw_bytes(const struct halo_sched_msg *mm)
{
    return halo_wire_bytes(mm->producer, mm->c, halo_rect_area(mm->rect));
}

/* Slot q's buffers for variant v's messages that this rank sends or receives, sized for the
 * codec's worst case when compressed. */
static enum halo_status alloc_var(struct halo_rt *rt, int q, int v)
{
    const struct rt_job *j = &rt->job;
    struct rt_wire_slot *ws = &rt->wire.slot[q];
    int nm = j->max_msg;
    const struct halo_sched *s = &j->sv[v];
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->from == mm->to || (mm->from != rt->rank && mm->to != rt->rank)) continue;
        size_t n = (size_t)mm->c * (size_t)halo_rect_area(mm->rect), raw = (size_t)raw_bytes(mm);
        /* the codec's worst case: every element a level or a one-zero run (two codes) */
        size_t coded = HALO_CODEC_HEADER_BYTES + (n * 2 * (size_t)j->var[v]->codec.bits + 7) / 8;
        size_t k = (size_t)v * nm + m;
        ws->buf_bytes[k] = sizeof(struct wire_hdr) + (mm->compressed && coded > raw ? coded : raw);
        if (!(ws->buf[k] = halo_aligned_alloc(ws->buf_bytes[k]))) return HALO_ERR_NOMEM;
    }
    return HALO_OK;
}

/* Variants the per-slot buffer tables have room for (--adapt on: every epoch to come). */
static int var_room(const struct rt_job *j) { return j->adapt ? j->var_cap : j->n_var; }

enum halo_status rt_wire_alloc(struct halo_rt *rt)
{
    struct rt_wire *w = &rt->wire;
    const struct rt_job *j = &rt->job;
    int nm = j->max_msg, nv = var_room(j);
    w->n_slots = j->n_slots;
    w->slot = halo_calloc((size_t)w->n_slots, sizeof *w->slot);
    if (!w->slot) return HALO_ERR_NOMEM;
    for (int q = 0; q < w->n_slots; q++) {
        struct rt_wire_slot *ws = &w->slot[q];
        ws->frame = -1;
        ws->buf = halo_calloc((size_t)nv * nm, sizeof *ws->buf);
        ws->buf_bytes = halo_calloc((size_t)nv * nm, sizeof *ws->buf_bytes);
        ws->req = halo_malloc((size_t)nm, sizeof *ws->req);
        ws->got = halo_calloc((size_t)nm, sizeof *ws->got);
        ws->deliver = halo_calloc((size_t)nm, sizeof *ws->deliver);
        ws->dec = halo_calloc((size_t)nm, sizeof *ws->dec);
        if (!ws->buf || !ws->buf_bytes || !ws->req || !ws->got || !ws->deliver || !ws->dec) return HALO_ERR_NOMEM;
        for (int m = 0; m < nm; m++) ws->req[m] = MPI_REQUEST_NULL;
        for (int v = 0; v < j->n_var; v++) HALO_TRY(alloc_var(rt, q, v));
    }
    return HALO_OK;
}

void rt_wire_abandon(struct halo_rt *rt, int q)
{
    struct rt_wire_slot *ws = &rt->wire.slot[q];
    if (ws->frame < 0) return;
    const struct halo_sched *s = &rt->job.sv[ws->var];
    for (int m = 0; m < s->n_msg; m++) {
        if (ws->req[m] == MPI_REQUEST_NULL) continue;
        const struct halo_sched_msg *mm = &s->msg[m];
        /* a receive that has begun matching cannot be cancelled: freed, it lands in this epoch's
         * buffer, which the restarted frames (on a new epoch) do not use */
        if (mm->to == rt->rank) MPI_Cancel(&ws->req[m]);
        MPI_Request_free(&ws->req[m]);
        ws->req[m] = MPI_REQUEST_NULL;
    }
    rt_wire_close(rt, q);
}

enum halo_status rt_wire_add_var(struct halo_rt *rt, int v)
{
    HALO_ASSERT(rt->job.adapt && v < rt->job.var_cap);
    for (int q = 0; q < rt->wire.n_slots; q++) HALO_TRY(alloc_var(rt, q, v));
    return HALO_OK;
}

void rt_wire_close(struct halo_rt *rt, int q)
{
    struct rt_wire_slot *ws = &rt->wire.slot[q];
    for (int m = 0; ws->dec && m < rt->job.max_msg; m++) halo_tensor_free(&ws->dec[m]);
    ws->frame = -1;
}

void rt_wire_free(struct halo_rt *rt)
{
    struct rt_wire *w = &rt->wire;
    for (int q = 0; w->slot && q < w->n_slots; q++) {
        struct rt_wire_slot *ws = &w->slot[q];
        rt_wire_close(rt, q);
        for (int k = 0; ws->buf && k < var_room(&rt->job) * rt->job.max_msg; k++) halo_aligned_free(ws->buf[k]);
        free(ws->buf);
        free(ws->buf_bytes);
        free(ws->req);
        free(ws->got);
        free(ws->deliver);
        free(ws->dec);
    }
    free(w->slot);
    w->slot = NULL;
    w->n_slots = 0;
}

void rt_wire_begin(struct halo_rt *rt)
{
    rt->wire.up_free = rt->wire.down_free = 0;
    rt->wire.codec_ms = 0;
}

enum halo_status rt_wire_open(struct halo_rt *rt, int q, int frame, int var)
{
    struct rt_wire_slot *ws = &rt->wire.slot[q];
    const struct halo_sched *s = &rt->job.sv[var];
    int nm = rt->job.max_msg;
    ws->frame = frame;
    ws->var = var;
    ws->poll_ms = rt_rel(rt);
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        ws->got[m] = false;
        ws->deliver[m] = 0;
        HALO_ASSERT(ws->req[m] == MPI_REQUEST_NULL);
        if (mm->to == rt->rank && mm->from != rt->rank)
            MPI_TRY(MPI_Irecv(ws->buf[(size_t)var * nm + m], (int)ws->buf_bytes[(size_t)var * nm + m], MPI_BYTE,
                              mm->from, tag_of(rt, q, m), rt->comm, &ws->req[m]));
    }
    return HALO_OK;
}

/* ---- receiving --------------------------------------------------------------------------------- */

static inline unsigned char *buf_of(const struct halo_rt *rt, const struct rt_wire_slot *ws, int m)
{
    return ws->buf[(size_t)ws->var * rt->job.max_msg + m];
}

struct batch_ctx {
    const struct halo_rt *rt;
    const struct rt_wire_slot *ws;
};

static int cmp_batch_start(const void *a, const void *b, void *ctx)
{
    const struct batch_ctx *c = ctx;
    const struct wire_hdr *x = (const void *)buf_of(c->rt, c->ws, *(const int *)a);
    const struct wire_hdr *y = (const void *)buf_of(c->rt, c->ws, *(const int *)b);
    return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
}

/* A received message: check its header, then decide when its data counts as arrived. */
static enum halo_status on_arrival(struct halo_rt *rt, int q, int m)
{
    struct rt_wire *w = &rt->wire;
    struct rt_wire_slot *ws = &w->slot[q];
    const struct halo_plan *p = rt->job.var[ws->var];
    const unsigned char *buf = buf_of(rt, ws, m);
    const struct wire_hdr *h = (const void *)buf;
    const struct halo_sched_msg *mm = &rt->job.sv[ws->var].msg[m];
    int64_t g = rt_msg0(rt, ws->frame) + m;
    if (h->magic != WIRE_MAGIC || h->msg != m || h->from != mm->from || h->seq != rt->eng.seq || h->frame != ws->frame)
        return halo_error(HALO_ERR_INTERNAL, "rank %d: message %d of frame %d from rank %d has a bad header (stream "
                                             "%d, frame %d, msg %d)",
                          rt->rank, m, ws->frame, mm->from, h->seq, h->frame, h->msg);
    size_t cap = ws->buf_bytes[(size_t)ws->var * rt->job.max_msg + m] - sizeof *h;
    if (h->payload_bytes < 0 || (size_t)h->payload_bytes > cap ||
        halo_hash_bytes(buf + sizeof *h, (size_t)h->payload_bytes) != h->checksum) {
        char what[200];
        rt_describe_wait(rt, WAIT_MSG, (int)g, what, sizeof what);
        return halo_error(HALO_ERR_MISMATCH, "%s: inference %d: rank %d (%s) received %s from rank %d (%s) with a wrong "
                                             "checksum: corrupted in transit, the run is not valid",
                          rt->job.plan_path, rt->eng.index, rt->rank, rt_dev_name(rt, rt->rank), what, mm->from,
                          rt_dev_name(rt, mm->from));
    }
    double now = rt_rel(rt);
    int n = p->n_dev;
    double *st = rt_rec_msg(rt, g);
    if (rt_wall_emulated(rt)) {
        double start = h->start_ms > w->down_free ? h->start_ms : w->down_free;
        double end = start + p->lat_ms[mm->from * n + mm->to] +
                     (double)h->payload_bytes * 8e-3 / rt_link_mbps(rt, p, ws->frame, mm->from, mm->to);
        w->down_free = end;
        ws->deliver[m] = end;
        st[0] = start;
        st[1] = end;
    } else {
        ws->deliver[m] = now;
        st[0] = h->post_ms;
        st[1] = now;
        /* it arrived after the slot's previous test (or its opening: a receive not yet posted cannot
         * complete a message of rendezvous size, and the smaller ones are too short to tell a rate
         * from): a receipt long after that test bounds the arrival loosely (the rank computed) */
        *rt_rec_poll(rt, g) = ws->poll_ms;
    }
    st[2] = (double)h->payload_bytes;
    ws->got[m] = true;
    return HALO_OK;
}

enum halo_status rt_wire_poll(struct halo_rt *rt, int *idx, bool *progressed)
{
    struct rt_wire *w = &rt->wire;
    double t = rt_rel(rt); /* before the tests: what they do not see arrives after t */
    for (int q = 0; q < w->n_slots; q++) {
        struct rt_wire_slot *ws = &w->slot[q];
        if (ws->frame < 0) continue;
        const struct halo_sched *s = &rt->job.sv[ws->var];
        int out = 0;
        MPI_TRY(MPI_Testsome(s->n_msg, ws->req, &out, idx, MPI_STATUSES_IGNORE));
        if (out == MPI_UNDEFINED || out <= 0) {
            ws->poll_ms = t;
            continue;
        }
        *progressed = true;
        int nr = 0;
        for (int i = 0; i < out; i++) {
            int m = idx[i];
            if (s->msg[m].to == rt->rank) idx[nr++] = m;
            else ws->got[m] = true;
        }
        struct batch_ctx ctx = {rt, ws};
        qsort_r(idx, (size_t)nr, sizeof *idx, cmp_batch_start, &ctx);
        for (int i = 0; i < nr; i++) HALO_TRY(on_arrival(rt, q, idx[i]));
        ws->poll_ms = t;
    }
    return HALO_OK;
}

bool rt_wire_delivered(struct halo_rt *rt, int q, int m)
{
    const struct rt_wire_slot *ws = &rt->wire.slot[q];
    if (!ws->got[m]) return false;
    if (!rt_wall_emulated(rt)) return true;
    double at = rt->eng.t0 + ws->deliver[m];
    if (halo_now_ms() >= at) return true;
    rt_wait_wake_at(rt, at);
    return false;
}

enum halo_status rt_wire_payload(struct halo_rt *rt, int q, int m, struct halo_tensor *t)
{
    struct rt_wire *w = &rt->wire;
    struct rt_wire_slot *ws = &w->slot[q];
    const struct halo_sched_msg *mm = &rt->job.sv[ws->var].msg[m];
    const unsigned char *data = buf_of(rt, ws, m) + sizeof(struct wire_hdr);
    bool image = mm->producer == HALO_INPUT;
    *t = (struct halo_tensor){mm->c, mm->rect, (float *)data, false};
    if (!mm->compressed && !image) return HALO_OK;
    if (!ws->dec[m].data) {
        const struct wire_hdr *h = (const void *)buf_of(rt, ws, m);
        HALO_TRY(halo_tensor_alloc(&ws->dec[m], mm->c, mm->rect));
        double t0 = halo_now_ms();
        enum halo_status st = HALO_OK;
        if (image) halo_image_normalize(data, &ws->dec[m]); /* the camera's bytes to the network's floats */
        else st = halo_codec_decode(data, (size_t)h->payload_bytes, &rt->job.var[ws->var]->codec, ws->dec[m].data,
                                    halo_tensor_numel(&ws->dec[m]));
        if (!image) w->codec_ms += halo_now_ms() - t0;
        if (st != HALO_OK) {
            halo_tensor_free(&ws->dec[m]);
            halo_error_prefix("rank %d: message %d of frame %d from rank %d", rt->rank, m, ws->frame, mm->from);
            return st;
        }
    }
    *t = ws->dec[m];
    t->owned = false;
    return HALO_OK;
}

/* ---- sending ----------------------------------------------------------------------------------- */

/* --inject corrupt / drop on the sender: the first message this rank sends for a block >= the
 * fault's block has one payload byte flipped after its checksum was taken (the header if it has no
 * payload), or is not sent at all (returns true: the sender believes it sent it). */
static bool inject_in_transit(struct halo_rt *rt, int q, int m, unsigned char *data, size_t bytes)
{
    struct rt_wire *w = &rt->wire;
    struct rt_wire_slot *ws = &w->slot[q];
    const struct halo_sched_msg *mm = &rt->job.sv[ws->var].msg[m];
    const struct halo_fault *f = halo_faults_find(&rt->job.faults, HALO_FAULT_CORRUPT, rt->rank);
    if (f && !w->corrupt_done && mm->block >= f->block) {
        w->corrupt_done = true;
        if (bytes) data[bytes / 2] ^= 0x10;
        else ((struct wire_hdr *)buf_of(rt, ws, m))->checksum ^= 1;
        fprintf(stderr, "halo run: injected fault: rank %d (%s) corrupts message %d (to rank %d) in transit\n", rt->rank,
                rt_dev_name(rt, rt->rank), m, mm->to);
    }
    f = halo_faults_find(&rt->job.faults, HALO_FAULT_DROP, rt->rank);
    if (f && !w->drop_done && mm->block >= f->block) {
        w->drop_done = true;
        ws->req[m] = MPI_REQUEST_NULL;
        fprintf(stderr, "halo run: injected fault: rank %d (%s) drops message %d (to rank %d)\n", rt->rank,
                rt_dev_name(rt, rt->rank), m, mm->to);
        return true;
    }
    return false;
}

/* Encodes message m's rect of `src` into the wire buffer's payload; *bytes: the coded size. */
static enum halo_status encode(struct halo_rt *rt, int q, int m, const struct halo_tensor *src, unsigned char *data,
                               int64_t *bytes)
{
    struct rt_wire *w = &rt->wire;
    const struct rt_wire_slot *ws = &w->slot[q];
    const struct halo_sched_msg *mm = &rt->job.sv[ws->var].msg[m];
    const struct halo_plan *p = rt->job.var[ws->var];
    struct halo_tensor raw = {0}; /* the rect packed, then encoded */
    HALO_TRY(halo_tensor_alloc(&raw, mm->c, mm->rect));
    halo_tensor_copy_region(&raw, src, mm->rect);
    uint8_t *coded = NULL;
    size_t n_coded = 0;
    double t = halo_now_ms();
    enum halo_status st = halo_codec_encode(raw.data, halo_tensor_numel(&raw), &p->codec, &coded, &n_coded);
    w->codec_ms += halo_now_ms() - t;
    halo_tensor_free(&raw);
    HALO_TRY(st);
    if (sizeof(struct wire_hdr) + n_coded > ws->buf_bytes[(size_t)ws->var * rt->job.max_msg + m]) {
        free(coded);
        return halo_error(HALO_ERR_INTERNAL, "message %d: %zu coded bytes exceed the codec's bound", m, n_coded);
    }
    memcpy(data, coded, n_coded);
    free(coded);
    *bytes = (int64_t)n_coded;
    return HALO_OK;
}

/* The rect's pixels of the frame, rows one after another. */
static void pack_pixels(const struct halo_image_rgb8 *px, struct halo_rect r, unsigned char *data)
{
    size_t row = (size_t)halo_rect_w(r) * 3;
    for (int y = r.y0; y < r.y1; y++)
        memcpy(data + (size_t)(y - r.y0) * row, px->data + ((size_t)y * px->w + r.x0) * 3, row);
}

enum halo_status rt_wire_post(struct halo_rt *rt, int q, int m, const struct halo_tensor *src,
                              const struct halo_image_rgb8 *px, int64_t *bytes)
{
    struct rt_wire *w = &rt->wire;
    struct rt_wire_slot *ws = &w->slot[q];
    const struct halo_sched_msg *mm = &rt->job.sv[ws->var].msg[m];
    unsigned char *buf = buf_of(rt, ws, m);
    struct wire_hdr *h = (struct wire_hdr *)buf;
    unsigned char *data = buf + sizeof *h;
    int64_t n_bytes = raw_bytes(mm);
    HALO_ASSERT(ws->req[m] == MPI_REQUEST_NULL);
    if (mm->producer == HALO_INPUT) {
        HALO_ASSERT(px && px->h == rt->job.g->input.h && px->w == rt->job.g->input.w);
        pack_pixels(px, mm->rect, data);
    } else if (mm->compressed) {
        HALO_TRY(encode(rt, q, m, src, data, &n_bytes));
    } else {
        struct halo_tensor view = {mm->c, mm->rect, (float *)data, false};
        halo_tensor_copy_region(&view, src, mm->rect);
    }
    double now = rt_rel(rt), start = now, end = now;
    if (rt_wall_emulated(rt)) {
        const struct halo_plan *p = rt->job.var[ws->var];
        int n = p->n_dev;
        start = now > w->up_free ? now : w->up_free;
        end = start + p->lat_ms[mm->from * n + mm->to] + (double)n_bytes * 8e-3 / rt_link_mbps(rt, p, ws->frame, mm->from, mm->to);
        w->up_free = end;
    }
    *h = (struct wire_hdr){WIRE_MAGIC, rt->eng.seq, ws->frame, m, rt->rank, 0, n_bytes, start, end, now, 0};
    h->checksum = halo_hash_bytes(data, (size_t)n_bytes);
    *bytes = n_bytes;
    ws->got[m] = false;
    if (inject_in_transit(rt, q, m, data, (size_t)n_bytes)) return HALO_OK; /* --inject drop: never sent */
    MPI_TRY(MPI_Isend(buf, (int)(sizeof *h + (size_t)n_bytes), MPI_BYTE, mm->to, tag_of(rt, q, m), rt->comm,
                      &ws->req[m]));
    return HALO_OK;
}

int rt_wire_pending_send(const struct halo_rt *rt, int q)
{
    const struct rt_wire_slot *ws = &rt->wire.slot[q];
    if (ws->frame < 0) return -1;
    const struct halo_sched *s = &rt->job.sv[ws->var];
    for (int m = 0; m < s->n_msg; m++)
        if (s->msg[m].from == rt->rank && s->msg[m].to != rt->rank && ws->req[m] != MPI_REQUEST_NULL) return m;
    return -1;
}

int rt_wire_pending_recv(const struct halo_rt *rt, int q)
{
    const struct rt_wire_slot *ws = &rt->wire.slot[q];
    if (ws->frame < 0) return -1;
    const struct halo_sched *s = &rt->job.sv[ws->var];
    for (int m = 0; m < s->n_msg; m++)
        if (s->msg[m].to == rt->rank && s->msg[m].from != rt->rank && ws->req[m] != MPI_REQUEST_NULL) return m;
    return -1;
}
