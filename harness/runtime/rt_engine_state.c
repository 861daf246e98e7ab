/* rt_engine_state: the stream engine's state on this rank (its test hooks, the slots' allocation and
 * freeing) and the emptying of its slots after a stream or in a recovery; the engine's loop is in
 * rt_engine.c. */
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
    const char *sl = getenv("HALO_TEST_SCALE_LOGITS");
    e->scale_logits = sl ? atof(sl) : 0;
    const struct halo_fault *f; /* --inject kill and stall use the hooks */
    if ((f = halo_faults_find(&rt->job.faults, HALO_FAULT_KILL, rt->rank))) {
        e->kill_rank = f->rank;
        e->kill_block = f->block;
        e->kill_frame = f->frame;
    }
    if ((f = halo_faults_find(&rt->job.faults, HALO_FAULT_STALL, rt->rank))) {
        e->stall_rank = f->rank;
        e->stall_block = f->block;
        e->stall_frame = f->frame;
    }
}

enum halo_status rt_engine_setup(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    e->admit_req = MPI_REQUEST_NULL;
    if (rt->rank != 0) return HALO_OK;
    e->start_out = halo_calloc((size_t)rt->size, sizeof *e->start_out);
    e->start_sreq = halo_malloc((size_t)rt->size, sizeof *e->start_sreq);
    if (!e->start_out || !e->start_sreq) return HALO_ERR_NOMEM;
    for (int r = 0; r < rt->size; r++) e->start_sreq[r] = MPI_REQUEST_NULL;
    return HALO_OK;
}

/* Everything the frame in slot q holds on this rank. */
void rt_engine_slot_free_data(struct halo_rt *rt, int q)
{
    struct rt_slot *sl = &rt->eng.slot[q];
    for (int i = 0; sl->out && i < rt->job.max_step; i++) halo_tensor_free(&sl->out[i]);
    for (int b = 0; sl->full && b <= rt->job.max_blocks; b++) halo_tensor_free(&sl->full[b]);
    halo_tensor_free(&sl->image);
    sl->rgb = NULL;
}

enum halo_status rt_engine_alloc(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    int ns = rt->job.n_slots;
    e->slot = halo_calloc((size_t)ns, sizeof *e->slot);
    free(e->order);
    e->order = halo_calloc((size_t)ns, sizeof *e->order);
    if (!e->slot || !e->order) return HALO_ERR_NOMEM;
    for (int q = 0; q < ns; q++) {
        struct rt_slot *sl = &e->slot[q];
        sl->frame = -1;
        sl->out = halo_calloc((size_t)rt->job.max_step, sizeof *sl->out);
        sl->full = halo_calloc((size_t)rt->job.max_blocks + 1, sizeof *sl->full);
        if (!sl->out || !sl->full) return HALO_ERR_NOMEM;
    }
    if (rt->rank == 0) {
        e->admit_ring = ns + 2;
        free(e->admit_out);
        free(e->admit_sreq);
        e->admit_out = halo_calloc((size_t)rt->size * e->admit_ring, sizeof *e->admit_out);
        e->admit_sreq = halo_malloc((size_t)rt->size * e->admit_ring, sizeof *e->admit_sreq);
        if (!e->admit_out || !e->admit_sreq) return HALO_ERR_NOMEM;
        for (int i = 0; i < rt->size * e->admit_ring; i++) e->admit_sreq[i] = MPI_REQUEST_NULL;
    }
    return HALO_OK;
}

void rt_engine_free_plan(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    for (int q = 0; e->slot && q < rt->job.n_slots; q++) {
        rt_engine_slot_free_data(rt, q);
        halo_image_rgb8_free(&e->slot[q].own);
        free(e->slot[q].out);
        free(e->slot[q].full);
    }
    free(e->slot);
    free(e->order);
    e->slot = NULL;
    e->order = NULL;
}

void rt_engine_free(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    rt_engine_free_plan(rt);
    free(e->start_out);
    free(e->start_sreq);
    free(e->admit_out);
    free(e->admit_sreq);
    free(e->logits);
    free(e->arrival_ms);
    free(e->admit_ms);
    free(e->done_ms);
    free(e->image_of);
}

/* Test hooks: HALO_TEST_KILL_RANK / HALO_TEST_STALL_RANK make that rank exit or hang at the first
 * step of block >= HALO_TEST_*_BLOCK (or at the end of its inference); HALO_TEST_CORRUPT_RANK adds
 * 1 to the first value of that rank's output when it computes a block's first part (verify must
 * catch it); HALO_TEST_SCALE_LOGITS=x multiplies the tail's output by 1 + x (a relative error of
 * x in the logits: verify's tolerance must catch it above 1e-4 and let it pass below). */
void rt_engine_hooks(struct halo_rt *rt, int block)
{
    struct rt_engine *e = &rt->eng;
    /* a frame trigger (--inject kill:R@B/F) waits for that frame of the main stream */
    bool frame_ok_kill = e->kill_frame == 0 || (!e->warmup && e->stream && e->hook_frame >= e->kill_frame);
    bool frame_ok_stall = e->stall_frame == 0 || (!e->warmup && e->stream && e->hook_frame >= e->stall_frame);
    if (rt->rank == e->kill_rank && block >= e->kill_block && frame_ok_kill) {
        fprintf(stderr, "halo run: test hook: rank %d (%s) exits at block %d\n", rt->rank, rt_dev_name(rt, rt->rank),
                block);
        fflush(stderr);
        _exit(1);
    }
    if (rt->rank == e->stall_rank && block >= e->stall_block && frame_ok_stall) {
        fprintf(stderr, "halo run: test hook: rank %d (%s) stalls at block %d\n", rt->rank, rt_dev_name(rt, rt->rank),
                block);
        fflush(stderr);
        /* it never wakes: without --adapt the source ends the job (MPI_Abort); with --adapt on it
         * is excluded, and once the source is over halo's launcher stops the mpirun it holds up */
        for (;;) halo_sleep_ms(1000);
    }
}

void rt_engine_abandon(struct halo_rt *rt)
{
    struct rt_engine *e = &rt->eng;
    for (int q = 0; e->slot && q < rt->job.n_slots; q++) {
        if (e->slot[q].frame < 0) continue;
        rt_wire_abandon(rt, q);
        rt_engine_slot_free_data(rt, q);
        e->slot[q].frame = -1;
    }
    /* the source's admissions to a dead rank never complete: let them go */
    for (int i = 0; rt->rank == 0 && e->admit_sreq && i < rt->size * e->admit_ring; i++)
        if (e->admit_sreq[i] != MPI_REQUEST_NULL && rt_dead(rt, i / e->admit_ring)) MPI_Request_free(&e->admit_sreq[i]);
    e->open = 0;
    e->last_event = halo_now_ms();
}

void rt_engine_clear(struct halo_rt *rt)
{
    for (int q = 0; rt->eng.slot && q < rt->job.n_slots; q++) {
        rt_engine_slot_free_data(rt, q);
        if (rt->eng.slot[q].frame >= 0) rt_wire_close(rt, q);
        rt->eng.slot[q].frame = -1;
    }
}
