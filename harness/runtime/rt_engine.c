/* rt_engine: the frames of a stream on this rank (one inference is a stream of one frame), begun
 * and ended by rt_stream.c. The source admits frames as they arrive (at most `inflight` admitted
 * and not done), announcing each frame and its slot to every rank and sending the image's pieces at
 * once. Every rank posts a frame's receives when it learns of it and then runs, in one loop,
 * whatever it can: the step of the oldest frame whose inputs have arrived (a frame's own steps in
 * schedule order, as the cost model's devices do; on the virtual clock only the step the token
 * names), the source's gathers and forwards, the results; sends are non-blocking and data is packed
 * as soon as it exists. A frame leaves its slot on a rank when the rank has done its part and its
 * sends have completed. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "exec/executor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- steps ------------------------------------------------------------------------------------- */

/* The tensor on this rank that holds message m's rect of slot q's frame when it is sent or copied
 * (the image: the frame normalised, made the first time the source uses it itself). */
static enum halo_status held(struct halo_rt *rt, int q, const struct halo_sched_msg *m, const struct halo_tensor **t)
{
    struct rt_slot *sl = &rt->eng.slot[q];
    if (m->ready_step >= 0) *t = &sl->out[m->ready_step];
    else if (m->ready_gather >= 0) *t = &sl->full[m->ready_gather];
    else {
        if (!sl->image.data) HALO_TRY(halo_image_frame_tensor(sl->rgb, &sl->image));
        *t = &sl->image;
    }
    HALO_ASSERT((*t)->data && halo_rect_contains((*t)->rect, m->rect));
    return HALO_OK;
}

/* Posts message m of slot q's frame from what this rank holds (the image's pieces as uint8). */
static enum halo_status send_msg(struct halo_rt *rt, int q, int m)
{
    struct rt_slot *sl = &rt->eng.slot[q];
    const struct halo_sched_msg *mm = &sl->s->msg[m];
    int64_t bytes = 0;
    if (mm->producer == HALO_INPUT) return rt_wire_post(rt, q, m, NULL, sl->rgb, &bytes);
    const struct halo_tensor *t;
    HALO_TRY(held(rt, q, mm, &t));
    return rt_wire_post(rt, q, m, t, NULL, &bytes);
}

/* The step's input rect from local holdings and received pieces (a view when one piece is it all). */
static enum halo_status assemble(struct halo_rt *rt, int q, int k, struct halo_tensor *in)
{
    const struct halo_sched *s = rt->eng.slot[q].s;
    const struct halo_sched_step *sp = &s->step[k];
    struct halo_tensor one;
    for (int m = sp->msg0; m < sp->msg0 + sp->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->from == rt->rank) {
            const struct halo_tensor *t;
            HALO_TRY(held(rt, q, mm, &t));
            one = *t;
        } else {
            HALO_TRY(rt_wire_payload(rt, q, m, &one));
        }
        one.owned = false;
        if (sp->n_msg == 1 && halo_rect_eq(one.rect, sp->in)) {
            *in = one;
            return HALO_OK;
        }
        if (!in->data) HALO_TRY(halo_tensor_alloc(in, sp->in_c, sp->in));
        halo_tensor_copy_region(in, &one, mm->rect);
    }
    if (!in->data) return halo_error(HALO_ERR_INTERNAL, "step %d has no input pieces", k);
    return HALO_OK;
}

/* Rank 0: frame f's logits are in (y), at stream ms `at`. */
static enum halo_status frame_done(struct halo_rt *rt, int q, const struct halo_tensor *y, double at)
{
    struct rt_engine *e = &rt->eng;
    struct rt_slot *sl = &e->slot[q];
    size_t n = halo_tensor_numel(y);
    /* a stream with --verify keeps every frame's logits (compared after the stream) */
    size_t keep = e->stream && rt->job.opts.verify ? (size_t)e->n_frames : 1, at_f = keep > 1 ? (size_t)sl->frame : 0;
    if (halo_grow((void **)&e->logits, &e->logits_cap, keep * n, sizeof *e->logits)) return HALO_ERR_NOMEM;
    memcpy(e->logits + at_f * n, y->data, n * sizeof *e->logits);
    e->n_logits = (int)n;
    e->done_ms[sl->frame] = at;
    sl->result = true;
    e->done++;
    e->open--;
    return rt_adapt_frame_done(rt, q);
}

