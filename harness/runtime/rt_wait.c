/* rt_wait: waiting without blocking, and naming whom a wait is stuck on. Every wait polls its
 * requests (MPI_Test) and sleeps between polls, with a deadline: the inference's start + timeout.
 * A rank past it reports to the source what it waits for; the source, past the deadline plus a
 * grace period, follows the chain of "waits for" reports to the rank that sent none — dead or
 * stalled — and names it. A rank that hears nothing from the source gives up later still. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Virtual clock: a rank that waits long (for its turn) backs off to this, so that a crowd of
 * waiting ranks does not steal time slices from the one computing; times are virtual anyway. */
#define POLL_SLEEP_MAX_VIRTUAL_MS 2.0

enum halo_status rt_wait_alloc(struct halo_rt *rt)
{
    int nm = rt->job.max_msg, ns = rt->job.max_step;
    rt->wait.idx = halo_calloc((size_t)(nm > ns ? nm : ns) + (size_t)rt->size + 1, sizeof *rt->wait.idx);
    return rt->wait.idx ? HALO_OK : HALO_ERR_NOMEM;
}

void rt_wait_free_plan(struct halo_rt *rt)
{
    free(rt->wait.idx);
    rt->wait.idx = NULL;
}

enum halo_status rt_wait_listen(struct halo_rt *rt)
{
    struct rt_wait *w = &rt->wait;
    w->stall_for = halo_malloc((size_t)rt->size, sizeof *w->stall_for);
    w->stall_what = halo_calloc((size_t)rt->size, sizeof *w->stall_what);
    w->stall_detail = halo_calloc((size_t)rt->size, sizeof *w->stall_detail);
    if (!w->stall_for || !w->stall_what || !w->stall_detail) return HALO_ERR_NOMEM;
    MPI_TRY(MPI_Irecv(&w->stall_in, sizeof w->stall_in, MPI_BYTE, MPI_ANY_SOURCE, TAG_STALL, rt->comm, &w->stall_req));
    return HALO_OK;
}

void rt_wait_begin(struct halo_rt *rt)
{
    struct rt_wait *w = &rt->wait;
    w->stall_sent = false;
    w->waited_ms = 0;
    for (int r = 0; rt->rank == 0 && r < rt->size; r++) w->stall_for[r] = -1;
}

void rt_wait_close(struct halo_rt *rt)
{
    struct rt_wait *w = &rt->wait;
    if (rt->rank == 0 && w->stall_req != MPI_REQUEST_NULL) {
        MPI_Cancel(&w->stall_req);
        MPI_Wait(&w->stall_req, MPI_STATUS_IGNORE);
    }
    if (w->stall_sreq != MPI_REQUEST_NULL) MPI_Wait(&w->stall_sreq, MPI_STATUS_IGNORE);
    rt_clock_close(rt);
}

void rt_wait_free(struct halo_rt *rt)
{
    rt_wait_free_plan(rt);
    free(rt->wait.stall_for);
    free(rt->wait.stall_what);
    free(rt->wait.stall_detail);
}

void rt_wait_missing(struct halo_rt *rt, int peer, int detail)
{
    rt->wait.peer = peer;
    rt->wait.detail = detail;
}

void rt_wait_missing_what(struct halo_rt *rt, int what, int peer, int detail)
{
    rt->wait.what = what;
    rt->wait.peer = peer;
    rt->wait.detail = detail;
}

void rt_wait_wake_at(struct halo_rt *rt, double at)
{
    if (at < rt->wait.wake) rt->wait.wake = at;
}

/* ---- polling ----------------------------------------------------------------------------------- */

