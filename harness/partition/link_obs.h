/* link_obs: real links observed against the cost model. A message's time from its post to its
 * receipt on a real link is not its link's rate: it shares the sender's uplink, the receiver's
 * downlink and its pair with the frame's other messages. Replaying the frame's messages through
 * the link model the plan was predicted with (each submitted at its measured post time) gives each
 * one's predicted receipt; a link that runs at the rate the prediction used then takes as long as
 * predicted, whatever the sharing, and one that runs at half the rate takes twice as long. Pure: no
 * clocks, no I/O. */
#ifndef HALO_LINK_OBS_H
#define HALO_LINK_OBS_H

#include <stdint.h>

#include "core/status.h"
#include "partition/link.h"

/* One message of a frame as the ranks measured it. */
struct halo_link_obs {
    int from, to;       /* devices (from != to) */
    int64_t bytes;
    double post_ms;     /* when the sender posted it (a timeline common to every device) */
    double pred_ms;     /* set by halo_link_predict: when the model has the receiver hold it */
};

/* Runs link model m (NULL: the default) on n_dev devices — lat_ms and bw_mbps the pairs' latency
 * and bandwidth (n_dev x n_dev, row = sender), up_mbps and down_mbps each device's access link
 * capacities (n_dev each; NULL: each pair's own bandwidth, i.e. no sharing between pairs) — over
 * the n messages x, each submitted at its post_ms (those posted at one time in the order given),
 * and sets each one's pred_ms. x's order is kept. HALO_ERR_INVALID on a device out of range, a
 * local message or a non-positive rate; HALO_ERR_NOMEM. */
enum halo_status halo_link_predict(const struct halo_link_model *m, int n_dev, const double *lat_ms,
                                   const double *bw_mbps, const double *up_mbps, const double *down_mbps,
                                   struct halo_link_obs *x, int n);

/* The rate (Mbps) a message showed on a real link, relative to the model: rate_mbps (the pair's
 * rate that the prediction used) x the predicted over the measured interval, each from the post,
 * the latency lat_ms taken off both (latency is not a rate); -1 when the measured interval is not
 * past the latency or the predicted one is not (nothing to tell a rate from). */
double halo_link_obs_rate(double rate_mbps, double lat_ms, double post_ms, double pred_ms, double recv_ms);

#endif
