/* sim: Monte Carlo of end-to-end latency under a time-variant channel and varying image sizes:
 * per draw a size and the links' rates are sampled, and the plan's timeline re-run with them.
 * Failure probability P(latency > deadline) with a 95 % Wilson interval. Pure and reproducible:
 * the same seed gives the same numbers bit for bit, and every method sees the same draws. */
#ifndef HALO_SIM_H
#define HALO_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/channel.h"
#include "partition/plan.h"

/* The bandwidth matrix (plan devices, Mbps) of one draw: the plan's own links for a static
 * channel; min(uplink of a, downlink of b) of the sampled access rates otherwise. dev_map[k] is
 * plan device k's cluster index. cap (NULL: not wanted) gets the draw's access link capacities,
 * 2 * n_dev (uplinks, then downlinks), for link models that share links. */
void halo_sim_bandwidths(const struct halo_plan *p, const struct halo_cluster *c, const struct halo_channel *ch,
                         const int *dev_map, uint64_t seed, uint64_t draw, double *bw, double *cap);

/* Plan device k's cluster index, for every k; error when a plan device is not in the cluster. */
enum halo_status halo_sim_device_map(const struct halo_plan *p, const struct halo_cluster *c, int *dev_map);

/* Which of n_sizes sizes draw `draw` uses (uniform; the same for every method). */
int halo_sim_size_index(uint64_t seed, uint64_t draw, int n_sizes);

/* Latencies (ms) of draws [0, n) for plans[size index] (one plan per size, each with dev_maps); a
 * plan that rotates over variants runs draw i on its variant i, as a stream runs frame i. */
/* Draws [first, first + n) only, into latency_ms[0..n): a long simulation in chunks. */
enum halo_status halo_sim_run_from(struct halo_plan *const *plans, int *const *dev_maps, int n_sizes,
                                   const struct halo_cluster *c, const struct halo_channel *ch, uint64_t seed,
                                   int64_t first, int64_t n, double *latency_ms);
enum halo_status halo_sim_run(struct halo_plan *const *plans, int *const *dev_maps, int n_sizes,
                              const struct halo_cluster *c, const struct halo_channel *ch, uint64_t seed, int64_t n,
                              double *latency_ms);

/* 95 % Wilson score interval of `failures` out of `n`. */
void halo_wilson(int64_t failures, int64_t n, double *lo, double *hi);

#endif
