/* rt_engine: one inference on this rank. The source sends every rank the start (time, timeout,
 * sequence number); each rank posts its receives first, then walks the schedule's steps in their
 * global order, doing its own: wait for the input pieces (and, on the virtual clock, for its turn:
 * rt_token.c), assemble, compute, post its outputs (data packed as soon as it exists). The source
 * also gathers and forwards what the plan routes through it, and receives the logits. At the end
 * every rank waits for its sends and reports its stats (rt_report.c). */
#include "runtime/rt_internal.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "exec/executor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int env_int(const char *name, int dflt)
{
    const char *s = getenv(name);
    return s && *s ? atoi(s) : dflt;
}

/* ---- state --------------------------------------------------------------------------------- */

void rt_engine_init_hooks(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    e->kill_rank = env_int("HALO_TEST_KILL_RANK", -1);
    e->kill_block = env_int("HALO_TEST_KILL_BLOCK", 0);
    e->stall_rank = env_int("HALO_TEST_STALL_RANK", -1);
    e->stall_block = env_int("HALO_TEST_STALL_BLOCK", 0);
    e->corrupt_rank = env_int("HALO_TEST_CORRUPT_RANK", -1);
    const struct halo_fault *f; /* --inject kill and stall use the hooks */
    if ((f = halo_faults_find(&rt->job.faults, HALO_FAULT_KILL, rt->rank))) {
        e->kill_rank = f->rank;
        e->kill_block = f->block;
    }
    if ((f = halo_faults_find(&rt->job.faults, HALO_FAULT_STALL, rt->rank))) {
        e->stall_rank = f->rank;
        e->stall_block = f->block;
    }
}

enum halo_status rt_engine_setup(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    if (rt->rank != 0) return HALO_OK;
    e->start_out = halo_calloc((size_t)rt->size, sizeof *e->start_out);
    e->start_sreq = halo_malloc((size_t)rt->size, sizeof *e->start_sreq);
    if (!e->start_out || !e->start_sreq) return HALO_ERR_NOMEM;
    for (int r = 0; r < rt->size; r++) e->start_sreq[r] = MPI_REQUEST_NULL;
    return HALO_OK;
}

enum halo_status rt_engine_alloc(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    e->out = halo_calloc((size_t)rt->job.s.n_step, sizeof *e->out);
    e->full = halo_calloc((size_t)rt->job.s.n_blocks + 1, sizeof *e->full);
    return e->out && e->full ? HALO_OK : HALO_ERR_NOMEM;
}

void rt_engine_free_data(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    for (int i = 0; e->out && i < rt->job.s.n_step; i++) halo_tensor_free(&e->out[i]);
    for (int b = 0; e->full && b <= rt->job.s.n_blocks; b++) halo_tensor_free(&e->full[b]);
}

void rt_engine_free_plan(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    rt_engine_free_data(rt);
    free(e->out);
    free(e->full);
    e->out = e->full = NULL;
}

void rt_engine_free(struct halo_rt *rt)
{
    rt_engine_free_plan(rt);
    free(rt->eng.start_out);
    free(rt->eng.start_sreq);
    free(rt->eng.logits);
}

/* ---- ready conditions of the waits --------------------------------------------------------- */

static bool inputs_ready(struct halo_rt *rt, const void *arg)
{
    const struct halo_sched *s = &rt->job.s;
    const struct halo_sched_step *sp = &s->step[*(const int *)arg];
    bool ok = true;
    for (int m = sp->msg0; m < sp->msg0 + sp->n_msg; m++)
        if (s->msg[m].from != sp->device && !rt_wire_delivered(rt, m)) {
            if (ok) rt_wait_missing(rt, s->msg[m].from, m);
            ok = false;
        }
    return ok;
}

/* The messages of one kind into one block (the source's gathers). */
struct msg_set {
    int kind, block;
};

static bool set_delivered(struct halo_rt *rt, const void *arg)
{
    const struct msg_set *w = arg;
    bool ok = true;
    for (int m = 0; m < rt->job.s.n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->job.s.msg[m];
        if ((int)mm->kind == w->kind && mm->block == w->block && mm->to == rt->rank && mm->from != rt->rank &&
            !rt_wire_delivered(rt, m)) {
            if (ok) rt_wait_missing(rt, mm->from, m);
            ok = false;
        }
    }
    return ok;
}

static bool result_ready(struct halo_rt *rt, const void *arg) { return rt_wire_delivered(rt, *(const int *)arg); }

