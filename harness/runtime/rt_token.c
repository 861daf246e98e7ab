/* rt_token: the virtual clock's turn-taking. One rank at a time computes, with all cores: a token
 * goes through every step of the stream in one global order — frames in order, a frame's steps in
 * schedule order — from the rank of one step to the rank of the next when they differ (a rank that
 * has consecutive steps keeps it). Every step's inputs come from earlier in that order (the
 * schedule is causal, and the image is sent at admission), so the token never waits for what
 * comes after it. The times of the virtual clock are not the token's business: the source replays
 * the cost model with the measured durations at the end (rt_report.c). On the wall clock there is
 * no token.
 *
 * With --adapt on a frame's schedule is known only from its admission on (its epoch), so the
 * token's way cannot be walked ahead: the rank that ends a frame passes it when it has learnt the
 * next frame's epoch (the source admits it without the token: its slot frees when an earlier frame
 * is done), and every other rank listens for it from any rank. */
#include "runtime/rt_internal.h"

/* The step after (f, k) in the global order; *f = n_frames past the last. */
static void next_global(const struct halo_rt *rt, int *f, int *k)
{
    if (++*k < rt_sched_of(rt, *f)->n_step) return;
    *k = 0;
    for (++*f; *f < rt->eng.n_frames && rt_sched_of(rt, *f)->n_step == 0; ++*f) {
    }
}

static int device_of(const struct halo_rt *rt, int f, int k) { return rt_sched_of(rt, f)->step[k].device; }

/* From (f, k) on, this rank's first step in the global order, and the rank of the step before it. */
static void find_mine(struct halo_rt *rt, int f, int k)
{
    struct rt_token *t = &rt->tok;
    int pf = -1, pk = -1;
    while (f < rt->eng.n_frames && device_of(rt, f, k) != rt->rank) {
        pf = f;
        pk = k;
        next_global(rt, &f, &k);
    }
    t->want_f = f;
    t->want_k = k;
    t->from = pf >= 0 ? device_of(rt, pf, pk) : -1;
}

/* Posts the receive of the token for this rank's next step (when it has one). */
static enum halo_status post_recv(struct halo_rt *rt)
{
    struct rt_token *t = &rt->tok;
    if (rt->job.adapt) { /* from whoever has it next */
        if (t->held || t->req != MPI_REQUEST_NULL) return HALO_OK;
        MPI_TRY(MPI_Irecv(t->in, 3, MPI_INT32_T, MPI_ANY_SOURCE, TAG_TOKEN, rt->comm, &t->req));
        return HALO_OK;
    }
    if (t->held || t->want_f >= rt->eng.n_frames) return HALO_OK;
    HALO_ASSERT(t->from >= 0 && t->from != rt->rank && t->req == MPI_REQUEST_NULL);
    MPI_TRY(MPI_Irecv(t->in, 3, MPI_INT32_T, t->from, TAG_TOKEN, rt->comm, &t->req));
    return HALO_OK;
}

/* Hands the token for step k of frame f to rank d (after its previous send has gone). */
static enum halo_status send_token(struct halo_rt *rt, int d, int f, int k)
{
    struct rt_token *t = &rt->tok;
    rt_wait_cores(rt);
    if (t->sreq != MPI_REQUEST_NULL) HALO_TRY(rt_wait_req(rt, &t->sreq, d, WAIT_SENDS));
    t->out[0] = f;
    t->out[1] = k;
    t->out[2] = rt->job.gen;
    MPI_TRY(MPI_Isend(t->out, 3, MPI_INT32_T, d, TAG_TOKEN, rt->comm, &t->sreq));
    t->held = false;
    return HALO_OK;
}

enum halo_status rt_token_begin(struct halo_rt *rt)
{
    struct rt_token *t = &rt->tok;
    t->on = rt->job.opts.clock == HALO_CLOCK_VIRTUAL;
    t->held = t->defer = t->early = false;
    t->reissue = -1;
    t->req = t->sreq = MPI_REQUEST_NULL;
    if (!t->on) return HALO_OK;
    if (rt->job.adapt) { /* frame 0's epoch came with the start */
        t->want_f = t->want_k = 0;
        t->from = -1;
        t->held = device_of(rt, 0, 0) == rt->rank;
        return post_recv(rt);
    }
    int f = 0, k = 0;
    if (rt_sched_of(rt, 0)->n_step == 0) next_global(rt, &f, &k);
    find_mine(rt, f, k);
    t->held = t->from < 0 && t->want_f < rt->eng.n_frames; /* the first step of all is this rank's */
    return post_recv(rt);
}

enum halo_status rt_token_poll(struct halo_rt *rt, bool *progressed)
{
    struct rt_token *t = &rt->tok;
    int flag = 0;
    if (!t->on) return HALO_OK;
    if (t->req != MPI_REQUEST_NULL) {
        MPI_TRY(MPI_Test(&t->req, &flag, MPI_STATUS_IGNORE));
        if (flag && rt->job.adapt && t->in[2] < rt->job.gen) { /* from before a recovery: dropped */
            HALO_TRY(post_recv(rt));
        } else if (flag && rt->job.adapt && t->in[2] > rt->job.gen) {
            t->early = true; /* the source's re-issue after a recovery this rank has not heard of yet */
        } else if (flag && rt->job.adapt) {
            t->want_f = t->in[0];
            t->want_k = t->in[1];
            t->held = *progressed = true;
        } else if (flag) {
            if (t->in[0] != t->want_f || t->in[1] != t->want_k)
                return halo_error(HALO_ERR_INTERNAL, "rank %d: the token came for frame %d step %d, this rank expected "
                                                     "frame %d step %d", rt->rank, t->in[0], t->in[1], t->want_f,
                                  t->want_k);
            t->held = *progressed = true;
        }
    }
    if (t->sreq != MPI_REQUEST_NULL) MPI_TRY(MPI_Test(&t->sreq, &flag, MPI_STATUS_IGNORE));
    return HALO_OK;
}