/* The next step of the frame in slot q that is this rank's, from k on (n_step: none). */
static int next_own(const struct halo_rt *rt, const struct halo_sched *s, int k)
{
    while (k < s->n_step && s->step[k].device != rt->rank) k++;
    return k;
}

/* The next gathered block from b on (n_blocks: none). */
static int next_gathered(const struct halo_plan *p, int b)
{
    while (b < p->n_blocks && !p->block[b].gather) b++;
    return b;
}

/* Frees the outputs of blocks that nothing on this rank needs any more: block b's outputs serve
 * this rank's steps of block b + 1 (local pieces; pieces for others are packed when sent) and, on
 * the source, the gather of block b. */
static void trim(struct halo_rt *rt, int q)
{
    struct rt_slot *sl = &rt->eng.slot[q];
    const struct halo_sched *s = sl->s;
    int b_next = sl->next < s->n_step ? s->step[sl->next].block : s->n_blocks + 1;
    for (int b = sl->freed_below; b + 1 < b_next && b < s->n_blocks; b++) {
        if (rt->rank == 0 && sl->p->block[b].gather && b >= sl->next_gather) break;
        for (int k = s->block_step0[b]; k < s->block_step0[b + 1]; k++) halo_tensor_free(&sl->out[k]);
        halo_tensor_free(&sl->full[b]);
        sl->freed_below = b + 1;
    }
}

static enum halo_status do_step(struct halo_rt *rt, int q)
{
    struct rt_engine *e = &rt->eng;
    struct rt_slot *sl = &e->slot[q];
    const struct halo_sched *sc = sl->s;
    int k = sl->next, f = sl->frame;
    const struct halo_sched_step *sp = &sc->step[k];
    bool virt = rt->job.opts.clock == HALO_CLOCK_VIRTUAL;
    e->hook_frame = f;
    rt_engine_hooks(rt, sp->block);
    const struct halo_fault *delay = halo_faults_find(&rt->job.faults, HALO_FAULT_DELAY, rt->rank);
    double late_ms = delay && sp->block >= delay->block ? delay->delay_ms : 0;
    if (late_ms > 0 && virt) halo_sleep_ms(late_ms); /* --inject delay: a slow rank (its time is added below) */
    struct halo_tensor in = {0};
    HALO_TRY(assemble(rt, q, k, &in));
    if (virt) rt_wake_threads(halo_backend_threads(rt->job.be)); /* waking them is no compute */
    /* the virtual clock under --adapt on: a step of a shape this rank never ran (a new epoch's) runs
     * once untimed first, as the wall clock warms it while idle — its timed run would pay the
     * backend's first use of the shape (oneDNN's primitive: 80-90 ms against ~12 ms for resnet18
     * 128x128). This rank holds the clock's token: no other rank's timed step runs beside it. */
    if (virt && rt_adapt_unseen(rt, sp)) {
        struct halo_tensor warm = {0};
        enum halo_status ws = halo_exec_rect(rt->job.be, rt->job.g, sp->first, sp->last, sp->out, sp->mode, &in, &warm);
        halo_tensor_free(&warm);
        if (ws != HALO_OK) {
            halo_tensor_free(&in);
            return ws;
        }
    }
    double t = halo_now_ms();
    /* wall clock: the step itself takes that much longer, so that its measured time (the report's,
     * the adaptive controller's) shows the slow rank as a straggler does */
    if (late_ms > 0 && !virt) halo_sleep_ms(late_ms);
    enum halo_status st = halo_exec_rect(rt->job.be, rt->job.g, sp->first, sp->last, sp->out, sp->mode, &in, &sl->out[k]);
    double ms = halo_now_ms() - t;
    rt_adapt_note_step(rt, sp);
    halo_tensor_free(&in);
    if (st != HALO_OK) {
        halo_error_prefix("rank %d (%s): block %d part %d", rt->rank, rt_dev_name(rt, rt->rank), sp->block, sp->part);
        return st;
    }
    if (rt->rank == e->corrupt_rank && k == sc->block_step0[sp->block]) /* test hook: a wrong value */
        sl->out[k].data[0] += 1.0f;
    if (e->scale_logits != 0 && sp->block == sc->n_blocks) /* test hook: logits off by a relative x */
        for (size_t i = 0; i < halo_tensor_numel(&sl->out[k]); i++) sl->out[k].data[i] *= (float)(1 + e->scale_logits);
    double scaled = ms / rt->job.speed;
    /* the virtual clock: an injected delay makes the step that much longer (a straggler), as it
     * makes it start late on the wall clock */
    if (rt_plan_times(rt)) {
        /* the test hook: the plan's time stands for the measured one, for the replay and the
         * controller alike (an epoch's plan was priced at an estimated speed: back to the device's) */
        const struct halo_plan *p = sl->p;
        double pms = sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
        scaled = pms * p->dev[rt->rank].speed / rt->job.speed;
    }
    if (virt) scaled += late_ms;
    /* a slower device on the wall clock: hold the result back for the extra time */
    if (!virt && scaled > ms) halo_sleep_ms(scaled - ms);
    double end = rt_rel(rt);
    e->compute_ms += virt ? ms : end - (t - e->t0);
    double *rec = rt_rec_step(rt, rt_step0(rt, f) + k);
    rec[0] = t - e->t0;
    rec[1] = end;
    rec[2] = scaled;
    for (int m = 0; m < sc->n_msg; m++) {
        const struct halo_sched_msg *mm = &sc->msg[m];
        if (mm->ready_step == k && mm->from == rt->rank && mm->to != rt->rank) HALO_TRY(send_msg(rt, q, m));
    }
    const struct halo_sched_msg *res = &sc->msg[sc->n_msg - 1];
    if (rt->rank == 0 && res->from == 0 && res->ready_step == k) HALO_TRY(frame_done(rt, q, &sl->out[k], end));
    sl->next = next_own(rt, sc, k + 1);
    trim(rt, q);
    return rt_token_pass(rt, f, k);
}

