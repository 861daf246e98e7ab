/* vclock: the virtual clock's timeline. Replays a plan's schedule with given compute durations
 * and message sizes through the cost model (partition/timeline.h) — the very simulation that
 * predicts the plan (halo_plan_simulate). With the plan's own compute_ms and bytes it reproduces
 * the plan's prediction; with measured durations it is the virtual-clock run. */
#ifndef HALO_VCLOCK_H
#define HALO_VCLOCK_H

#include "partition/plan.h"
#include "partition/schedule.h"
#include "partition/timeline.h"

struct halo_vclock {
    double total_ms;       /* the source holds the logits */
    double *step_start;    /* per step: compute interval */
    double *step_end;
    double *msg_start;     /* per message: link interval (local copies: start = end = ready) */
    double *msg_end;
    int64_t bytes_moved;   /* over the links */
    int n_events;
    struct halo_plan_event *events; /* COMPUTE per step, SEND + RECV per wire message */
};

/* Replays the schedule. step_ms[n_step]: each step's compute duration on its device (already
 * scaled by the device's speed); msg_bytes[n_msg]: bytes each message puts on its link (NULL: the
 * plan's prediction). Links: the plan's bw_mbps and lat_ms, the default link model. Only steps
 * before the first one whose duration is unknown matter for the earlier steps' times (the replay
 * is causal). */
enum halo_status halo_vclock_replay(const struct halo_plan *p, const struct halo_sched *s, const double *step_ms,
                                    const int64_t *msg_bytes, struct halo_vclock *out);
void halo_vclock_free(struct halo_vclock *v);

/* halo_timeline_device_times (partition/timeline.h) gives a replay's per-device compute, receive,
 * send and idle ms. */

#endif
