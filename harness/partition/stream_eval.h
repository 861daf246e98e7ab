/* stream_eval: a plan under a stream of frames — the cost model's simulation of the stream
 * (partition/timeline.h) summed up by partition/stream_stats.h, with each device's utilisation and
 * each link's load; the steady-state period bound, a cheap figure for planners; and the two
 * objectives a planner may be asked to meet (the lowest latency that sustains a frame rate, the
 * highest throughput under a latency bound). Latency (a frame's arrival to its result) and period
 * (the steady-state time between results, 1 / throughput) are two figures, never one. Pure. */
#ifndef HALO_STREAM_EVAL_H
#define HALO_STREAM_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/link.h"
#include "partition/plan.h"
#include "partition/stream_stats.h"

/* Frames simulated when a caller names no count: enough for a steady state after the warm-up. */
#define HALO_STREAM_DEFAULT_FRAMES 100

struct halo_stream_opts {
    double fps;                     /* arrival rate; 0: as fast as possible (every frame there at 0) */
    enum halo_arrivals arrivals;
    uint64_t seed;                  /* Poisson arrivals' seed */
    int n_frames;                   /* 0: HALO_STREAM_DEFAULT_FRAMES (rounded up so that the steady-state
                                       window holds whole rotations of the plan's variants) */
    int inflight;                   /* frames admitted and not done at most; 0: halo_stream_default_inflight;
                                       < 0: no bound */
    int warmup;                     /* frames left out of the throughput; 0: halo_stream_default_warmup;
                                       < 0: none */
    double deadline_ms;             /* 0: none */
    const struct halo_link_model *link;   /* NULL: the plan's (halo_plan_link_model) */
    const double *const *bw_frame;  /* [n_frames] n_dev x n_dev Mbps, each frame's links; NULL: the plan's.
                                       Needs n_frames set. */
    const double *const *cap_frame; /* [n_frames] 2 * n_dev Mbps, each frame's access links (uplinks, then
                                       downlinks); NULL: halo_link_caps of the frame's links */
};

struct halo_stream_result {
    struct halo_stream_stats stats;
    int n_dev, n_frames, inflight;  /* what was simulated (inflight 0: no bound) */
    double *arrival_ms, *admit_ms, *done_ms; /* [n_frames] */
    double *util;                   /* [n_dev] compute busy / span */
    double *up_bytes_s, *down_bytes_s;     /* [n_dev] bytes per second over the span (messages that
                                              arrive within it) */
    double *up_busy, *down_busy;    /* [n_dev] fraction of the span the link carries a message */
    double period_bound_ms;         /* halo_plan_period_bound */
};

/* The bound on frames in flight a stream gets unless one is named: two per device that computes
 * (one computing, one receiving), at least 2. */
int halo_stream_default_inflight(const struct halo_plan *p);


/* Simulates plan p (derived: halo_plan_simulate or halo_plan_derive; its variants rotate frame by
 * frame) under the stream `o` and fills *r (its arrays allocated; halo_stream_result_free). Frames
 * as fast as possible are followed by `inflight` more, simulated and left out, so that the
 * reported ones leave a full pipeline (no drain at the end). Utilisation and loads are taken over
 * the span of the reported frames (first arrival to last result). */
enum halo_status halo_plan_stream(const struct halo_plan *p, const struct halo_stream_opts *o,
                                  struct halo_stream_result *r);
void halo_stream_result_free(struct halo_stream_result *r);

/* The steady-state period bound (ms): the busiest resource's time per frame, averaged over the
 * plan's variants — each device's compute, each uplink's and downlink's messages (as long as the
 * plan's link model holds a link for each: latency + bytes / bandwidth under FIFO, bytes / the
 * link's capacity under fair share). No stream runs faster; a pipeline whose resources overlap
 * perfectly runs at it. */
double halo_plan_period_bound(const struct halo_plan *p);

/* ---- objectives ------------------------------------------------------------------------------ */

enum halo_objective_kind {
    HALO_OBJECTIVE_LATENCY,    /* the lowest latency that sustains fps (fps 0: one frame alone) */
    HALO_OBJECTIVE_THROUGHPUT, /* the highest throughput whose latency stays <= deadline_ms (0: no bound) */
};

struct halo_objective {
    enum halo_objective_kind kind;
    double fps;                     /* LATENCY: the rate to sustain; 0: the single-frame latency */
    double deadline_ms;             /* THROUGHPUT: the latency bound; LATENCY: misses are counted */
    struct halo_stream_opts stream; /* frames, inflight, arrivals, seed, link model (fps and deadline
                                       are set per evaluation) */
};

/* A plan's figures under a stream, every one labelled by what it is. */
struct halo_stream_figures {
    double single_ms;          /* one frame alone (the plan's latency: variant 0's) */
    double throughput_fps;     /* frames as fast as possible, within the inflight bound: steady state */
    double period_ms;          /* 1000 / throughput_fps */
    double period_bound_ms;    /* halo_plan_period_bound */
    double rate_fps;           /* the arrival rate the latencies are taken at: the objective's fps
                                  (LATENCY); the highest rate whose p99 latency stays <= deadline_ms
                                  (THROUGHPUT with a deadline: the throughput it scores); else the
                                  plan's own throughput */
    double latency_p50_ms, latency_p99_ms, queue_mean_ms; /* arrival -> result at rate_fps */
    int deadline_misses, n_frames;
    bool sustains;             /* throughput_fps >= the objective's fps */
    bool feasible;             /* meets the objective's bound (sustains fps; latency p99 <= deadline) */
};

/* Evaluates plan p (derived) under objective o: a stream as fast as possible, then at the rate
 * (under a deadline, a bisection over rates: about 15 streams). */
enum halo_status halo_plan_figures(const struct halo_plan *p, const struct halo_objective *o,
                                   struct halo_stream_figures *f);

/* > 0 when a is better than b under o, < 0 when worse, 0 when equal: feasible before infeasible;
 * then latency p99 at fps (LATENCY with fps; single_ms without) or rate_fps (THROUGHPUT: the
 * throughput within the latency bound); an infeasible plan is the nearer the more it sustains
 * (LATENCY) or the lower its latency (THROUGHPUT). */
int halo_objective_compare(const struct halo_objective *o, const struct halo_stream_figures *a,
                           const struct halo_stream_figures *b);

/* "latency" or "throughput". */
const char *halo_objective_name(enum halo_objective_kind k);

#endif
