/* rt_adapt_warm: a rank that learns a new epoch's plan runs each of its new steps once, untimed, on
 * a zero input of the step's shape, while it has nothing else to do — so that the first frame of
 * the epoch it computes does not pay the backend's first use of the shape (oneDNN creates and
 * caches a primitive per shape: measured on the namespace testbed, an ES that had never computed
 * took 86-147 ms for a frame the others finish in ~20 ms). A shape is the step's node range,
 * tiling mode and input and output rects' sizes; one this rank has computed already (the first
 * plan's, through the stream's warm-up frames) is not run again. This queue is the wall clock's:
 * on the virtual clock ranks compute one at a time for their timings, and an untimed warm-up while
 * idle would run beside another rank's timed step; there a step of a new shape runs once untimed
 * just before its timed run, while its rank holds the clock's token (do_step, rt_adapt_unseen). */
#include "runtime/rt_internal.h"
#include "runtime/rt_adapt.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "exec/executor.h"

#include <stdlib.h>

static uint64_t shape_key(const struct halo_sched_step *sp)
{
    int32_t v[9] = {sp->first, sp->last, (int32_t)sp->mode, sp->in_c, sp->in.y1 - sp->in.y0, sp->in.x1 - sp->in.x0,
                    sp->out.y1 - sp->out.y0, sp->out.x1 - sp->out.x0, sp->in_producer};
    return halo_fnv1a(HALO_FNV1A_INIT, v, sizeof v);
}

static bool seen(const struct rt_adapt *ad, uint64_t key)
{
    for (int i = 0; i < ad->n_seen; i++)
        if (ad->seen[i] == key) return true;
    return false;
}

/* Adds the shape to those seen; false when it was seen already (or no room: then it is not run). */
static bool see(struct rt_adapt *ad, uint64_t key)
{
    if (seen(ad, key)) return false;
    if (halo_grow((void **)&ad->seen, &ad->seen_cap, (size_t)ad->n_seen + 1, sizeof *ad->seen)) return false;
    ad->seen[ad->n_seen++] = key;
    return true;
}

bool rt_adapt_unseen(const struct halo_rt *rt, const struct halo_sched_step *sp)
{
    return rt->job.adapt && rt->job.ad && !seen(rt->job.ad, shape_key(sp));
}

void rt_adapt_note_step(struct halo_rt *rt, const struct halo_sched_step *sp)
{
    if (rt->job.adapt && rt->job.ad) see(rt->job.ad, shape_key(sp));
}

enum halo_status rt_adapt_queue_warm(struct halo_rt *rt, int v)
{
    struct rt_adapt *ad = rt->job.ad;
    if (!ad || rt->job.opts.clock != HALO_CLOCK_WALL) return HALO_OK;
    const struct halo_sched *s = &rt->job.sv[v];
    for (int k = 0; k < s->n_step; k++) {
        if (s->step[k].device != rt->rank || !see(ad, shape_key(&s->step[k]))) continue;
        if (halo_grow((void **)&ad->warm, &ad->warm_cap, (size_t)ad->n_warm + 1, sizeof *ad->warm))
            return HALO_ERR_NOMEM;
        ad->warm[ad->n_warm++] = (struct rt_warm){v, k};
    }
    return HALO_OK;
}

bool rt_adapt_warm_pending(const struct halo_rt *rt) { return rt->job.ad && rt->job.ad->n_warm > 0; }

enum halo_status rt_adapt_warm_one(struct halo_rt *rt)
{
    struct rt_adapt *ad = rt->job.ad;
    if (!ad || ad->n_warm == 0) return HALO_OK;
    struct rt_warm w = ad->warm[0];
    ad->n_warm--;
    for (int i = 0; i < ad->n_warm; i++) ad->warm[i] = ad->warm[i + 1];
    const struct halo_sched_step *sp = &rt->job.sv[w.var].step[w.step];
    struct halo_tensor in = {0}, out = {0};
    HALO_TRY(halo_tensor_alloc(&in, sp->in_c, sp->in)); /* zeros: the values do not matter */
    double t = halo_now_ms();
    enum halo_status st = halo_exec_rect(rt->job.be, rt->job.g, sp->first, sp->last, sp->out, sp->mode, &in, &out);
    ad->warm_ms += halo_now_ms() - t;
    ad->n_warmed++;
    halo_tensor_free(&in);
    halo_tensor_free(&out);
    if (st != HALO_OK)
        halo_error_prefix("rank %d (%s): warming epoch %d's block %d part %d", rt->rank, rt_dev_name(rt, rt->rank),
                          w.var, sp->block, sp->part);
    return st;
}