/* Rank 0: a stall report that arrived is recorded, and the next one listened for. */
static enum halo_status poll_stalls(struct halo_rt *rt)
{
    struct rt_wait *w = &rt->wait;
    int flag = 0;
    MPI_TRY(MPI_Test(&w->stall_req, &flag, MPI_STATUS_IGNORE));
    if (!flag) return HALO_OK;
    const struct rt_stall_msg *s = &w->stall_in;
    if (s->inference == rt->eng.seq && s->rank > 0 && s->rank < rt->size) {
        w->stall_for[s->rank] = s->waits_for;
        w->stall_what[s->rank] = s->what;
        w->stall_detail[s->rank] = s->detail;
    }
    MPI_TRY(MPI_Irecv(&w->stall_in, sizeof w->stall_in, MPI_BYTE, MPI_ANY_SOURCE, TAG_STALL, rt->comm, &w->stall_req));
    return HALO_OK;
}

/* Tests every outstanding request once; never blocks. */
static enum halo_status progress(struct halo_rt *rt)
{
    struct rt_wait *w = &rt->wait;
    HALO_TRY(rt_clock_poll(rt));
    if (!rt->wire.slot || !w->idx) return HALO_OK; /* setup: nothing of an inference is in flight */
    HALO_TRY(rt_wire_poll(rt, w->idx, &w->progressed));
    HALO_TRY(rt_token_poll(rt, &w->progressed));
    if (rt->rank == 0) HALO_TRY(rt_report_poll(rt, w->idx));
    if (rt->rank == 0) HALO_TRY(rt_adapt_poll(rt));
    if (rt->rank != 0 && rt->job.adapt && !w->recover_in) { /* the source's word of a recovery */
        int flag = 0;
        MPI_TRY(MPI_Iprobe(0, TAG_RECOVER, rt->comm, &flag, MPI_STATUS_IGNORE));
        if (flag) {
            MPI_TRY(MPI_Recv(&w->recover, sizeof w->recover, MPI_BYTE, 0, TAG_RECOVER, rt->comm, MPI_STATUS_IGNORE));
            w->recover_in = true;
        }
    }
    if (rt->rank == 0 && w->stall_req != MPI_REQUEST_NULL) HALO_TRY(poll_stalls(rt));
    return HALO_OK;
}

/* ---- diagnosis --------------------------------------------------------------------------------- */

/* The frame of global index g (of steps or of messages), and g's index within it. */
static int frame_of(const struct halo_rt *rt, bool steps, int64_t g, int *within)
{
    int n = rt->eng.n_frames > 0 ? rt->eng.n_frames : 1, lo = 0, hi = n - 1;
    while (lo < hi) { /* the last frame whose first index is <= g */
        int mid = (lo + hi + 1) / 2;
        if ((steps ? rt_step0(rt, mid) : rt_msg0(rt, mid)) <= g) lo = mid;
        else hi = mid - 1;
    }
    *within = (int)(g - (steps ? rt_step0(rt, lo) : rt_msg0(rt, lo)));
    return lo;
}

void rt_describe_wait(const struct halo_rt *rt, int what, int detail, char *buf, size_t size)
{
    char fr[40] = "";
    int f = 0, k = -1;
    if ((what == WAIT_MSG || what == WAIT_TOKEN) && rt->job.have_sched && detail >= 0) {
        f = frame_of(rt, what == WAIT_TOKEN, detail, &k);
        if (rt->eng.stream) snprintf(fr, sizeof fr, " of frame %d", f);
    }
    const struct halo_sched *s = rt->job.have_sched ? rt_sched_of(rt, f) : NULL;
    if (what == WAIT_MSG && s && k >= 0 && k < s->n_msg) {
        const struct halo_sched_msg *m = &s->msg[k];
        if (m->kind == HALO_SCHED_RESULT) snprintf(buf, size, "the logits%s", fr);
        else if (m->kind == HALO_SCHED_GATHER)
            snprintf(buf, size, "block %d part %d's output (gather)%s", m->block, m->part, fr);
        else if (m->block == s->n_blocks) snprintf(buf, size, "a piece of the tail's input%s", fr);
        else snprintf(buf, size, "a piece of block %d part %d's input%s", m->block, m->part, fr);
    } else if (what == WAIT_TOKEN) {
        snprintf(buf, size, "its turn to compute (virtual clock, step %d%s)", k, fr);
    } else if (what == WAIT_ADMIT) {
        snprintf(buf, size, "the admission of frame %d", detail);
    } else if (what == WAIT_STATS) {
        snprintf(buf, size, "its end-of-inference report");
    } else if (what == WAIT_SENDS) {
        snprintf(buf, size, "its sends to complete");
    } else if (what == WAIT_START) {
        snprintf(buf, size, "the start of the next inference");
    } else {
        snprintf(buf, size, "its setup");
    }
}

