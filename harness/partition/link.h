/* link: how messages occupy the links between devices, for the cost model (partition/timeline.h).
 * Every device has one uplink and one downlink; a message from a to b uses a's uplink and b's
 * downlink, with the pair's latency and bandwidth. A link model is event-driven: the cost model
 * submits each message at the moment its data is ready, and asks when the model's next event
 * is (a message arrives, or the model's own state changes). Models are found by name in one
 * table (link.c), one file per model; every model gives a message alone on its links latency +
 * bytes / bandwidth. */
#ifndef HALO_LINK_H
#define HALO_LINK_H

#include <stddef.h>
#include <stdint.h>

/* One message on the wire (from != to: a local copy never reaches a link model). */
struct halo_link_xfer {
    int from, to;             /* devices */
    int64_t bytes;
    double lat_ms, bw_mbps;   /* the pair's link as the message's frame sees it */
    double up_mbps, down_mbps; /* the sender's uplink and the receiver's downlink capacities as the
                                  frame sees them (>= bw_mbps; models that share links use them) */
    double ready_ms;          /* the sender holds the data: when it was submitted */
    double start_ms, end_ms;  /* set by the model: when the message is on its links (from its
                                 latency on) and when the receiver holds it (end_ms >= ready_ms) */
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
    /* When the model's next event is: a message in flight arrives, or the model's own state
     * changes (INFINITY when nothing is in flight). The caller visits every event: it submits
     * nothing at a time later than next_end() before it has popped there. */
    double (*next_end)(const void *state);
    /* At time next_end(): removes and returns a message that arrives then (its start_ms and end_ms
     * set), or NULL when none does (the event was the model's own, or nothing is in flight);
     * call again while next_end() is that time. */
    struct halo_link_xfer *(*pop)(void *state);
    /* How long message x alone keeps its sender's uplink (*up_ms) and its receiver's downlink
     * (*down_ms) from other messages: no link carries a frame faster than the sum over its
     * messages (the period bound, partition/stream_eval.h). */
    void (*hold)(const struct halo_link_xfer *x, double *up_ms, double *down_ms);
};

/* FIFO: one message at a time per uplink and per downlink, in the order submitted (a later
 * message never overtakes an earlier one on a link); a message holds both links for latency +
 * bytes * 8e-3 / bandwidth ms (link_fifo.c). */
extern const struct halo_link_model halo_link_fifo;
/* Fair share (TCP): a message waits its latency, then its bytes share the sender's uplink, the
 * receiver's downlink and the pair's path max-min fairly with the other messages whose bytes
 * flow, rates recomputed at every start and arrival; the latency takes no capacity
 * (link_fair.c). */
extern const struct halo_link_model halo_link_fair;
/* MPI over TCP (link_fair.c): as fair share, but every pair of devices is one in-order byte stream
 * (MPI's TCP connection between two ranks), so a message's bytes wait for those sent before them
 * to the same receiver; the pairs' streams share the links. It assumes every message is sent
 * eagerly, as halo's launcher sets Open MPI up to do (a message above the eager limit would wait
 * for its receiver to poll before its bytes flow, which no link model knows). */
extern const struct halo_link_model halo_link_tcp;

/* The link model called `name`, or NULL when there is none. */
const struct halo_link_model *halo_link_model_find(const char *name);
/* The model plans are predicted with unless one is named: FIFO. */
const struct halo_link_model *halo_link_model_default(void);
/* The i-th model of the table (NULL past the end), for listings. */
const struct halo_link_model *halo_link_model_at(int i);
/* The models' names as "fifo|fair|tcp", for usage lines and errors. */
const char *halo_link_model_names(void);

#endif
