/* halo: what splitting a stage range costs. Per part of a split of the range's output: the MACs it
 * computes including the halo (regions more than one part computes), the redundant MACs, and the
 * input bytes it must receive, with the part beyond its own share. Read by the cost model and the
 * planners, so it is rect arithmetic only: O(nodes x parts), no per-pixel loops.
 *
 * Shares. On every tensor of the range (each node's output and the range's input), and on each
 * axis separately, the parts' regions are bands that overlap by the halo. Each part's share is
 * its band cut at the proportional point of the output cut (output cut c of an output of size
 * S_out maps to floor(c * S / S_out) on a tensor of size S), clamped into the overlap of the two
 * bands. Shares partition the union of the bands, so the parts' own MACs add up to the MACs of
 * the unsplit range and the rest of each part's work is redundant: redundant_macs (total minus
 * unsplit) is the sum of the parts' redundant_macs. One exception: a node whose stride exceeds
 * its window (a 1x1 stride-2 conv as the only reader of a tensor) leaves rows between two parts
 * that neither needs, while the unsplit rect computes them; then the sum over parts is smaller
 * and redundant_macs can be negative. No zoo model has such a node (tests/test_split.c). */
#ifndef HALO_HALO_H
#define HALO_HALO_H

#include <stdint.h>

#include "model/graph.h"
#include "model/rf.h"
#include "partition/split.h"

struct halo_part_cost {
    int row, col;            /* the part's bands in the split's grid */
    struct halo_rect out;    /* region of the range's output tensor it produces */
    struct halo_rect in;     /* region of the range's input tensor it reads (its tile's `in`) */
    struct halo_rect own_in; /* its share of the input tensor, inside `in` */
    int64_t macs;            /* MACs it computes, halo included (halo_tile_macs of its tile) */
    int64_t own_macs;        /* MACs of its share of every node's output */
    int64_t redundant_macs;  /* macs - own_macs: work a neighbouring part also does */
    int64_t in_bytes;        /* float32 bytes of `in`, all channels: what it must receive */
    int64_t halo_bytes;      /* bytes of `in` outside `own_in`: what it needs beyond its share */
    int64_t out_bytes;       /* float32 bytes of `out`, all channels */
};

struct halo_split_cost {
    int first_stage, last_stage; /* stage range [first_stage, last_stage); -1, -1 for a node range */
    int first, last;             /* its node range [first, last) */
    struct halo_shape in_shape;  /* the range's input tensor */
    struct halo_shape out_shape; /* the range's output tensor (the split's h x w) */
    int n_rows, n_cols, n_parts; /* the split's grid */
    struct halo_part_cost *part; /* n_parts, in the split's order */
    int64_t unsplit_macs;        /* MACs of the range computed once, on one device (full tile) */
    int64_t total_macs;          /* sum of the parts' macs */
    int64_t redundant_macs;      /* total_macs - unsplit_macs; see below */
    double redundant_fraction;   /* redundant_macs / unsplit_macs (0 when unsplit_macs is 0) */
    int64_t max_part_macs;       /* the largest part's macs (the critical path on equal devices) */
    int64_t in_bytes;            /* sum of the parts' in_bytes */
    int64_t input_tensor_bytes;  /* the whole input tensor, float32 */
    int64_t halo_bytes;          /* sum of the parts' halo_bytes */
    int64_t out_bytes;           /* the output tensor, float32 (= sum of the parts' out_bytes) */
};

/* Costs of splitting nodes [first, last) by `split` of the last node's output. Shapes must be
 * inferred. Errors: a split of another size than the output, a node that is not spatial
 * (global pooling, flatten, linear), a range that reads a tensor from before its input. */
enum halo_status halo_split_cost_nodes(const struct halo_graph *g, int first, int last,
                                       const struct halo_split *split, struct halo_split_cost *out);
/* The same for stages [i, j) (j exclusive); a stage of the tail is an error naming it. */
enum halo_status halo_split_cost_stages(const struct halo_graph *g, int i, int j, const struct halo_split *split,
                                        struct halo_split_cost *out);
/* Frees the parts; accepts NULL and a zeroed cost. */
void halo_split_cost_free(struct halo_split_cost *c);

#endif