/* "inference 2" or "the stream", in messages. */
static const char *run_name(const struct halo_rt *rt, char *buf, size_t size)
{
    if (rt->eng.stream) snprintf(buf, size, "the stream");
    else snprintf(buf, size, "inference %d", rt->eng.index);
    return buf;
}

/* Rank 0 past the deadline and the grace period: the rank at the end of the chain of waits. */
static enum halo_status diagnose(struct halo_rt *rt, int peer, int what, int detail)
{
    const struct rt_wait *w = &rt->wait;
    const char *plan = rt->job.plan_path;
    int cur = peer, hops = 0;
    char chain[1024] = "", d[200];
    rt_describe_wait(rt, what, detail, d, sizeof d);
    size_t len = (size_t)snprintf(chain, sizeof chain, "the source waits for %s from rank %d", d, peer);
    while (cur > 0 && cur < rt->size && w->stall_for[cur] >= 0 && hops++ < rt->size) {
        int next = w->stall_for[cur];
        rt_describe_wait(rt, w->stall_what[cur], w->stall_detail[cur], d, sizeof d);
        if (len < sizeof chain)
            len += (size_t)snprintf(chain + len, sizeof chain - len, "; rank %d (%s) waits for %s from rank %d", cur,
                                    rt_dev_name(rt, cur), d, next);
        cur = next;
    }
    double t = w->timeout_ms, pred = rt->job.pred.total_ms;
    char rn[40];
    /* a --timeout-ms below the plan's own prediction ends any run this way: say that, not "wait on
     * each other" or "died" */
    if (rt->job.opts.timeout_ms > 0 && pred > t)
        return halo_error(HALO_ERR_TIMEOUT, "%s: %s: --timeout-ms %g is shorter than the %.3f ms the plan "
                                            "predicts: no result came in time (%s)", plan, run_name(rt, rn, sizeof rn), t,
                          pred, chain);
    if (cur <= 0 || hops > rt->size)
        return halo_error(HALO_ERR_TIMEOUT, "%s: %s: no progress within the %.0f ms timeout, ranks wait on "
                                            "each other (%s)", plan, run_name(rt, rn, sizeof rn), t, chain);
    return halo_error(HALO_ERR_TIMEOUT, "%s: %s: rank %d (%s) did not respond within the %.0f ms timeout: it "
                                        "died or stalled (%s)", plan, run_name(rt, rn, sizeof rn), cur,
                      rt_dev_name(rt, cur), t, chain);
}

/* Past the deadline: a rank reports what it waits for; the source names the culprit after a grace
 * period; a rank that hears nothing from the source gives up after a longer one. */
