/* stream_stats: the figures that describe a stream of frames, from when each frame arrived, was
 * admitted and was done — predicted (the cost model) or measured (a run) alike, by one function.
 * Latency is a frame's arrival to its result; queueing (arrival to admission, waiting for a place
 * among the frames in flight) is reported apart; the period is the steady-state time between
 * results (1 / throughput), over the frames after a warm-up. */
#ifndef HALO_STREAM_STATS_H
#define HALO_STREAM_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

struct halo_stream_stats {
    int n_frames;
    int warmup;                /* frames left out of the steady state at the start */
    double throughput_fps;     /* steady state: results per second after the warm-up */
    double period_ms;          /* 1000 / throughput_fps */
    double latency_p50_ms, latency_p90_ms, latency_p99_ms, latency_max_ms, latency_mean_ms; /* arrival -> result */
    double inference_p50_ms;   /* admission -> result */
    double queue_mean_ms, queue_p90_ms, queue_max_ms; /* arrival -> admission */
    double deadline_ms;        /* 0: none */
    int deadline_misses;       /* frames whose latency exceeds deadline_ms (all frames, warm-up included) */
    double span_ms;            /* first arrival to last result */
};

/* The warm-up a stream of n frames leaves out by default: a tenth, at least 1 when n >= 3, at
 * most 20. */
int halo_stream_default_warmup(int n_frames);

/* Fills *st from arrival/admit/done [n] (ms, one clock). warmup < 0: the default. Latency
 * percentiles are over all frames (the warm-up's included: a deadline holds for every frame);
 * throughput over the frames after the warm-up (needs at least two of them, else it is taken over
 * all frames from the first arrival). HALO_ERR_INVALID for n < 1 or times out of order. */
enum halo_status halo_stream_stats(const double *arrival_ms, const double *admit_ms, const double *done_ms, int n,
                                   int warmup, double deadline_ms, struct halo_stream_stats *st);

enum halo_arrivals {
    HALO_ARRIVALS_PERIODIC, /* frame f at f / fps */
    HALO_ARRIVALS_POISSON,  /* exponential gaps of mean 1 / fps, frame 0 at 0 (seeded) */
};

/* Arrival times [n] (ms) of a stream at `fps` by `arrivals` (fps <= 0: every frame at 0, as fast as
 * possible); the same seed, the same times — the runtime and the cost model draw them alike. */
void halo_stream_arrivals(enum halo_arrivals arrivals, double fps, uint64_t seed, int n, double *arrival_ms);

#endif
