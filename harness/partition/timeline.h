/* timeline: the cost model. One frame of a plan — its schedule's steps and messages — simulated
 * over the resources it uses: each device's compute, each device's uplink and downlink (through a
 * link model, partition/link.h). A plan's prediction (halo_plan_timeline: the planners, halo sim)
 * and a run's virtual clock (halo_vclock_replay) are both this simulation, so they agree exactly.
 *
 * The frame, block by block (the tail is block n_blocks): the block's input messages are issued
 * in order of data-ready time (ties: by part, then by piece); each part computes once its inputs
 * have arrived and its device is free, parts in order; then, for a gathered block, every part's
 * output goes to the source, in part order. Last, the logits go from the tail's device to the
 * source; the frame ends when they arrive. */
#ifndef HALO_TIMELINE_H
#define HALO_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "partition/link.h"
#include "partition/plan.h"
#include "partition/schedule.h"

struct halo_timeline_in {
    const struct halo_plan *plan;       /* devices, links, the parts' compute_ms and macs */
    const struct halo_sched *sched;     /* the frame: the plan's schedule */
    const double *bw_mbps;              /* n_dev x n_dev Mbps; NULL: the plan's */
    const double *step_ms;              /* each step's compute duration; NULL: the plan's compute_ms */
    const int64_t *msg_bytes;           /* each message's bytes on its link; NULL: the schedule's */
    const struct halo_link_model *link; /* NULL: halo_link_model_default() */
};

/* What a run gives back. The caller sets the optional arrays (NULL: not wanted) and, for events,
 * `record` and a buffer to reuse (or NULL, 0); halo_timeline_run fills the rest. */
struct halo_timeline_out {
    double total_ms;          /* the source holds the logits */
    int64_t bytes_moved;      /* over the links (local copies excluded) */
    double *step_start, *step_end; /* [n_step]: each step's compute interval */
    double *msg_start, *msg_end;   /* [n_msg]: each message's link interval; a local copy: both its ready time */
    bool record;              /* list the events: COMPUTE per step, SEND + RECV per message on a link */
    struct halo_plan_event *events; /* grown as needed (the caller owns and frees it) */
    int n_events;
    size_t events_cap;
};

/* Simulates the frame. One allocation per call, none per message (halo sim runs it ~10^5 times).
 * Causal: a step's times depend only on the durations of the steps and messages it waits for. */
enum halo_status halo_timeline_run(const struct halo_timeline_in *in, struct halo_timeline_out *out);

/* Compute, receive, send and idle ms of device k over a timeline of `total_ms` (idle: time in
 * [0, total] when the device neither computes nor moves data). */
void halo_timeline_device_times(const struct halo_plan_event *ev, int n_events, double total_ms, int k,
                                double *compute_ms, double *recv_ms, double *send_ms, double *idle_ms);

#endif