static bool start_ready(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    int flag = 0;
    return MPI_Test(&rt->eng.start_req, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag;
}

static bool sends_done(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    int m = rt_wire_pending_send(rt), k;
    if (m >= 0) {
        rt_wait_missing(rt, rt->job.s.msg[m].to, m);
        return false;
    }
    if ((k = rt_token_pending_send(rt)) >= 0) {
        rt_wait_missing(rt, rt->job.s.step[k].device, rt->wait.detail);
        return false;
    }
    return true;
}

/* ---- steps ------------------------------------------------------------------------------------- */

/* Test hooks: HALO_TEST_KILL_RANK / HALO_TEST_STALL_RANK make that rank exit or hang at the first
 * step of block >= HALO_TEST_*_BLOCK (or at the end of its inference); HALO_TEST_CORRUPT_RANK adds
 * 1 to the first value of that rank's output when it computes a block's first part (verify must
 * catch it). */
static void hooks(struct halo_rt *rt, int block)
{
    struct rt_engine *e = &rt->eng;
    if (e->hook_done) return;
    if (rt->rank == e->kill_rank && block >= e->kill_block) {
        fprintf(stderr, "halo run: test hook: rank %d (%s) exits at block %d\n", rt->rank, rt_dev_name(rt, rt->rank),
                block);
        fflush(stderr);
        _exit(1);
    }
    if (rt->rank == e->stall_rank && block >= e->stall_block) {
        e->hook_done = true;
        fprintf(stderr, "halo run: test hook: rank %d (%s) stalls at block %d\n", rt->rank, rt_dev_name(rt, rt->rank),
                block);
        fflush(stderr);
        for (;;) halo_sleep_ms(100);
    }
}

/* The tensor on this rank that holds message m's rect at the moment it is sent or copied. */
static const struct halo_tensor *holding(const struct halo_rt *rt, const struct halo_sched_msg *m)
{
    const struct halo_tensor *t = m->ready_step >= 0     ? &rt->eng.out[m->ready_step]
                                  : m->ready_gather >= 0 ? &rt->eng.full[m->ready_gather]
                                                         : &rt->job.image;
    HALO_ASSERT(t->data && halo_rect_contains(t->rect, m->rect));
    return t;
}

/* Posts message m from what this rank holds; the token records its size on the link. */
static enum halo_status send_msg(struct halo_rt *rt, int m, double vsend_ms)
{
    int64_t bytes = 0;
    HALO_TRY(rt_wire_post(rt, m, holding(rt, &rt->job.s.msg[m]), vsend_ms, &bytes));
    rt_token_msg(rt, m, bytes);
    return HALO_OK;
}

/* The step's input rect from local holdings and received pieces (a view when one piece is it all). */
static enum halo_status assemble(struct halo_rt *rt, int s, struct halo_tensor *in)
{
    const struct halo_sched_step *sp = &rt->job.s.step[s];
    struct halo_tensor one;
    for (int m = sp->msg0; m < sp->msg0 + sp->n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->job.s.msg[m];
        if (mm->from == rt->rank) one = *holding(rt, mm);
        else HALO_TRY(rt_wire_payload(rt, m, &one));
        one.owned = false;
        if (sp->n_msg == 1 && halo_rect_eq(one.rect, sp->in)) {
            *in = one;
            return HALO_OK;
        }
        if (!in->data) HALO_TRY(halo_tensor_alloc(in, sp->in_c, sp->in));
        halo_tensor_copy_region(in, &one, mm->rect);
    }
    if (!in->data) return halo_error(HALO_ERR_INTERNAL, "step %d has no input pieces", s);
    return HALO_OK;
}

static enum halo_status do_step(struct halo_rt *rt, int s)
{
    struct rt_engine *e = &rt->eng;
    const struct halo_sched *sc = &rt->job.s;
    const struct halo_sched_step *sp = &sc->step[s];
    bool virt = rt->job.opts.clock == HALO_CLOCK_VIRTUAL;
    hooks(rt, sp->block);
    const struct halo_fault *delay = halo_faults_find(&rt->job.faults, HALO_FAULT_DELAY, rt->rank);
    if (delay && sp->block >= delay->block) halo_sleep_ms(delay->delay_ms); /* --inject delay: a slow rank */
    HALO_TRY(rt_token_take(rt, s));
    HALO_TRY(rt_wait_until(rt, inputs_ready, &s, -1, WAIT_MSG, -1));
    struct halo_tensor in = {0};
    HALO_TRY(assemble(rt, s, &in));
    double t = halo_now_ms();
    enum halo_status st = halo_exec_rect(rt->job.be, rt->job.g, sp->first, sp->last, sp->out, sp->mode, &in, &e->out[s]);
    double ms = halo_now_ms() - t;
    halo_tensor_free(&in);
    if (st != HALO_OK) {
        halo_error_prefix("rank %d (%s): block %d part %d", rt->rank, rt_dev_name(rt, rt->rank), sp->block, sp->part);
        return st;
    }
    if (rt->rank == e->corrupt_rank && s == sc->block_step0[sp->block]) /* test hook: a wrong value */
        e->out[s].data[0] += 1.0f;
    double scaled = ms / rt->job.speed;
    /* a slower device on the wall clock: hold the result back for the extra time */
    if (!virt && scaled > ms) halo_sleep_ms(scaled - ms);
    double end = rt_rel(rt);
    e->compute_ms += virt ? ms : end - (t - e->t0);
    double *st3 = rt_stats_step(rt, s);
    st3[0] = t - e->t0;
    st3[1] = end;
    st3[2] = scaled;
    rt_token_step(rt, s, scaled);
    double vend = 0;
    if (virt) HALO_TRY(rt_token_step_end(rt, s, &vend));
    for (int m = 0; m < sc->n_msg; m++) {
        const struct halo_sched_msg *mm = &sc->msg[m];
        if (mm->ready_step == s && mm->from == rt->rank && mm->to != rt->rank) HALO_TRY(send_msg(rt, m, vend));
    }
    return rt_token_pass(rt, s);
}

/* The source: every part's output of block b, stitched, then forwarded where the plan says. */
static enum halo_status do_gather(struct halo_rt *rt, int b)
{
    struct rt_engine *e = &rt->eng;
    const struct halo_sched *sc = &rt->job.s;
    struct msg_set w = {HALO_SCHED_GATHER, b};
    HALO_TRY(rt_wait_until(rt, set_delivered, &w, -1, WAIT_MSG, -1));
    const struct halo_plan_block *bl = &rt->job.plan->block[b];
    struct halo_shape os = rt->job.g->nodes[bl->last - 1].out_shape;
    HALO_TRY(halo_tensor_alloc(&e->full[b], os.c, halo_rect_full(os)));
    for (int m = 0; m < sc->n_msg; m++) {
        const struct halo_sched_msg *mm = &sc->msg[m];
        if (mm->kind != HALO_SCHED_GATHER || mm->block != b) continue;
        struct halo_tensor src;
        if (mm->from == 0) src = *holding(rt, mm);
        else HALO_TRY(rt_wire_payload(rt, m, &src));
        halo_tensor_copy_region(&e->full[b], &src, mm->rect);
    }
    for (int m = 0; m < sc->n_msg; m++) {
        const struct halo_sched_msg *mm = &sc->msg[m];
        if (mm->ready_gather == b && mm->from == 0 && mm->to != 0) HALO_TRY(send_msg(rt, m, 0));
    }
    return HALO_OK;
}

static enum halo_status run_steps(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    const struct halo_sched *s = &rt->job.s;
    for (int b = 0; b <= s->n_blocks; b++) {
        for (int k = s->block_step0[b]; k < s->block_step0[b + 1]; k++)
            if (s->step[k].device == rt->rank) HALO_TRY(do_step(rt, k));
        if (rt->rank == 0 && b < s->n_blocks && rt->job.plan->block[b].gather) HALO_TRY(do_gather(rt, b));
        if (b > 0) { /* block b-1's outputs are packed or used: free them */
            for (int k = s->block_step0[b - 1]; k < s->block_step0[b]; k++) halo_tensor_free(&e->out[k]);
            halo_tensor_free(&e->full[b - 1]);
        }
    }
    if (rt->rank != 0) return HALO_OK;
    int m = s->n_msg - 1, tail = s->n_step - 1;
    const struct halo_tensor *y;
    struct halo_tensor view;
    if (s->msg[m].from != 0) {
        HALO_TRY(rt_wait_until(rt, result_ready, &m, s->msg[m].from, WAIT_MSG, m));
        HALO_TRY(rt_wire_payload(rt, m, &view));
        y = &view;
        e->result_rel = rt_wall_emulated(rt) ? rt->wire.deliver[m] : rt_rel(rt);
    } else {
        y = &e->out[tail];
        e->result_rel = rt_stats_step(rt, tail)[1];
    }
    size_t n = halo_tensor_numel(y);
    if (!e->logits && !(e->logits = halo_malloc(n, sizeof *e->logits))) return HALO_ERR_NOMEM;
    memcpy(e->logits, y->data, n * sizeof *e->logits);
    e->n_logits = (int)n;
    return HALO_OK;
}

/* ---- start and end ----------------------------------------------------------------------------- */

/* Rank 0 sends the start (or stop) to every rank; the others wait for it. */
static enum halo_status exchange_start(struct halo_rt *rt, int index, bool stop, struct rt_start_msg *sm)
{
    struct rt_engine *e = &rt->eng;
    if (rt->rank == 0) {
        for (int r = 1; r < rt->size; r++) {
            e->start_out[r] = *sm;
            MPI_TRY(MPI_Isend(&e->start_out[r], sizeof *sm, MPI_BYTE, r, TAG_START, rt->comm, &e->start_sreq[r]));
        }
        for (int r = 1; r < rt->size; r++) HALO_TRY(rt_wait_req(rt, &e->start_sreq[r], r, WAIT_START));
        return HALO_OK;
    }
    rt->wait.deadline = halo_now_ms() + (index == 0 ? RT_SETUP_TIMEOUT_MS : fmax(60000, 4 * rt->wait.timeout_ms));
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

static enum halo_status begin(struct halo_rt *rt, int index)
{
    struct rt_engine *e = &rt->eng;
    const struct halo_sched *s = &rt->job.s;
    struct rt_start_msg sm = {0};
    e->index = index;
    if (rt->rank == 0) {
        rt->wait.timeout_ms = choose_timeout(rt, index);
        rt->wait.deadline = halo_now_ms() + fmax(60000, 4 * rt->wait.timeout_ms);
        sm = (struct rt_start_msg){halo_now_ms() + 2 + 0.1 * rt->size, rt->wait.timeout_ms, 0, index, 0, e->seq + 1, 0};
    }
    HALO_TRY(exchange_start(rt, index, false, &sm));
    e->seq = sm.seq;
    e->t0 = sm.t0_ms + rt->job.offset_ms;
    rt->wait.timeout_ms = sm.timeout_ms;
    rt->wait.deadline = e->t0 + sm.timeout_ms;
    rt_wait_begin(rt);
    e->hook_done = false;
    HALO_TRY(rt_report_begin(rt));
    HALO_TRY(rt_wire_begin(rt));
    HALO_TRY(rt_token_begin(rt));
    halo_sleep_ms(e->t0 - halo_now_ms());
    e->compute_ms = 0;
    if (rt->rank == 0)
        for (int m = 0; m < s->n_msg; m++) {
            const struct halo_sched_msg *mm = &s->msg[m];
            if (mm->ready_step < 0 && mm->ready_gather < 0 && mm->from == 0 && mm->to != 0) HALO_TRY(send_msg(rt, m, 0));
        }
    return HALO_OK;
}

static enum halo_status end_inference(struct halo_rt *rt)
{
    HALO_TRY(rt_wait_until(rt, sends_done, NULL, -1, WAIT_SENDS, -1));
    hooks(rt, rt->job.s.n_blocks + 1);
    return rt_report_gather(rt);
}

enum halo_status halo_rt_infer(struct halo_rt *rt, int index, struct halo_run_report *rep)
{
    memset(rep, 0, sizeof *rep);
    enum halo_status st = begin(rt, index);
    if (st == HALO_OK) st = run_steps(rt);
    if (st == HALO_OK) st = end_inference(rt);
    if (st == HALO_OK && rt->rank == 0) st = rt_report_make(rt, rep);
    rt_wire_free_data(rt);
    rt_engine_free_data(rt);
    return st;
}

enum halo_status halo_rt_finish(struct halo_rt *rt)
{
    enum halo_status st = HALO_OK;
    if (rt->job.ready) {
        struct rt_start_msg sm = {0, 0, 0, -1, 1, rt->eng.seq + 1, 0};
        if (rt->rank == 0) rt->wait.deadline = halo_now_ms() + fmax(60000, 4 * rt->wait.timeout_ms);
        st = exchange_start(rt, -1, true, &sm);
    }
    rt_wait_close(rt);
    if (st != HALO_OK) return st;
    MPI_TRY(MPI_Finalize());
    return HALO_OK;
}
