/* rt_stream: the start and the end of a stream on every rank (one inference is a stream of one
 * frame): the source's start message (the common start time, the timeout, the stream's sequence
 * number), the arrivals (every rank computes them from the options), the per-frame timeout, then
 * the engine's loop (rt_engine.c), the last sends, and the records to the source (rt_report.c).
 * Also the end of the job. */
#include "runtime/rt_internal.h"
#include "core/limits.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int halo_rt_default_inflight(int n_dev) { return n_dev > 2 ? n_dev : 2; }

/* ---- start and end ----------------------------------------------------------------------------- */

/* The index a stream's start carries (single inferences carry theirs, the end -1). */
#define STREAM_INDEX (-2)

/* Rank 0 sends the start (or stop) to every rank; the others wait for it. */
static bool start_ready(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    int flag = 0;
    return MPI_Test(&rt->eng.start_req, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag;
}

static enum halo_status exchange_start(struct halo_rt *rt, int index, bool stop, struct rt_start_msg *sm)
{
    struct rt_engine *e = &rt->eng;
    if (rt->rank == 0) {
        for (int r = 1; r < rt->size; r++) {
            if (rt_dead(rt, r)) continue;
            e->start_out[r] = *sm;
            MPI_TRY(MPI_Isend(&e->start_out[r], sizeof *sm, MPI_BYTE, r, TAG_START, rt->comm, &e->start_sreq[r]));
        }
        for (int r = 1; r < rt->size; r++)
            if (!rt_dead(rt, r)) HALO_TRY(rt_wait_req(rt, &e->start_sreq[r], r, WAIT_START));
        return HALO_OK;
    }
    bool first = index == 0 || index == STREAM_INDEX; /* the source may still compute the reference */
    rt->wait.deadline =
        halo_now_ms() + (first ? RT_SETUP_TIMEOUT_MS : fmax(60000, 4 * rt->wait.timeout_ms)) + e->verify_grace_ms;
    e->verify_grace_ms = 0;
    MPI_TRY(MPI_Irecv(&e->start_in, sizeof e->start_in, MPI_BYTE, 0, TAG_START, rt->comm, &e->start_req));
    HALO_TRY(rt_wait_until(rt, start_ready, NULL, 0, WAIT_START, -1));
    *sm = e->start_in;
    if (sm->stop != stop || (!stop && sm->index != index))
        return halo_error(HALO_ERR_INTERNAL, "rank %d expected %s %d, the source sent %s %d", rt->rank,
                          stop ? "the end" : "inference", index, sm->stop ? "the end" : "inference", sm->index);
    return HALO_OK;
}

static double choose_timeout(const struct halo_rt *rt, int index)
{
    const struct halo_plan *p = rt->job.plan;
    double pred_ms = rt->job.pred.total_ms;
    if (rt->job.opts.timeout_ms > 0) return rt->job.opts.timeout_ms;
    /* the warm-up has nothing measured to scale: the prediction, with room for slow backends and,
     * on the virtual clock, for every device computing in turn */
    double scale = rt->job.opts.clock == HALO_CLOCK_VIRTUAL ? p->n_dev : 1;
    /* never more than HALO_DEFAULT_TIMEOUT_MS_MAX unless --timeout-ms asks: links of 1e-300 Mbit/s
     * predicted a 300-digit latency and the wall clock waited for it */
    double t = index == 0 ? fmax(30000, 20 * scale * pred_ms) : fmax(2000, fmax(5 * pred_ms, 3 * rt->rep.warm_wall_ms));
    return fmin(t, HALO_DEFAULT_TIMEOUT_MS_MAX);
}

/* The per-stream arrays (arrivals on every rank: they follow from the options alone; a warm-up's
 * frames all arrive at once). */
static enum halo_status stream_arrays(struct halo_rt *rt, int n, bool warmup)
{
    struct rt_engine *e = &rt->eng;
    const struct halo_run_opts *o = &rt->job.opts;
    free(e->arrival_ms);
    free(e->admit_ms);
    free(e->done_ms);
    free(e->image_of);
    e->arrival_ms = halo_calloc((size_t)n, sizeof *e->arrival_ms);
    e->admit_ms = halo_calloc((size_t)n, sizeof *e->admit_ms);
    e->done_ms = halo_calloc((size_t)n, sizeof *e->done_ms);
    e->image_of = halo_calloc((size_t)n, sizeof *e->image_of);
    if (!e->arrival_ms || !e->admit_ms || !e->done_ms || !e->image_of) return HALO_ERR_NOMEM;
    if (e->stream && !warmup) halo_stream_arrivals(o->poisson ? HALO_ARRIVALS_POISSON : HALO_ARRIVALS_PERIODIC, o->fps, o->arrival_seed, n,
                                                   e->arrival_ms);
    return HALO_OK;
}

/* Starts a stream of n frames on every rank: the source's start message, then every piece's state. */
static enum halo_status begin(struct halo_rt *rt, int index, int n, bool stream, bool warmup)
{
    struct rt_engine *e = &rt->eng;
    struct rt_start_msg sm = {0};
    e->index = index;
    e->stream = stream;
    e->n_frames = n;
    e->taken = e->done = e->open = 0;
    if (rt->rank == 0) {
        rt->wait.timeout_ms = choose_timeout(rt, !stream ? index : rt->rep.warm_wall_ms > 0 ? 1 : 0);
        rt->wait.deadline = halo_now_ms() + fmax(60000, 4 * rt->wait.timeout_ms);
        sm = (struct rt_start_msg){halo_now_ms() + 2 + 0.1 * rt->size, rt->wait.timeout_ms, 0, index, 0, e->seq + 1, n,
                                   rt_adapt_next_var(rt), 0};
    }
    HALO_TRY(exchange_start(rt, index, false, &sm));
    if (sm.n_frames != n)
        return halo_error(HALO_ERR_INTERNAL, "rank %d expected %d frames, the source sent %d", rt->rank, n, sm.n_frames);
    e->seq = sm.seq;
    e->var0 = sm.var;
    e->warmup = warmup;
    /* the start on this rank's clock: the source's start + this clock's offset (re-estimates
     * during the stream move it, rt_clock.c) */
    e->t0_src = sm.t0_ms;
    e->t0 = sm.t0_ms + rt_clock_offset(rt);
    if (rt->rank != 0 && e->t0 - halo_now_ms() > RT_START_AHEAD_MAX_MS)
        return halo_error(HALO_ERR_INTERNAL, "rank %d (%s): the source's start lies %.0f ms ahead on this rank's clock "
                                             "(offset %.3f ms): its clock offset is wrong", rt->rank,
                          rt_dev_name(rt, rt->rank), e->t0 - halo_now_ms(), rt_clock_offset(rt));
    /* a frame among `inflight` others may wait for them (on the virtual clock, for them all in turn) */
    e->timeout_ms = rt->job.opts.timeout_ms > 0 || !stream ? sm.timeout_ms : sm.timeout_ms * rt->job.n_slots;
    rt->wait.timeout_ms = e->timeout_ms;
    rt->wait.deadline = e->t0 + e->timeout_ms;
    e->last_event = e->t0;
    rt_wait_begin(rt);
    HALO_TRY(stream_arrays(rt, n, warmup));
    HALO_TRY(rt_adapt_begin(rt, n));
    HALO_TRY(rt_report_begin(rt, n));
    rt_wire_begin(rt);
    HALO_TRY(rt_token_begin(rt));
    halo_sleep_ms(e->t0 - halo_now_ms());
    e->compute_ms = 0;
    return HALO_OK;
}

static bool admissions_sent(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    struct rt_engine *e = &rt->eng;
    for (int i = 0; rt->rank == 0 && i < rt->size * e->admit_ring; i++) {
        int flag = 0;
        if (e->admit_sreq[i] == MPI_REQUEST_NULL || rt_dead(rt, i / e->admit_ring)) continue;
        if (MPI_Test(&e->admit_sreq[i], &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || !flag) {
            rt_wait_missing_what(rt, WAIT_SENDS, i / e->admit_ring, -1);
            return false;
        }
    }
    if (rt_token_pending_send(rt)) {
        rt_wait_missing_what(rt, WAIT_SENDS, -1, -1);
        return false;
    }
    return true;
}

static enum halo_status end_stream(struct halo_rt *rt)
{
    rt->wait.deadline = halo_now_ms() + rt->eng.timeout_ms;
    HALO_TRY(rt_wait_until(rt, admissions_sent, NULL, -1, WAIT_SENDS, -1));
    rt_token_end(rt);
    HALO_TRY(rt_adapt_end(rt));
    rt_engine_hooks(rt, rt->job.sv[0].n_blocks + 1);
    rt->wait.deadline = halo_now_ms() + rt->eng.timeout_ms;
    return rt_report_gather(rt);
}

enum halo_status halo_rt_infer(struct halo_rt *rt, int index, struct halo_run_report *rep)
{
    memset(rep, 0, sizeof *rep);
    enum halo_status st = begin(rt, index, 1, false, false);
    if (st == HALO_OK) st = rt_engine_run(rt);
    if (st == HALO_OK) st = end_stream(rt);
    if (st == HALO_OK && rt->rank == 0) st = rt_report_make(rt, rep);
    rt_engine_clear(rt);
    return st;
}

/* The engine's loop and the stream's end; --adapt on: a dead rank's recovery in between, as many
 * times as it takes. */
static enum halo_status run_stream(struct halo_rt *rt)
{
    for (;;) {
        enum halo_status st = rt_engine_run(rt);
        if (st != HALO_OK && rt->job.adapt && rt_recovering(rt)) {
            if ((st = rt_adapt_recover(rt)) == HALO_OK) continue;
        }
        if (st == HALO_OK) st = end_stream(rt);
        if (st != HALO_OK && rt->job.adapt && rt_recovering(rt)) {
            if ((st = rt_adapt_recover(rt)) == HALO_OK) continue;
        }
        return st;
    }
}

enum halo_status halo_rt_stream(struct halo_rt *rt, struct halo_stream_report *rep)
{
    memset(rep, 0, sizeof *rep);
    int n = rt->job.opts.n_frames;
    if (n < 1) return halo_error(HALO_ERR_INVALID, "a stream needs at least one frame");
    enum halo_status st = begin(rt, STREAM_INDEX, n, true, false);
    if (st == HALO_OK) st = run_stream(rt);
    /* with --verify the source computes every frame's reference now: the others wait that much longer */
    rt->eng.verify_grace_ms = rt->job.opts.verify ? n * rt->eng.timeout_ms : 0;
    if (st == HALO_OK && rt->rank == 0) st = rt_report_stream(rt, rep);
    if (st == HALO_OK && rt->rank == 0) rt_adapt_report(rt, rep);
    rt_engine_clear(rt);
    return st;
}

enum halo_status halo_rt_warmup(struct halo_rt *rt, int n, double *wall_ms)
{
    *wall_ms = 0;
    if (n < 1) return HALO_OK;
    enum halo_status st = begin(rt, STREAM_INDEX, n, true, true);
    if (st == HALO_OK) st = rt_engine_run(rt);
    if (st == HALO_OK) st = end_stream(rt);
    for (int k = 0; st == HALO_OK && rt->rank == 0 && k < rt->size; k++)
        *wall_ms = fmax(*wall_ms, rt->rep.tot_all[RT_TOT_N * k + RT_TOT_ACTIVE]);
    if (st == HALO_OK && rt->rank == 0) rt->rep.warm_wall_ms = *wall_ms;
    rt_engine_clear(rt);
    return st;
}

/* Whether MPI_Finalize skips its opening barrier: Open MPI's control variable async_mpi_finalize,
 * read through the MPI tool interface (false where there is no such variable). */
static bool finalize_unfenced(void)
{
    int provided, idx, count, val = 0;
    if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) return false;
    MPI_T_cvar_handle h;
    if (MPI_T_cvar_get_index("async_mpi_finalize", &idx) == MPI_SUCCESS &&
        MPI_T_cvar_handle_alloc(idx, NULL, &h, &count) == MPI_SUCCESS) {
        if (count != 1 || MPI_T_cvar_read(h, &val) != MPI_SUCCESS) val = 0;
        MPI_T_cvar_handle_free(&h);
    }
    MPI_T_finalize();
    return val != 0;
}

enum halo_status halo_rt_finish(struct halo_rt *rt)
{
    enum halo_status st = HALO_OK;
    if (rt->job.ready) {
        struct rt_start_msg sm = {0, 0, 0, -1, 1, rt->eng.seq + 1, 0, 0, 0};
        if (rt->rank == 0) rt->wait.deadline = halo_now_ms() + fmax(60000, 4 * rt->wait.timeout_ms);
        st = exchange_start(rt, -1, true, &sm);
    }
    rt_wait_close(rt);
    if (st != HALO_OK) return st;
    /* After a rank died (--adapt on, mpirun --enable-recovery), MPI_Finalize's opening barrier (a
     * PMIx fence over every rank of the job) may wait for the dead one for ever: seen once under
     * load in test_adapt_run's kill case, every survivor in ompi_mpi_finalize 20 minutes after the
     * stream ended. halo's launcher turns that barrier off for --adapt on (Open MPI's
     * async_mpi_finalize, read-only once MPI is up); where it is still on (the user's own mpirun
     * without --mca async_mpi_finalize 1), the survivors leave without MPI_Finalize, which
     * mpirun --enable-recovery takes as it took the dead rank (and says so, PMIX ERROR lines). */
    bool dead = false;
    for (int r = 0; r < rt->size; r++) dead = dead || rt_dead(rt, r);
    if (dead && !finalize_unfenced()) {
        fflush(stdout);
        fflush(stderr);
        return HALO_OK;
    }
    MPI_TRY(MPI_Finalize());
    return HALO_OK;
}
