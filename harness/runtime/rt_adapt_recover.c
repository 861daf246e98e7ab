/* rt_adapt_recover: the recovery of a dead or stalled rank under --adapt on (moved from
 * rt_adapt.c): the source re-plans over the survivors and re-admits every frame whose result is not
 * in; the survivors abandon their frames in flight and take the stream up again. */
#include "runtime/rt_internal.h"
#include "runtime/rt_adapt.h"
#include "core/alloc.h"
#include "core/clock.h"

#include <math.h>
#include <stdio.h>

/* ---- a dead rank ---------------------------------------------------------------------------------- */

/* The source: the dead rank's steps and received messages of the frames it completed, where its
 * timings never came, as the plan has them (its records are lost with it). */
static void fill_dead(struct halo_rt *rt, int d, int upto)
{
    for (int f = 0; f < upto; f++) {
        const struct halo_sched *s = rt_sched_of(rt, f);
        const struct halo_plan *p = rt->job.var[rt_var_of(rt, f)];
        int64_t s0 = rt_step0(rt, f), m0 = rt_msg0(rt, f);
        for (int k = 0; k < s->n_step; k++) {
            const struct halo_sched_step *sp = &s->step[k];
            double *x = rt_rec_step(rt, s0 + k);
            if (sp->device == d && x[2] <= 0)
                x[2] = sp->block < p->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
        }
        for (int m = 0; m < s->n_msg; m++) {
            double *x = rt_rec_msg(rt, m0 + m);
            if (s->msg[m].to == d && s->msg[m].from != d && x[2] <= 0) x[2] = (double)s->msg[m].bytes;
        }
    }
}

static enum halo_status recover_source(struct halo_rt *rt)
{
    struct rt_adapt *ad = rt->job.ad;
    struct rt_engine *e = &rt->eng;
    struct rt_wait *w = &rt->wait;
    int d = w->dead_rank;
    w->dead_rank = 0;
    double t_detect = rt_rel(rt);
    ad->dead[d] = true;
    halo_adapt_mark_dead(ad->ctl, ad->map[d]);
    int r = e->taken;
    for (int f = 0; f < e->taken; f++)
        if (!ad->got[f]) {
            r = f;
            break;
        }
    /* the survivors' plan: the policy re-plans at once for a dead device */
    struct halo_plan *np = NULL;
    double t0 = halo_now_ms();
    double now = r < e->n_frames ? e->arrival_ms[r] : e->arrival_ms[e->n_frames - 1];
    HALO_TRY(halo_adapt_check(ad->ctl, now, rt->job.var[ad->next_var], &np));
    double plan_ms = halo_now_ms() - t0;
    if (!np) return halo_error(HALO_ERR_INTERNAL, "adapt: no plan over the survivors of rank %d", d);
    enum halo_status st = halo_plan_validate(np, rt->job.g, "re-plan");
    if (st == HALO_OK) st = rt_adapt_add_epoch(rt, np);
    if (st != HALO_OK) {
        halo_plan_free(np);
        return st;
    }
    struct halo_adapt_record *rec = halo_adapt_last(ad->ctl);
    rec->plan_ms = plan_ms;
    if (halo_grow((void **)&ad->log, &ad->log_cap, (size_t)ad->n_log + 1, sizeof *ad->log)) return HALO_ERR_NOMEM;
    ad->log[ad->n_log++] = (struct halo_run_replan){*rec, rt->job.n_var - 1, r, rt_dev_name(rt, d)};
    ad->next_var = rt->job.n_var - 1;
    fill_dead(rt, d, r);
    rt_engine_abandon(rt);
    rt->job.gen++;
    e->seq++;
    HALO_TRY(rt_adapt_broadcast_plan(rt, np));
    struct rt_recover_msg m = {d, r, rt->job.gen, e->seq};
    for (int k = 1; k < rt->size; k++) {
        if (ad->dead[k]) continue;
        MPI_Request req;
        MPI_TRY(MPI_Isend(&m, sizeof m, MPI_BYTE, k, TAG_RECOVER, rt->comm, &req));
        HALO_TRY(rt_wait_req(rt, &req, k, WAIT_SENDS));
    }
    /* every frame whose result is not in runs again, on the survivors' epoch, from the source's
     * copy of its input (frames are regenerated from their seed or image) */
    for (int f = r; f < ad->n_got; f++) ad->got[f] = false;
    e->taken = r;
    e->done = r;
    for (int k = 0; k < rt->size; k++) w->stall_for[k] = -1;
    w->stall_sent = false;
    if (halo_grow((void **)&ad->rec, &ad->rec_cap, (size_t)ad->n_rec + 1, sizeof *ad->rec)) return HALO_ERR_NOMEM;
    ad->rec[ad->n_rec++] = (struct halo_run_recovery){d, rt_dev_name(rt, d), r, rt->job.n_var - 1, t_detect, -1,
                                                      w->timeout_ms + fmax(300, 0.15 * w->timeout_ms),
                                                      ad->last_done_ms};
    fprintf(stderr, "halo run: adapt: rank %d (%s) dead or stalled, detected at %.0f ms: frames %d.. run again on "
                    "epoch %d over the survivors\n",
            d, rt_dev_name(rt, d), t_detect, r, rt->job.n_var - 1);
    return rt_token_reset(rt, r);
}

static enum halo_status recover_survivor(struct halo_rt *rt)
{
    struct rt_adapt *ad = rt->job.ad;
    struct rt_engine *e = &rt->eng;
    struct rt_wait *w = &rt->wait;
    struct rt_recover_msg m = w->recover;
    w->recover_in = false;
    w->dead_rank = 0;
    if (m.dead > 0 && m.dead < rt->size) ad->dead[m.dead] = true;
    rt_engine_abandon(rt);
    rt->job.gen = m.gen;
    e->seq = m.seq;
    e->taken = m.restart;
    w->stall_sent = false;
    HALO_TRY(rt_token_reset(rt, -1));
    return rt_engine_repost_admit(rt);
}

enum halo_status rt_adapt_recover(struct halo_rt *rt)
{
    if (!rt->job.adapt || !rt->job.ad) return HALO_ERR_INTERNAL;
    halo_error_clear();
    return rt->rank == 0 ? recover_source(rt) : recover_survivor(rt);
}
