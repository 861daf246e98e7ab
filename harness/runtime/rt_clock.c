/* rt_clock: one timeline across hosts. Each host's monotonic clock starts at its own boot (and a
 * time namespace shifts it by any amount), so a rank whose clock is not provably the source's
 * (rt_hosts.c) keeps an offset: its clock minus the source's, estimated by round trips as NTP
 * does. A round trip stamps t1 (sent, asker's clock), t2 and t3 (received and answered, the other
 * clock) and t4 (back); with one-way delays d1 and d2, ((t2 - t1) + (t3 - t4)) / 2 is the offset
 * plus (d1 - d2) / 2, so the error is at most half the delay (t4 - t1) - (t3 - t2). Of several
 * round trips the one with the smallest delay wins, and half its delay is the bound reported.
 *
 * At setup the source measures each such rank in turn (both ends poll without sleeping, to keep
 * the delays small) and sends it the estimate. During the runs each such rank starts a round of
 * round trips every CLOCK_EVERY_MS, from its waits (the control path: never inside a timed step),
 * and the source answers from its own waits. A round's estimate replaces the one in use when its
 * bound is below that one's aged by the largest drift expected of a clock (CLOCK_DRIFT_PPM): a
 * clock that drifts is followed, a round disturbed by a busy source is not taken. Adopting moves
 * the stream's start on this rank's clock (t0 = the source's t0 + offset), so deadlines, emulated
 * deliveries and recorded times follow; the rank tells the source, which reports the latest
 * estimate beside the setup's. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"

#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#define CLOCK_SETUP_ROUND_TRIPS 32
#define CLOCK_ROUND_TRIPS 4
#define CLOCK_EVERY_MS 1000.0
#define CLOCK_DRIFT_PPM 100.0

enum { CLOCK_PING, CLOCK_PONG, CLOCK_EST };

/* Polls one request without sleeping until it completes or the setup deadline passes (then the
 * ordinary wait takes over and names a rank that does not answer). */
static enum halo_status spin_req(struct halo_rt *rt, MPI_Request *q, int peer)
{
    int flag = 0;
    while (!flag && halo_now_ms() < rt->wait.deadline) {
        MPI_TRY(MPI_Test(q, &flag, MPI_STATUS_IGNORE));
        if (!flag) HALO_TRY(rt_clock_poll(rt));
        if (!flag) sched_yield();
    }
    return flag ? HALO_OK : rt_wait_req(rt, q, peer, WAIT_SETUP);
}

/* Rank 0: the offset of rank r by round trips; tells r. */
static enum halo_status measure(struct halo_rt *rt, int r)
{
    struct halo_rt_place *pl = rt->hosts.place ? &rt->hosts.place[r] : NULL;
    double best = INFINITY, off = 0;
    struct rt_clock_msg m;
    MPI_Request q;
    for (int i = 0; i < CLOCK_SETUP_ROUND_TRIPS; i++) {
        MPI_TRY(MPI_Irecv(&m, sizeof m, MPI_BYTE, r, TAG_CLOCK_REPLY, rt->comm, &q));
        struct rt_clock_msg ping = {.kind = CLOCK_PING, .t1 = halo_now_ms()};
        MPI_Request s;
        MPI_TRY(MPI_Isend(&ping, sizeof ping, MPI_BYTE, r, TAG_CLOCK, rt->comm, &s));
        HALO_TRY(spin_req(rt, &s, r));
        HALO_TRY(spin_req(rt, &q, r));
        double t4 = halo_now_ms(), delay = (t4 - ping.t1) - (m.t3 - m.t2);
        if (m.kind != CLOCK_PONG)
            return halo_error(HALO_ERR_INTERNAL, "rank %d answered a clock round trip with message kind %d", r, m.kind);
        if (delay < best) {
            best = delay;
            off = 0.5 * ((m.t2 - ping.t1) + (m.t3 - t4)); /* rank r's clock minus this one's */
        }
    }
    struct rt_clock_msg est = {.kind = CLOCK_EST, .offset_ms = off, .err_ms = 0.5 * best, .n = CLOCK_SETUP_ROUND_TRIPS,
                               .every_ms = rt->clock.every_ms};
    MPI_TRY(MPI_Isend(&est, sizeof est, MPI_BYTE, r, TAG_CLOCK, rt->comm, &q));
    HALO_TRY(rt_wait_req(rt, &q, r, WAIT_SETUP));
    if (pl) {
        pl->offset_ms = pl->setup_offset_ms = off;
        pl->offset_err_ms = pl->setup_err_ms = 0.5 * best;
        pl->samples = CLOCK_SETUP_ROUND_TRIPS;
    }
    return HALO_OK;
}

