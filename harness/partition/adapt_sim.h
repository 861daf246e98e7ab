/* adapt_sim: a stream in the cost model while the world changes under it — link rates that follow a
 * trace over time, devices that slow down for a while (stragglers) — run on one plan throughout
 * (static) or re-planned by partition/adapt.h (adaptive): the controller sees each frame's step and
 * link times when its result is in, checks at most every check_ms, and a plan it adopts runs from
 * the next frame admitted (frames in flight finish on theirs). Frame f sees the links and speeds
 * of its arrival time throughout (the model's granularity: a frame's transfers and steps are not
 * split at a change). What halo sim --adapt reports; pure (the planning time is taken with the
 * caller's clock, when it gives one). */
#ifndef HALO_ADAPT_SIM_H
#define HALO_ADAPT_SIM_H

#include <stdbool.h>

#include "partition/adapt.h"
#include "partition/channel.h"
#include "partition/stream_eval.h"

/* Cluster device `device` computes `factor` times slower in [t0_ms, t1_ms) of the stream. */
struct halo_straggler {
    int device;
    double factor, t0_ms, t1_ms;
};

struct halo_adapt_sim_in {
    const struct halo_graph *g;
    const struct halo_cluster *c;
    const int *es;                      /* the run's ESs (cluster indices): plan device k is es[k - 1] */
    int n_es;
    const struct halo_plan *plan;       /* the first plan (devices named as in the cluster, ESs among
                                           es[]), without variants; rebuilt over the run's devices */
    const struct halo_channel *trace;   /* rates over time (halo_channel_rates_at); NULL: the cluster's */
    const struct halo_straggler *strag;
    int n_strag;
    struct halo_stream_opts stream;     /* fps (> 0), arrivals, seed, n_frames, inflight, deadline, link */
    struct halo_objective objective;    /* what re-planning plans for */
    bool adaptive;
    struct halo_adapt_opts adapt;
    double check_ms;                    /* at least this long between checks (> 0) */
    double (*clock_ms)(void);           /* times each check (NULL: plan_ms stays -1) */
};

struct halo_adapt_sim_out {
    int n_frames;
    double *arrival_ms, *admit_ms, *done_ms; /* [n_frames] */
    int *plan_of;                       /* [n_frames]: the plan (index into plans) frame f ran */
    struct halo_plan **plans;           /* [n_plans]: the first plan's copy, then each adopted one */
    int n_plans;
    struct halo_adapt_record *log;      /* [n_log]: the adopted re-plans */
    int n_log, n_checks;
    double check_ms_max, check_ms_sum;  /* planning time of every check (not only adopted ones) */
    struct halo_stream_stats stats;     /* over the whole stream (deadline: the stream options') */
};

/* Runs the stream; *out's arrays are allocated (halo_adapt_sim_out_free). */
enum halo_status halo_adapt_sim_run(const struct halo_adapt_sim_in *in, struct halo_adapt_sim_out *out);
void halo_adapt_sim_out_free(struct halo_adapt_sim_out *o);

/* The factor by which cluster device d computes slower at t_ms (1: not slowed; overlapping windows
 * multiply). */
double halo_straggler_factor(const struct halo_straggler *s, int n, int d, double t_ms);

#endif