/* The source: every part's output of block b, stitched, then forwarded where the plan says. */
static enum halo_status do_gather(struct halo_rt *rt, int q)
{
    struct rt_slot *sl = &rt->eng.slot[q];
    const struct halo_sched *sc = sl->s;
    int b = sl->next_gather;
    const struct halo_plan_block *bl = &sl->p->block[b];
    struct halo_shape os = rt->job.g->nodes[bl->last - 1].out_shape;
    HALO_TRY(halo_tensor_alloc(&sl->full[b], os.c, halo_rect_full(os)));
    for (int m = 0; m < sc->n_msg; m++) {
        const struct halo_sched_msg *mm = &sc->msg[m];
        if (mm->kind != HALO_SCHED_GATHER || mm->block != b) continue;
        struct halo_tensor src;
        if (mm->from == 0) {
            const struct halo_tensor *t;
            HALO_TRY(held(rt, q, mm, &t));
            src = *t;
        } else {
            HALO_TRY(rt_wire_payload(rt, q, m, &src));
        }
        halo_tensor_copy_region(&sl->full[b], &src, mm->rect);
    }
    sl->next_gather = next_gathered(sl->p, b + 1);
    for (int m = 0; m < sc->n_msg; m++) {
        const struct halo_sched_msg *mm = &sc->msg[m];
        if (mm->ready_gather == b && mm->from == 0 && mm->to != 0) HALO_TRY(send_msg(rt, q, m));
    }
    trim(rt, q);
    return HALO_OK;
}

/* The source: the logits of slot q's frame from the tail's device. */
static enum halo_status do_result(struct halo_rt *rt, int q)
{
    struct rt_slot *sl = &rt->eng.slot[q];
    int m = sl->s->n_msg - 1;
    struct halo_tensor view;
    HALO_TRY(rt_wire_payload(rt, q, m, &view));
    double at = rt_wall_emulated(rt) ? rt->wire.slot[q].deliver[m] : rt_rel(rt);
    return frame_done(rt, q, &view, at);
}

