/* channel: time-variant link rates for reliability studies. Static (the cluster's bandwidths),
 * Rayleigh block fading (per access link and inference: rate = W * log2(1 + SNR * |h|^2),
 * |h|^2 ~ Exp(1)), or a trace (a CSV of rates over time). Seeded and reproducible: draw i of
 * seed s is the same on every run and platform. */
#ifndef HALO_CHANNEL_H
#define HALO_CHANNEL_H

#include <stdint.h>

#include "core/rng.h"
#include "partition/cluster.h"

enum halo_channel_model { HALO_CHANNEL_STATIC, HALO_CHANNEL_RAYLEIGH, HALO_CHANNEL_TRACE };

struct halo_trace_row {
    double time_s;
    int device;
    double up_mbps, down_mbps;
    int line;               /* in the trace file */
};

struct halo_channel {
    enum halo_channel_model model;
    int n;                  /* cluster devices */
    double *w_mhz, *snr;    /* Rayleigh, per device: bandwidth W (MHz) and mean SNR (linear) */
    double interval_s;      /* trace: time between consecutive inferences */
    int n_rows;             /* trace rows, sorted by device, then time */
    struct halo_trace_row *rows;
    int *first_row;         /* trace: device d's rows are rows[first_row[d] .. first_row[d + 1]) */
    double period_s;        /* trace: its length; draws wrap around */
};

/* The cluster's channel model (static when the cluster has none). Errors name the cluster file
 * and field; a trace file is read relative to the cluster file's folder, then the working dir. */
enum halo_status halo_channel_new(const struct halo_cluster *c, struct halo_channel **out);
void halo_channel_free(struct halo_channel *ch);

/* A trace channel for cluster c read from `path` alone (halo run --link-trace, halo sim
 * --link-trace): the trace CSV's format and checks, rates of the cluster's kind. */
enum halo_status halo_channel_trace_load(const struct halo_cluster *c, const char *path, struct halo_channel **out);

/* The access-link rates (Mbps) of every cluster device at time t_s (seconds) of a trace: each
 * device's latest row at or before t_s, the cluster's own rates before its first row; the last
 * row holds after the trace's end (no wrap-around: a stream outlasting its trace keeps the last
 * rates). Any other model: as halo_channel_sample's draw 0. */
void halo_channel_rates_at(const struct halo_channel *ch, const struct halo_cluster *c, double t_s, double *up_mbps,
                           double *down_mbps);

/* The access-link rates (Mbps) of every cluster device for draw `draw` of `seed`. */
void halo_channel_sample(const struct halo_channel *ch, const struct halo_cluster *c, uint64_t seed, uint64_t draw,
                         double *up_mbps, double *down_mbps);

/* An independent, reproducible stream for (seed, draw, stream). */
void halo_channel_rng(struct halo_rng *r, uint64_t seed, uint64_t draw, uint64_t stream);

/* Rayleigh rate (Mbps) for bandwidth w_mhz, mean SNR (linear) and fading power h2. */
double halo_rayleigh_rate(double w_mhz, double snr, double h2);

#endif
