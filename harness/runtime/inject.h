/* inject: fault injection for `halo run --inject SPEC`, to test the runtime's fault handling on a
 * real run: an ES that dies or stalls at a block, an ES slowed down, a message corrupted or lost in
 * transit; what catches a corrupted message is the checksum every message carries (core/hash.h).
 * No MPI here: the spec is parsed and checked against the plan before any rank starts. */
#ifndef HALO_INJECT_H
#define HALO_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

enum halo_fault_kind {
    HALO_FAULT_KILL,    /* the rank exits at its first step of block >= block */
    HALO_FAULT_STALL,   /* the rank hangs there */
    HALO_FAULT_DELAY,   /* every step of the rank from block `block` on starts delay_ms late (on the
                           virtual clock it also lasts delay_ms longer) */
    HALO_FAULT_CORRUPT, /* the first message the rank sends from block `block` on has a byte flipped */
    HALO_FAULT_DROP,    /* the first message the rank sends from block `block` on is never sent */
};

struct halo_fault {
    enum halo_fault_kind kind;
    int rank;        /* plan device index = MPI rank (0 is the source) */
    int block;       /* first block it applies to (the plan's n_blocks: the tail) */
    int frame;       /* kill, stall: a stream's first frame it applies to (KIND:RANK@BLOCK/FRAME) */
    double delay_ms; /* HALO_FAULT_DELAY */
};

struct halo_faults {
    int n;
    struct halo_fault *f;
};

/* Parses a comma-separated list of faults, each KIND:RANK[@BLOCK[/FRAME]] (kill, stall, corrupt,
 * drop) or delay:RANK:MS[@BLOCK]; BLOCK and FRAME default to 0 (FRAME: kill and stall wait for that
 * frame of a stream). kill and stall need an ES (rank >= 1). `n_dev` (the
 * plan's devices) bounds the ranks and `n_blocks` (the plan's blocks; the tail is block n_blocks)
 * the blocks, so that a fault that could never fire is an error; <= 0 skips either check. Errors
 * name --inject and the item. */
enum halo_status halo_faults_parse(const char *spec, int n_dev, int n_blocks, struct halo_faults *out);
void halo_faults_free(struct halo_faults *f);
/* The first fault of `kind` for `rank`, or NULL. */
const struct halo_fault *halo_faults_find(const struct halo_faults *f, enum halo_fault_kind kind, int rank);

#endif
