/* schedule: one frame of a plan as steps and messages — the compute steps in one global order
 * (blocks in order, parts in order, then the tail) and every message (input pieces, gathers, the
 * result) with sender, receiver, rect and the moment the sender holds it. The cost model
 * (partition/timeline.h) simulates it; the runtime executes it. Pure and deterministic: every rank
 * builds the same table, so a message's index identifies (block, part, source piece). */
#ifndef HALO_SCHEDULE_H
#define HALO_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "model/graph.h"
#include "model/rf.h"

struct halo_plan;

enum halo_sched_kind {
    HALO_SCHED_INPUT,  /* a piece of a part's input rect (sources[piece] of the part) */
    HALO_SCHED_GATHER, /* a part's output to the source after a gathered block */
    HALO_SCHED_RESULT, /* the logits from the tail's device to the source */
};

/* What the cost model reads comes first (one cache line), what the runtime cuts and codes after. */
struct halo_sched_msg {
    enum halo_sched_kind kind;
    int block;          /* INPUT: the consuming block (n_blocks: the tail); GATHER: the gathered block;
                           RESULT: n_blocks */
    int part, piece;    /* INPUT: part and source index; GATHER: part; RESULT: 0, 0 */
    int from, to;       /* plan devices; from == to is a local copy that never touches a link */
    int step;           /* INPUT: the step that consumes it; GATHER, RESULT: -1 */
    int ready_step;     /* the sender holds it after this step's compute; -1: see ready_gather */
    int ready_gather;   /* -1, or the sender (the source) holds it once block ready_gather is gathered;
                           both -1: held from the start (the image); for the RESULT of a plan without
                           a tail step, once every step of the last block has ended */
    int64_t bytes;      /* bytes on the link as the plan predicts them (raw or codec ratio) */
    int producer;       /* node whose output tensor `rect` is a rect of (HALO_INPUT: the image) */
    int c;              /* channels of that tensor */
    struct halo_rect rect;
    bool compressed;    /* travels through the ADCNN codec */
};

struct halo_sched_step {
    int block, part;    /* block == n_blocks: the tail */
    int device;
    int first, last;    /* node range */
    enum halo_tile_mode mode;
    struct halo_rect out, in;
    int in_producer, in_c; /* the input tensor: producer node (HALO_INPUT: the image), channels */
    int msg0, n_msg;    /* its input pieces: msg[msg0 .. msg0 + n_msg) in source order */
};

struct halo_sched {
    int n_blocks;
    int n_step;
    struct halo_sched_step *step;
    int *block_step0;   /* n_blocks + 2 entries: steps of block b are [block_step0[b], block_step0[b+1]);
                           the tail's (block n_blocks) are one step, or none when the plan has no tail */
    int n_msg;
    struct halo_sched_msg *msg;
    int n_wire;         /* messages with from != to */
    /* What waits for what (the cost model walks these): the messages that become ready when step
     * k ends are wake[wake0[k] .. wake0[k + 1]); when block b is gathered at the source, those at
     * index n_step + b; when the frame starts (the image's pieces), at n_step + n_blocks. */
    int *wake0, *wake;
    int *n_gathers;     /* [n_blocks]: block b is gathered when this many messages have arrived */
    int last_steps;     /* without a tail: the result is ready when this many steps of the last
                           block have ended (0 with a tail: the tail's step makes it ready) */
    int *next_on_dev;   /* [n_step]: the next step of the same device in schedule order, or -1 */
    unsigned char *first_on_dev; /* [n_step]: 1 for a device's first step */
};

/* Builds the schedule of a validated plan for the runtime. A plan without a tail (no non-spatial
 * stages) is HALO_ERR_UNSUPPORTED: the runtime needs a step that produces the logits. */
enum halo_status halo_sched_build(const struct halo_plan *p, const struct halo_graph *g, struct halo_sched *s);
/* The same for any validated plan, a tail or none (the frame the cost model simulates). */
enum halo_status halo_sched_build_any(const struct halo_plan *p, const struct halo_graph *g, struct halo_sched *s);
void halo_sched_free(struct halo_sched *s);

/* The step index of part `part` of block `block` (block == n_blocks: the tail, part 0). */
static inline int halo_sched_step_of(const struct halo_sched *s, int block, int part)
{
    return s->block_step0[block] + part;
}

#endif