/* A rank with a remote clock at setup: answers the source's round trips, keeps the estimate. */
static enum halo_status answer_setup(struct halo_rt *rt)
{
    struct rt_clock *c = &rt->clock;
    struct rt_clock_msg m;
    MPI_Request q;
    for (;;) {
        MPI_TRY(MPI_Irecv(&m, sizeof m, MPI_BYTE, 0, TAG_CLOCK, rt->comm, &q));
        HALO_TRY(spin_req(rt, &q, 0));
        if (m.kind == CLOCK_EST) break;
        struct rt_clock_msg pong = {.kind = CLOCK_PONG, .t1 = m.t1, .t2 = halo_now_ms()};
        pong.t3 = halo_now_ms();
        MPI_TRY(MPI_Isend(&pong, sizeof pong, MPI_BYTE, 0, TAG_CLOCK_REPLY, rt->comm, &q));
        HALO_TRY(spin_req(rt, &q, 0));
    }
    c->offset_ms = c->setup_offset_ms = m.offset_ms;
    c->every_ms = m.every_ms > 0 ? m.every_ms : CLOCK_EVERY_MS;
    c->err_ms = m.err_ms;
    c->at_ms = c->setup_at_ms = halo_now_ms();
    c->next_round = c->at_ms + c->every_ms;
    return HALO_OK;
}

enum halo_status rt_clock_setup(struct halo_rt *rt, const bool *remote)
{
    struct rt_clock *c = &rt->clock;
    /* tests: rounds more often (the source's environment: it sends the interval with the estimate,
     * as a launcher need not pass its environment to other hosts) */
    const char *every = getenv("HALO_CLOCK_EVERY_MS");
    c->every_ms = every && atof(every) > 0 ? atof(every) : CLOCK_EVERY_MS;
    if (rt->rank != 0) {
        c->remote = remote[0];
        return c->remote ? answer_setup(rt) : HALO_OK;
    }
    c->out = halo_calloc((size_t)rt->size, sizeof *c->out);
    c->out_req = halo_malloc((size_t)rt->size, sizeof *c->out_req);
    if (!c->out || !c->out_req) return HALO_ERR_NOMEM;
    for (int r = 0; r < rt->size; r++) c->out_req[r] = MPI_REQUEST_NULL;
    for (int r = 1; r < rt->size; r++)
        if (remote[r]) HALO_TRY(measure(rt, r));
    /* from now on the ranks' pings and estimates arrive any time */
    MPI_TRY(MPI_Irecv(&c->in, sizeof c->in, MPI_BYTE, MPI_ANY_SOURCE, TAG_CLOCK, rt->comm, &c->in_req));
    return HALO_OK;
}

/* ---- during the runs --------------------------------------------------------------------------- */

/* Rank 0: answers a ping at once, records an estimate. */
static enum halo_status serve(struct halo_rt *rt)
{
    struct rt_clock *c = &rt->clock;
    MPI_Status status;
    int flag = 0;
    if (c->in_req == MPI_REQUEST_NULL) return HALO_OK;
    MPI_TRY(MPI_Test(&c->in_req, &flag, &status));
    if (!flag) return HALO_OK;
    double t2 = halo_now_ms();
    int r = status.MPI_SOURCE;
    if (r > 0 && r < rt->size && c->in.kind == CLOCK_PING) {
        /* the previous answer to r arrived before r asked again: its send is done */
        if (c->out_req[r] != MPI_REQUEST_NULL) MPI_TRY(MPI_Wait(&c->out_req[r], MPI_STATUS_IGNORE));
        c->out[r] = (struct rt_clock_msg){.kind = CLOCK_PONG, .t1 = c->in.t1, .t2 = t2};
        c->out[r].t3 = halo_now_ms();
        MPI_TRY(MPI_Isend(&c->out[r], sizeof c->out[r], MPI_BYTE, r, TAG_CLOCK_REPLY, rt->comm, &c->out_req[r]));
    } else if (r > 0 && r < rt->size && c->in.kind == CLOCK_EST && rt->hosts.place) {
        struct halo_rt_place *pl = &rt->hosts.place[r];
        pl->offset_ms = c->in.offset_ms;
        pl->offset_err_ms = c->in.err_ms;
        pl->estimates = c->in.n;
        pl->drift_ppm = c->in.drift_ppm;
    }
    MPI_TRY(MPI_Irecv(&c->in, sizeof c->in, MPI_BYTE, MPI_ANY_SOURCE, TAG_CLOCK, rt->comm, &c->in_req));
    return HALO_OK;
}

/* A round's end: its best round trip replaces the estimate in use when its bound is smaller than
 * that one's grown by the drift since. */
