/* timeline: the cost model. A stream of frames — each frame a plan's schedule of steps and
 * messages — simulated event by event over the resources it uses: each device's compute, each
 * device's uplink and downlink (through a link model, partition/link.h). One frame is the special
 * case that every plan's prediction is (halo_plan_timeline: the planners, halo sim); a run's
 * virtual clock (halo_vclock_replay, the stream runtime) replays the same simulation with measured
 * durations, so prediction and replay agree exactly.
 *
 * The rules. Frame f arrives at arrival[f] and is admitted when at most inflight - 1 frames are
 * admitted and not done (it queues at the source until then). A message is ready when the sender
 * holds its data: the image at admission, a part's output when its step ends, a gathered block's
 * output when all its gathers have arrived; it is then submitted to the link model (a local copy,
 * from == to, arrives at once). A step is ready when all its input pieces have arrived; a device
 * computes one step at a time and, when it is free, starts the ready step of the oldest frame
 * (within a frame, the first in schedule order) — so frame f + 1's first block may run on one
 * device while frame f's later blocks run on others. Messages ready at the same time are submitted
 * oldest frame first, then in schedule order. A frame is done when the source holds its logits.
 * How messages share the links is the link model's (partition/link.h): the stream's if it names
 * one, else its first plan's, else the default. */
#ifndef HALO_TIMELINE_H
#define HALO_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "partition/link.h"
#include "partition/plan.h"
#include "partition/schedule.h"

/* ---- a stream ------------------------------------------------------------------------------ */

struct halo_stream_in {
    /* the plan's variants over the same devices: frame f runs variant f % n_var (most plans have
     * one; a round robin has one per ES) */
    const struct halo_plan *const *plans;
    const struct halo_sched *const *scheds;
    int n_var;
    const int *variant;             /* [n_frames]: the variant frame f runs (a stream that changes plan
                                       at a frame boundary); NULL: f % n_var. With it, the per-frame
                                       arrays below are indexed by halo_stream_step0_of / msg0_of */
    int n_frames;
    const double *arrival_ms;       /* [n_frames], non-decreasing; NULL: every frame at 0 */
    int inflight;                   /* frames admitted and not done at most; 0: no bound */
    const double *const *bw_frame;  /* [n_frames]: each frame's n_dev x n_dev Mbps; NULL: its plan's */
    const double *const *cap_frame; /* [n_frames]: each frame's access link capacities, 2 * n_dev Mbps
                                       (uplinks, then downlinks); NULL: halo_link_caps of the frame's
                                       links */
    const double *step_ms;          /* each frame's steps' durations (at halo_stream_step0(f)); NULL: the plans' */
    const int64_t *msg_bytes;       /* each frame's messages' bytes (at halo_stream_msg0(f)); NULL: the schedules' */
    const struct halo_link_model *link; /* NULL: the first plan's (halo_plan_link_model) */
};

/* What a stream gives back. The caller sets the arrays it wants (NULL: not wanted; sizes in
 * brackets) and, for events, `record` and a buffer to reuse (or NULL, 0). */
struct halo_stream_out {
    double *admit_ms, *done_ms;         /* [n_frames] */
    double *step_start, *step_end;      /* [halo_stream_step0(n_frames)] */
    double *msg_start, *msg_end;        /* [halo_stream_msg0(n_frames)]: a local copy: both its ready time */
    double *compute_busy_ms;            /* [n_dev]: time each device computes */
    double *up_busy_ms, *down_busy_ms;  /* [n_dev]: time each uplink / downlink carries a message */
    int64_t *up_bytes, *down_bytes;     /* [n_dev] */
    double end_ms;                      /* the last frame is done */
    int64_t bytes_moved;                /* over the links (local copies excluded) */
    bool record;                        /* list the events (each with its frame) */
    struct halo_plan_event *events;     /* grown as needed (the caller owns and frees it) */
    int n_events;
    size_t events_cap;
};

/* Simulates the stream. Errors: HALO_ERR_NOMEM, HALO_ERR_INVALID for inputs that break the rules
 * above (arrivals that go back in time, a schedule that can never finish). */
enum halo_status halo_stream_run(const struct halo_stream_in *in, struct halo_stream_out *out);

/* Where frame f's steps / messages start in the per-frame arrays of a stream over these variants
 * (f = n_frames: the total). */
int64_t halo_stream_step0(const struct halo_sched *const *scheds, int n_var, int f);
int64_t halo_stream_msg0(const struct halo_sched *const *scheds, int n_var, int f);

/* The same for a stream whose frames run variant[f]. */
int64_t halo_stream_step0_of(const struct halo_sched *const *scheds, const int *variant, int f);
int64_t halo_stream_msg0_of(const struct halo_sched *const *scheds, const int *variant, int f);

/* ---- one frame ------------------------------------------------------------------------------- */

struct halo_timeline_in {
    const struct halo_plan *plan;       /* devices, links, the parts' compute_ms and macs */
    const struct halo_sched *sched;     /* the frame: the plan's schedule */
    const double *bw_mbps;              /* n_dev x n_dev Mbps; NULL: the plan's */
    const double *cap_mbps;             /* 2 * n_dev Mbps, access links (uplinks, then downlinks);
                                           NULL: halo_link_caps */
    const double *step_ms;              /* each step's compute duration; NULL: the plan's compute_ms */
    const int64_t *msg_bytes;           /* each message's bytes on its link; NULL: the schedule's */
    const struct halo_link_model *link; /* NULL: the plan's (halo_plan_link_model) */
};

/* What one frame gives back: as halo_stream_out for a stream of one frame arriving at 0. */
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

/* Simulates one frame (halo_stream_run with one frame, arriving at 0). */
enum halo_status halo_timeline_run(const struct halo_timeline_in *in, struct halo_timeline_out *out);

/* The access link capacities (Mbps) the cost model gives a link model for plan p's devices on
 * links bw (n_dev x n_dev Mbps; NULL: the plan's own): cap (2 * n_dev: uplinks, then downlinks)
 * when given; else the plan's device rates when bw is the plan's own links (rates of 0, from an
 * older plan, count as unknown); else derived from bw. Each is raised to the fastest pair through
 * it, so that a message alone on its links gets its pair's bandwidth; unknown ones are that
 * fastest pair (a device whose uplink is faster than every other's downlink then looks slower
 * than it is: plans carry their device rates for that reason). up and down hold n_dev each. */
void halo_link_caps(const struct halo_plan *p, const double *bw, const double *cap, double *up, double *down);

/* Compute, receive, send and idle ms of device k over a timeline of `total_ms` (idle: time in
 * [0, total] when the device neither computes nor moves data). */
void halo_timeline_device_times(const struct halo_plan_event *ev, int n_events, double total_ms, int k,
                                double *compute_ms, double *recv_ms, double *send_ms, double *idle_ms);

#endif
