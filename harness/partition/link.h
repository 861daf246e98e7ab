/* link: how messages occupy the links between devices, for the cost model (partition/timeline.h).
 * A link model turns a batch of messages, each ready at some time, into the interval each one
 * spends on the wire; models are found by name in one table (link.c), one file per model.
 * Every device has one uplink and one downlink; a message from a to b uses a's uplink and b's
 * downlink, and the pair's latency and bandwidth (the plan's n_dev x n_dev matrices). */
#ifndef HALO_LINK_H
#define HALO_LINK_H

#include <stddef.h>
#include <stdint.h>

/* The links of one frame: n_dev x n_dev matrices, row = sender, column = receiver. */
struct halo_link_env {
    int n_dev;
    const double *lat_ms;
    const double *bw_mbps;
};

/* One message on the wire (from != to: a local copy never reaches a link model). */
struct halo_link_xfer {
    int from, to;             /* devices */
    int64_t bytes;
    double ready_ms;          /* the sender holds the data */
    double start_ms, end_ms;  /* set by the model: when the message starts to occupy its links and
                                 when the receiver holds it */
};

/* A link model: a const table of functions (one per model, in its own file). Its state (the
 * links' occupancy during a frame) is memory the caller owns and sizes with state_size. */
struct halo_link_model {
    const char *name;         /* as named in options and output */
    const char *help;         /* one line: what it assumes */
    /* bytes of state for n_dev devices (a multiple of sizeof(double)) */
    size_t (*state_size)(int n_dev);
    /* every link idle at time 0: the start of a frame */
    void (*reset)(void *state, int n_dev);
    /* issues x[0..n), in that order (the cost model's issue order: a block's inputs by data-ready
     * time, then its gathers by part, then the result), and sets each start_ms and end_ms. The
     * state keeps what later batches must wait for. */
    void (*send)(void *state, const struct halo_link_env *env, struct halo_link_xfer *x, int n);
};

/* FIFO: one message at a time per uplink and per downlink, in issue order; a message takes
 * latency + bytes * 8e-3 / bandwidth ms (link_fifo.c). */
extern const struct halo_link_model halo_link_fifo;

/* The link model called `name`, or NULL when there is none. */
const struct halo_link_model *halo_link_model_find(const char *name);
/* The model plans are predicted with unless one is named: FIFO. */
const struct halo_link_model *halo_link_model_default(void);
/* The i-th model of the table (NULL past the end), for listings. */
const struct halo_link_model *halo_link_model_at(int i);

#endif
