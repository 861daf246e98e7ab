/* rt_adapt.h: the state of --adapt on and --link-trace (struct rt_adapt), private to rt_adapt.c
 * and rt_adapt_recover.c. */
#ifndef HALO_RT_ADAPT_H
#define HALO_RT_ADAPT_H

#include "runtime/rt_internal.h"

/* A new epoch's step to run once before its first frame (rt_adapt_warm.c). */
struct rt_warm {
    int var, step;
};

struct rt_adapt {
    struct halo_plan **own;       /* epochs 1.. (owned) */
    int n_own;
    /* links over time: a cluster of the plan's devices for the trace, its rates per frame */
    struct halo_cluster tc;
    struct halo_device *tdev;
    struct halo_channel *trace;
    double *bw;                   /* n_frames x nd x nd */
    const double **bw_frame;      /* [n_frames]; NULL without a trace and without --adapt on */
    int n_frames;
    /* the ranks but 0: a frame's timings on their way to the source, per slot */
    double **sbuf;
    MPI_Request *sreq;
    int sbuf_cap;
    /* the source: the controller */
    struct halo_cluster *c;
    struct halo_adapt *ctl;
    int *es, n_es;                /* plan device k is cluster device es[k - 1] */
    int *map;                     /* plan device -> cluster device */
    int next_var;
    double last_check;
    double *rbuf;
    size_t rbuf_cap;
    char *json;                   /* the last plan sent, until every rank has it */
    MPI_Request *psreq;
    struct halo_run_replan *log;
    int n_log;
    size_t log_cap;
    int n_checks;
    double check_sum, check_max;
    /* the source, wall clock, real links: each frame's message records in so far (a frame's links
     * are observed once all are), the observations taken and those skipped (receiver busy) */
    int *n_mrec;
    int n_link_obs, n_link_skip;
    /* dead ranks; the source: which frames' results are in (a recovery restarts from the first
     * that is not), and the recoveries */
    bool *dead;
    bool *got;
    double last_done_ms;          /* the stream's wall ms of the last result in */
    int n_got;
    struct halo_run_recovery *rec;
    int n_rec;
    size_t rec_cap;
    /* every rank, wall clock: the step shapes it has computed or warmed, and the new epochs' steps
     * still to warm (rt_adapt_warm.c) */
    uint64_t *seen;
    int n_seen;
    size_t seen_cap;
    struct rt_warm *warm;
    int n_warm;
    size_t warm_cap;
    int n_warmed;
    double warm_ms;
};

#endif
