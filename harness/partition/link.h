/* link: how messages occupy the links between devices, for the cost model (partition/timeline.h).
 * Every device has one uplink and one downlink; a message from a to b uses a's uplink and b's
 * downlink, with the pair's latency and bandwidth. A link model is event-driven: the cost model
 * submits each message at the moment its data is ready, and asks when the next one arrives.
 * Models are found by name in one table (link.c), one file per model. */
#ifndef HALO_LINK_H
#define HALO_LINK_H

#include <stddef.h>
#include <stdint.h>

/* One message on the wire (from != to: a local copy never reaches a link model). */
struct halo_link_xfer {
    int from, to;             /* devices */
    int64_t bytes;
    double lat_ms, bw_mbps;   /* the pair's link as the message's frame sees it */
    double ready_ms;          /* the sender holds the data: when it was submitted */
    double start_ms, end_ms;  /* set by the model: when the message starts to occupy its links and
                                 when the receiver holds it (end_ms >= ready_ms) */
    int id;                   /* the caller's, untouched */
};

/* A link model: a const table of functions (one per model, in its own file). Its state (the
 * links' occupancy and the messages in flight) is memory the caller owns, sized by state_size
 * for n_dev devices and at most max_xfers messages in flight at once. */
struct halo_link_model {
    const char *name;         /* as named in options and output */
    const char *help;         /* one line: what it assumes */
    size_t (*state_size)(int n_dev, int max_xfers);
    /* every link idle, nothing in flight */
    void (*reset)(void *state, int n_dev, int max_xfers);
    /* x is ready at x->ready_ms, which is no earlier than the previous submit's (the cost model
     * submits in time order; messages ready at one time in the order they are to be served). The
     * model keeps the pointer until it returns it from pop. */
    void (*submit)(void *state, struct halo_link_xfer *x);
    /* When the next message in flight arrives (INFINITY when none is in flight). */
    double (*next_end)(const void *state);
    /* Removes and returns a message whose end_ms is next_end() (its start_ms and end_ms set);
     * NULL when none is in flight. */
    struct halo_link_xfer *(*pop)(void *state);
};

/* FIFO: one message at a time per uplink and per downlink, in the order submitted (a later
 * message never overtakes an earlier one on a link); a message holds both links for latency +
 * bytes * 8e-3 / bandwidth ms (link_fifo.c). */
extern const struct halo_link_model halo_link_fifo;

/* The link model called `name`, or NULL when there is none. */
const struct halo_link_model *halo_link_model_find(const char *name);
/* The model plans are predicted with unless one is named: FIFO. */
const struct halo_link_model *halo_link_model_default(void);
/* The i-th model of the table (NULL past the end), for listings. */
const struct halo_link_model *halo_link_model_at(int i);

#endif