static enum halo_status overdue(struct halo_rt *rt, int peer, int what, int detail)
{
    struct rt_wait *w = &rt->wait;
    double now = halo_now_ms(), grace = fmax(300, 0.15 * w->timeout_ms);
    if (rt->rank == 0) {
        if (now <= w->deadline + grace) return HALO_OK;
        if (rt->job.adapt && rt->eng.stream && !rt->eng.warmup) {
            /* --adapt on: the rank at the end of the chain of waits is dead or stalled: recover */
            int cur = peer, hops = 0;
            while (cur > 0 && cur < rt->size && w->stall_for[cur] >= 0 && hops++ < rt->size) cur = w->stall_for[cur];
            if (cur > 0 && cur < rt->size && !rt_dead(rt, cur)) {
                w->dead_rank = cur;
                return halo_error(HALO_ERR_TIMEOUT, "rank %d (%s) did not respond within the %.0f ms timeout: it died "
                                                    "or stalled (recovering)", cur, rt_dev_name(rt, cur), w->timeout_ms);
            }
        }
        return diagnose(rt, peer, what, detail);
    }
    if (!w->stall_sent) {
        w->stall_out = (struct rt_stall_msg){rt->rank, peer, rt->eng.seq, what, detail, 0};
        MPI_TRY(MPI_Isend(&w->stall_out, sizeof w->stall_out, MPI_BYTE, 0, TAG_STALL, rt->comm, &w->stall_sreq));
        w->stall_sent = true;
    }
    if (now > w->deadline + 4 * grace + 2000) {
        char d[200];
        rt_describe_wait(rt, what, detail, d, sizeof d);
        char rn[40];
        return halo_error(HALO_ERR_TIMEOUT, "%s: %s: rank %d (%s) waited for %s from rank %d (%s) beyond "
                                            "the %.0f ms timeout and the source did not end the run",
                          rt->job.plan_path, run_name(rt, rn, sizeof rn), rt->rank, rt_dev_name(rt, rt->rank), d, peer,
                          rt_dev_name(rt, peer), w->timeout_ms);
    }
    return HALO_OK;
}

/* ---- waiting ----------------------------------------------------------------------------------- */

enum halo_status rt_wait_until(struct halo_rt *rt, rt_ready_fn ready, const void *arg, int peer, int what, int detail)
{
    struct rt_wait *w = &rt->wait;
    w->peer = peer;
    w->detail = detail;
    w->what = what;
    double t_in = halo_now_ms(), nap = RT_POLL_SLEEP_MS;
    enum halo_status st = HALO_OK;
    for (;;) {
        w->wake = INFINITY;
        if ((st = progress(rt)) != HALO_OK) break;
        if (w->recover_in) { /* the source recovers from a dead rank: whatever this waited for is void */
            st = halo_error(HALO_ERR_TIMEOUT, "rank %d: the source recovers from the death of rank %d", rt->rank,
                            w->recover.dead);
            break;
        }
        if (ready(rt, arg)) break;
        double now = halo_now_ms();
        if (now > w->deadline && (st = overdue(rt, w->peer, w->what, w->detail)) != HALO_OK) break;
        if (rt->job.opts.clock == HALO_CLOCK_VIRTUAL && !w->progressed) nap = fmin(1.5 * nap, POLL_SLEEP_MAX_VIRTUAL_MS);
        else nap = RT_POLL_SLEEP_MS;
        w->progressed = false;
        halo_sleep_ms(w->wake - now < nap ? w->wake - now : nap);
    }
    w->waited_ms += halo_now_ms() - t_in;
    return st;
}

static bool req_done(struct halo_rt *rt, const void *arg)
{
    (void)rt;
    int flag = 0;
    return MPI_Test((MPI_Request *)arg, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag;
}

enum halo_status rt_wait_req(struct halo_rt *rt, MPI_Request *r, int peer, int what)
{
    int flag = 0;
    MPI_TRY(MPI_Test(r, &flag, MPI_STATUS_IGNORE));
    return flag ? HALO_OK : rt_wait_until(rt, req_done, r, peer, what, -1);
}

/* The backend's idle worker threads (OpenMP) spin for a while after each parallel region —
 * libgomp's default 300000 pauses, tens of ms here — on the very cores the next rank computes on;
 * measured, that doubled some steps. Costs wall time, not virtual time. */
void rt_wait_cores(struct halo_rt *rt)
{
    double t = halo_now_ms();
    while (rt_other_threads_running() && halo_now_ms() - t < 200) halo_sleep_ms(RT_POLL_SLEEP_MS);
    rt->wait.waited_ms += halo_now_ms() - t;
}