/* ---- readiness -------------------------------------------------------------------------------- */

/* Whether step k of slot q's frame has all its inputs on this rank; when not, the first it misses
 * goes to the wait (when `note`). */
static bool inputs_ready(struct halo_rt *rt, int q, int k, bool note)
{
    const struct rt_slot *sl = &rt->eng.slot[q];
    const struct halo_sched *s = sl->s;
    const struct halo_sched_step *sp = &s->step[k];
    for (int m = sp->msg0; m < sp->msg0 + sp->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        bool ok = mm->from == rt->rank ? mm->ready_gather < 0 || mm->ready_gather < sl->next_gather
                                       : rt_wire_delivered(rt, q, m);
        if (!ok) {
            if (note) rt_wait_missing_what(rt, WAIT_MSG, mm->from, (int)(rt_msg0(rt, sl->frame) + m));
            return false;
        }
    }
    return true;
}

/* Rank 0: whether the gather of the next gathered block of slot q can run. */
static bool gather_ready(struct halo_rt *rt, int q, bool note)
{
    const struct rt_slot *sl = &rt->eng.slot[q];
    const struct halo_sched *s = sl->s;
    int b = sl->next_gather;
    if (b >= s->n_blocks) return false;
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->kind != HALO_SCHED_GATHER || mm->block != b) continue;
        bool ok = mm->from == 0 ? mm->ready_step < sl->next : rt_wire_delivered(rt, q, m);
        if (!ok) {
            if (note) rt_wait_missing_what(rt, WAIT_MSG, mm->from, (int)(rt_msg0(rt, sl->frame) + m));
            return false;
        }
    }
    return true;
}

/* Whether the frame in slot q is through on this rank: its steps done, on the source its gathers
 * done and its logits in, every send completed. */
static bool slot_finished(struct halo_rt *rt, int q, bool note)
{
    const struct rt_slot *sl = &rt->eng.slot[q];
    if (sl->next < sl->s->n_step) return false;
    if (rt->rank == 0 && (sl->next_gather < sl->s->n_blocks || !sl->result)) return false;
    int m = rt_wire_pending_send(rt, q);
    if (m >= 0) {
        if (note) rt_wait_missing_what(rt, WAIT_SENDS, sl->s->msg[m].to, (int)(rt_msg0(rt, sl->frame) + m));
        return false;
    }
    m = rt_wire_pending_recv(rt, q);
    if (m >= 0 && note) rt_wait_missing_what(rt, WAIT_MSG, sl->s->msg[m].from, (int)(rt_msg0(rt, sl->frame) + m));
    return m < 0;
}

static enum halo_status slot_release(struct halo_rt *rt, int q)
{
    struct rt_slot *sl = &rt->eng.slot[q];
    HALO_TRY(rt_adapt_frame_stats(rt, q));
    rt_engine_slot_free_data(rt, q);
    rt_wire_close(rt, q);
    sl->frame = -1;
    rt->eng.last_event = halo_now_ms();
    return HALO_OK;
}

static enum halo_status slot_open(struct halo_rt *rt, int q, int f, double admit_ms)
{
    struct rt_engine *e = &rt->eng;
    struct rt_slot *sl = &e->slot[q];
    HALO_ASSERT(sl->frame < 0);
    sl->frame = f;
    sl->var = rt_var_of(rt, f);
    sl->s = &rt->job.sv[sl->var];
    sl->p = rt->job.var[sl->var];
    sl->admit_ms = admit_ms;
    sl->deadline = e->t0 + admit_ms + e->timeout_ms;
    sl->next = next_own(rt, sl->s, 0);
    sl->next_gather = rt->rank == 0 ? next_gathered(sl->p, 0) : sl->s->n_blocks;
    sl->result = false;
    sl->freed_below = 0;
    e->last_event = halo_now_ms();
    return rt_wire_open(rt, q, f, sl->var);
}

/* ---- admission ------------------------------------------------------------------------------- */