bool rt_token_ready(struct halo_rt *rt, int f, int k)
{
    struct rt_token *t = &rt->tok;
    if (!t->on) return true;
    if (t->held && t->want_f == f && t->want_k == k) return true;
    if (rt->job.adapt) { /* from the rank of the step before it in the global order, when known */
        int from = -1;
        if (k > 0) from = device_of(rt, f, k - 1);
        else if (f > 0 && rt_frame_known(rt, f - 1)) from = device_of(rt, f - 1, rt_sched_of(rt, f - 1)->n_step - 1);
        rt_wait_missing_what(rt, WAIT_TOKEN, from, (int)(rt_step0(rt, f) + k));
    } else if (t->want_f == f && t->want_k == k) {
        rt_wait_missing_what(rt, WAIT_TOKEN, t->from, (int)(rt_step0(rt, f) + k));
    }
    return false;
}

/* --adapt on: hands the token on for step (f, k) of the global order. */
static enum halo_status give(struct halo_rt *rt, int f, int k)
{
    struct rt_token *t = &rt->tok;
    if (f >= rt->eng.n_frames) { /* the stream's last step */
        t->held = false;
        t->want_f = f;
        return HALO_OK;
    }
    int d = device_of(rt, f, k);
    t->want_f = f;
    t->want_k = k;
    if (d == rt->rank) {
        t->held = true;
        return HALO_OK;
    }
    HALO_TRY(send_token(rt, d, f, k));
    return post_recv(rt);
}

enum halo_status rt_token_flush(struct halo_rt *rt)
{
    struct rt_token *t = &rt->tok;
    if (!t->on) return HALO_OK;
    if (t->reissue >= 0 && rt_frame_known(rt, t->reissue)) {
        int f = t->reissue;
        t->reissue = -1;
        return give(rt, f, 0);
    }
    if (!t->defer || !rt_frame_known(rt, t->want_f + 1)) return HALO_OK;
    t->defer = false;
    return give(rt, t->want_f + 1, 0);
}

enum halo_status rt_token_reset(struct halo_rt *rt, int restart)
{
    struct rt_token *t = &rt->tok;
    if (!t->on) return HALO_OK;
    if (t->req != MPI_REQUEST_NULL) { /* three integers: a matched receive completes at once */
        MPI_Status status;
        int cancelled = 0;
        MPI_Cancel(&t->req);
        MPI_Wait(&t->req, &status);
        MPI_Test_cancelled(&status, &cancelled);
        if (!cancelled) t->early = true; /* it took something: the re-issue is kept below */
    }
    if (t->sreq != MPI_REQUEST_NULL) { /* perhaps to the dead rank: let it go */
        MPI_Request_free(&t->sreq);
        t->sreq = MPI_REQUEST_NULL;
    }
    t->held = t->defer = false;
    t->want_f = restart >= 0 ? restart : 0;
    t->want_k = 0;
    t->reissue = restart;
    if (t->early && t->in[2] == rt->job.gen) { /* the source's re-issue came before its word */
        t->early = false;
        t->want_f = t->in[0];
        t->want_k = t->in[1];
        t->held = true;
        return HALO_OK;
    }
    t->early = false;
    return post_recv(rt);
}

enum halo_status rt_token_pass(struct halo_rt *rt, int f, int k)
{
    struct rt_token *t = &rt->tok;
    if (!t->on) return HALO_OK;
    HALO_ASSERT(t->held && t->want_f == f && t->want_k == k);
    if (rt->job.adapt) {
        if (k + 1 < rt_sched_of(rt, f)->n_step) return give(rt, f, k + 1);
        if (f + 1 < rt->eng.n_frames && !rt_frame_known(rt, f + 1)) { /* waits for the next epoch */
            t->held = false;
            t->defer = true;
            return HALO_OK;
        }
        return give(rt, f + 1, 0);
    }
    next_global(rt, &f, &k);
    if (f >= rt->eng.n_frames) { /* the stream's last step */
        t->held = false;
        t->want_f = f;
        return HALO_OK;
    }
    int d = device_of(rt, f, k);
    if (d == rt->rank) {
        t->want_f = f;
        t->want_k = k;
        return HALO_OK;
    }
    HALO_TRY(send_token(rt, d, f, k));
    find_mine(rt, f, k);
    return post_recv(rt);
}

bool rt_token_pending_send(const struct halo_rt *rt) { return rt->tok.sreq != MPI_REQUEST_NULL; }

void rt_token_end(struct halo_rt *rt)
{
    struct rt_token *t = &rt->tok;
    if (t->req != MPI_REQUEST_NULL) {
        MPI_Cancel(&t->req);
        MPI_Wait(&t->req, MPI_STATUS_IGNORE);
    }
    t->held = t->defer = false;
}