static enum halo_status end_round(struct halo_rt *rt, double now)
{
    struct rt_clock *c = &rt->clock;
    double err = 0.5 * c->round_delay, aged = c->err_ms + CLOCK_DRIFT_PPM * 1e-6 * (now - c->at_ms);
    c->round_n = 0;
    c->next_round = now + c->every_ms;
    if (!(err <= aged)) return HALO_OK;
    double shift = c->round_offset - c->offset_ms;
    c->offset_ms = c->round_offset;
    c->err_ms = err;
    c->at_ms = now;
    c->estimates++;
    rt->eng.t0 += shift; /* the stream's start, on this clock */
    int flag = 1;
    if (c->est_sreq != MPI_REQUEST_NULL) MPI_TRY(MPI_Test(&c->est_sreq, &flag, MPI_STATUS_IGNORE));
    if (!flag) return HALO_OK; /* the source still has the last one to take: this one waits for the next */
    double span = now - c->setup_at_ms;
    c->est = (struct rt_clock_msg){.kind = CLOCK_EST, .offset_ms = c->offset_ms, .err_ms = c->err_ms,
                                   .drift_ppm = span > 0 ? 1e6 * (c->offset_ms - c->setup_offset_ms) / span : 0,
                                   .n = c->estimates};
    MPI_TRY(MPI_Isend(&c->est, sizeof c->est, MPI_BYTE, 0, TAG_CLOCK, rt->comm, &c->est_sreq));
    return HALO_OK;
}

/* A rank with a remote clock: the next round trip of a round, or the answer to the last. */
static enum halo_status ask(struct halo_rt *rt)
{
    struct rt_clock *c = &rt->clock;
    double now = halo_now_ms();
    if (c->ping_out) {
        int flag = 0;
        MPI_TRY(MPI_Test(&c->pong_req, &flag, MPI_STATUS_IGNORE));
        if (!flag) return HALO_OK;
        c->ping_out = false;
        double delay = (now - c->ping.t1) - (c->pong.t3 - c->pong.t2);
        if (c->round_n++ == 0 || delay < c->round_delay) {
            c->round_delay = delay;
            c->round_offset = 0.5 * ((c->ping.t1 - c->pong.t2) + (now - c->pong.t3)); /* this clock minus the source's */
        }
        if (c->round_n >= CLOCK_ROUND_TRIPS) return end_round(rt, now);
    } else if (c->round_n == 0 && now < c->next_round) {
        return HALO_OK;
    }
    int flag = 1;
    if (c->ping_sreq != MPI_REQUEST_NULL) MPI_TRY(MPI_Test(&c->ping_sreq, &flag, MPI_STATUS_IGNORE));
    if (!flag) return HALO_OK;
    MPI_TRY(MPI_Irecv(&c->pong, sizeof c->pong, MPI_BYTE, 0, TAG_CLOCK_REPLY, rt->comm, &c->pong_req));
    c->ping = (struct rt_clock_msg){.kind = CLOCK_PING, .t1 = halo_now_ms()};
    MPI_TRY(MPI_Isend(&c->ping, sizeof c->ping, MPI_BYTE, 0, TAG_CLOCK, rt->comm, &c->ping_sreq));
    c->ping_out = true;
    return HALO_OK;
}

enum halo_status rt_clock_poll(struct halo_rt *rt)
{
    if (rt->rank == 0) return serve(rt);
    return rt->clock.remote && rt->clock.next_round > 0 ? ask(rt) : HALO_OK;
}

/* Cancels a receive that may never match (the job ends). */
static void cancel(MPI_Request *q)
{
    if (*q == MPI_REQUEST_NULL) return;
    MPI_Cancel(q);
    MPI_Wait(q, MPI_STATUS_IGNORE);
}

void rt_clock_close(struct halo_rt *rt)
{
    struct rt_clock *c = &rt->clock;
    cancel(&c->in_req);
    for (int r = 0; c->out_req && r < rt->size; r++)
        if (c->out_req[r] != MPI_REQUEST_NULL) MPI_Wait(&c->out_req[r], MPI_STATUS_IGNORE);
    /* a ping the source will not answer any more: its small send completed locally */
    cancel(&c->pong_req);
    if (c->ping_sreq != MPI_REQUEST_NULL) MPI_Wait(&c->ping_sreq, MPI_STATUS_IGNORE);
    if (c->est_sreq != MPI_REQUEST_NULL) MPI_Wait(&c->est_sreq, MPI_STATUS_IGNORE);
    c->remote = false;
}

void rt_clock_free(struct halo_rt *rt)
{
    free(rt->clock.out);
    free(rt->clock.out_req);
    rt->clock.out = NULL;
    rt->clock.out_req = NULL;
}