/* Rank 0: frame `taken` enters free slot q: every rank learns of it, its image's pieces leave. */
static enum halo_status admit(struct halo_rt *rt, int q)
{
    struct rt_engine *e = &rt->eng;
    int f = e->taken;
    double now = rt_rel(rt);
    int var = rt_adapt_next_var(rt);
    rt_adapt_frame(rt, f, var);
    HALO_TRY(slot_open(rt, q, f, now));
    struct rt_slot *sl = &e->slot[q];
    HALO_TRY(rt_frame_pixels(rt, f, &sl->own, &sl->rgb, &e->image_of[f]));
    e->admit_ms[f] = now;
    e->taken++;
    e->open++;
    for (int r = 1; r < rt->size; r++) {
        if (rt_dead(rt, r)) continue;
        int i = r * e->admit_ring + f % e->admit_ring;
        if (e->admit_sreq[i] != MPI_REQUEST_NULL) HALO_TRY(rt_wait_req(rt, &e->admit_sreq[i], r, WAIT_SENDS));
        e->admit_out[i] = (struct rt_admit_msg){now, e->seq, f, q, var};
        MPI_TRY(MPI_Isend(&e->admit_out[i], sizeof e->admit_out[i], MPI_BYTE, r, TAG_ADMIT, rt->comm, &e->admit_sreq[i]));
    }
    const struct halo_sched *s = sl->s;
    for (int m = 0; m < s->n_msg; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->ready_step < 0 && mm->ready_gather < 0 && mm->from == 0 && mm->to != 0) HALO_TRY(send_msg(rt, q, m));
    }
    return HALO_OK;
}

/* The other ranks: listen for the next admission. */
static enum halo_status post_admit(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    e->admit_posted = false;
    if (e->taken >= e->n_frames) return HALO_OK;
    MPI_TRY(MPI_Irecv(&e->admit_in, sizeof e->admit_in, MPI_BYTE, 0, TAG_ADMIT, rt->comm, &e->admit_req));
    e->admit_posted = true;
    return HALO_OK;
}

/* ---- the loop ---------------------------------------------------------------------------------- */

enum act_kind { ACT_NONE, ACT_TAKE, ACT_RELEASE, ACT_RESULT, ACT_GATHER, ACT_ADMIT, ACT_STEP, ACT_WARM, ACT_END, ACT_ERROR };

struct action {
    int kind, slot;
    enum halo_status st;
};

static int free_slot(const struct halo_rt *rt)
{
    for (int q = 0; q < rt->job.n_slots; q++)
        if (rt->eng.slot[q].frame < 0) return q;
    return -1;
}

/* The slots holding frames, oldest frame first, into order[]; returns how many. */
static int slots_by_frame(const struct halo_rt *rt, int *order)
{
    int n = 0;
    for (int q = 0; q < rt->job.n_slots; q++) {
        if (rt->eng.slot[q].frame < 0) continue;
        int i = n++;
        while (i > 0 && rt->eng.slot[order[i - 1]].frame > rt->eng.slot[q].frame) {
            order[i] = order[i - 1];
            i--;
        }
        order[i] = q;
    }
    return n;
}

/* The wait's deadline: the oldest frame's on this rank; idle, the next admission's (which may
 * wait for frames elsewhere to finish). */
static void set_deadline(struct halo_rt *rt, int n_open, const int *order)
{
    struct rt_engine *e = &rt->eng;
    struct rt_wait *w = &rt->wait;
    w->timeout_ms = e->timeout_ms;
    if (n_open > 0) {
        w->deadline = INFINITY;
        for (int i = 0; i < n_open; i++) w->deadline = fmin(w->deadline, e->slot[order[i]].deadline);
        return;
    }
    double arrival = e->taken < e->n_frames ? e->t0 + e->arrival_ms[e->taken] : e->last_event;
    w->deadline = fmax(arrival, e->last_event) + (rt->rank == 0 ? e->timeout_ms : fmax(60000, 4 * e->timeout_ms));
}

/* What this rank can do now (the wait's ready condition). Releases and admissions first (they
 * free memory and start frames), then the source's results and gathers, then the step of the
 * oldest frame that can run. */
static bool next_action(struct halo_rt *rt, const void *arg)
{
    struct action *a = (struct action *)arg;
    struct rt_engine *e = &rt->eng;
    bool virt = rt->job.opts.clock == HALO_CLOCK_VIRTUAL;
    int *order = e->order;
    int n_open = slots_by_frame(rt, order);
    set_deadline(rt, n_open, order);
    *a = (struct action){ACT_NONE, -1, HALO_OK};
    for (int i = 0; i < n_open; i++)
        if (slot_finished(rt, order[i], false)) {
            *a = (struct action){ACT_RELEASE, order[i], HALO_OK};
            return true;
        }
    if (rt->rank != 0 && e->admit_posted) {
        int flag = 0, rc = MPI_Test(&e->admit_req, &flag, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) {
            *a = (struct action){ACT_ERROR, -1, rt_mpi_fail(rc, "MPI_Test(admission)")};
            return true;
        }
        if (flag) e->admit_posted = false;
    }
    if (rt->rank != 0 && !e->admit_posted && e->taken < e->n_frames && rt->job.adapt && e->admit_in.seq < e->seq) {
        /* an admission from before a recovery: dropped (one from after a recovery this rank has not
         * heard of yet waits for it) */
        enum halo_status pst = post_admit(rt);
        if (pst != HALO_OK) {
            *a = (struct action){ACT_ERROR, -1, pst};
            return true;
        }
    }
    if (rt->rank != 0 && !e->admit_posted && e->taken < e->n_frames && (!rt->job.adapt || e->admit_in.seq == e->seq)) {
        int q = e->admit_in.slot;
        if (q < 0 || q >= rt->job.n_slots || e->admit_in.frame != e->taken || e->admit_in.seq != e->seq) {
            *a = (struct action){ACT_ERROR, -1,
                                 halo_error(HALO_ERR_INTERNAL, "rank %d expected the admission of frame %d, the source "
                                                               "sent frame %d (slot %d)", rt->rank, e->taken,
                                            e->admit_in.frame, q)};
            return true;
        }
        if (rt->job.adapt && e->admit_in.var >= rt->job.n_var) { /* its epoch's plan is on its way */
            bool got = false;
            enum halo_status pst = rt_adapt_poll_plan(rt, &got);
            if (pst != HALO_OK) {
                *a = (struct action){ACT_ERROR, -1, pst};
                return true;
            }
        }
        if (e->slot[q].frame < 0 && (!rt->job.adapt || e->admit_in.var < rt->job.n_var)) {
            *a = (struct action){ACT_TAKE, q, HALO_OK};
            return true;
        }
    }
    if (rt->rank == 0)
        for (int i = 0; i < n_open; i++) {
            int q = order[i];
            const struct rt_slot *sl = &e->slot[q];
            int m = sl->s->n_msg - 1;
            if (!sl->result && sl->s->msg[m].from != 0 && rt_wire_delivered(rt, q, m)) {
                *a = (struct action){ACT_RESULT, q, HALO_OK};
                return true;
            }
            if (gather_ready(rt, q, false)) {
                *a = (struct action){ACT_GATHER, q, HALO_OK};
                return true;
            }
        }
    if (rt->rank == 0 && e->taken < e->n_frames && e->open < rt->job.n_slots) {
        int q = free_slot(rt);
        double due = e->t0 + e->arrival_ms[e->taken];
        if (q >= 0 && (virt || halo_now_ms() >= due)) {
            *a = (struct action){ACT_ADMIT, q, HALO_OK};
            return true;
        }
        if (q >= 0) rt_wait_wake_at(rt, due);
    }
    for (int i = 0; i < n_open; i++) {
        int q = order[i];
        const struct rt_slot *sl = &e->slot[q];
        if (sl->next < sl->s->n_step && inputs_ready(rt, q, sl->next, false) &&
            rt_token_ready(rt, sl->frame, sl->next)) {
            *a = (struct action){ACT_STEP, q, HALO_OK};
            return true;
        }
    }
    /* --adapt on, nothing else to do: a new epoch's plan that has come is taken now, and its new
     * step shapes warmed, rather than when its first frame is admitted here */
    if (rt->job.adapt && rt->job.opts.clock == HALO_CLOCK_WALL) {
        if (rt->rank != 0 && !rt_adapt_warm_pending(rt)) {
            bool got = false;
            enum halo_status pst = rt_adapt_poll_plan(rt, &got);
            if (pst != HALO_OK) {
                *a = (struct action){ACT_ERROR, -1, pst};
                return true;
            }
        }
        if (rt_adapt_warm_pending(rt)) {
            *a = (struct action){ACT_WARM, -1, HALO_OK};
            return true;
        }
    }
    bool end = rt->rank == 0 ? e->done == e->n_frames : e->taken == e->n_frames;
    if (end && n_open == 0) {
        a->kind = ACT_END;
        return true;
    }
    /* nothing to do: say what the oldest frame waits for */
    if (n_open > 0) {
        int q = order[0];
        const struct rt_slot *sl = &e->slot[q];
        if (sl->next < sl->s->n_step) {
            if (inputs_ready(rt, q, sl->next, true)) rt_token_ready(rt, sl->frame, sl->next);
        } else if (rt->rank == 0 && sl->next_gather < sl->s->n_blocks) {
            gather_ready(rt, q, true);
        } else if (rt->rank == 0 && !sl->result) {
            int m = sl->s->n_msg - 1;
            rt_wait_missing_what(rt, WAIT_MSG, sl->s->msg[m].from, (int)(rt_msg0(rt, sl->frame) + m));
        } else {
            slot_finished(rt, q, true);
        }
    } else if (rt->rank != 0) {
        rt_wait_missing_what(rt, WAIT_ADMIT, 0, e->taken);
    }
    return false;
}

enum halo_status rt_engine_run(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    /* after a recovery the receive may be posted already, or hold the restart's first admission */
    bool held = rt->job.adapt && e->admit_in.seq == e->seq && e->admit_in.frame == e->taken;
    if (rt->rank != 0 && !e->admit_posted && !held) HALO_TRY(post_admit(rt));
    for (;;) {
        struct action a;
        HALO_TRY(rt_wait_until(rt, next_action, &a, -1, WAIT_MSG, -1));
        switch (a.kind) {
        case ACT_RELEASE:
            HALO_TRY(slot_release(rt, a.slot));
            break;
        case ACT_TAKE:
            rt_adapt_frame(rt, e->admit_in.frame, e->admit_in.var);
            HALO_TRY(slot_open(rt, a.slot, e->admit_in.frame, e->admit_in.admit_ms));
            e->taken++;
            HALO_TRY(post_admit(rt));
            HALO_TRY(rt_token_flush(rt));
            break;
        case ACT_RESULT:
            HALO_TRY(do_result(rt, a.slot));
            break;
        case ACT_GATHER:
            HALO_TRY(do_gather(rt, a.slot));
            break;
        case ACT_ADMIT:
            HALO_TRY(admit(rt, a.slot));
            HALO_TRY(rt_token_flush(rt));
            break;
        case ACT_STEP:
            HALO_TRY(do_step(rt, a.slot));
            break;
        case ACT_WARM:
            HALO_TRY(rt_adapt_warm_one(rt));
            break;
        case ACT_ERROR:
            return a.st;
        default:
            return HALO_OK;
        }
    }
}

enum halo_status rt_engine_repost_admit(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    if (!e->admit_posted && e->admit_in.seq == e->seq) return HALO_OK; /* the restart's first, already in */
    if (e->admit_posted) { /* a small message: a matched receive completes at once */
        MPI_Status status;
        int cancelled = 0;
        MPI_Cancel(&e->admit_req);
        MPI_Wait(&e->admit_req, &status);
        MPI_Test_cancelled(&status, &cancelled);
        e->admit_posted = false;
        /* the receive took an admission before it could be cancelled: one of the restart's (the
         * source admits right after its word, on another tag) is kept; an older one dropped */
        if (!cancelled && e->admit_in.seq == e->seq) return HALO_OK;
    }
    return post_admit(rt);
}
